"""The admin lists and forms for every programmes model render, and actions go through services."""

import pytest
from django.urls import reverse

from programmes.models import Registration, Session
from tests.programmes.factories import CommitmentFactory, RegistrationFactory, SessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Assertions read the English source messages; test_imports checks the bokmål ones."""
    from django.utils import translation

    with translation.override("en"):
        yield


MODELS = [
    "programme",
    "programmeenrolment",
    "measurearea",
    "measure",
    "session",
    "registration",
    "waitlistchange",
    "commitment",
    "groupdelegate",
    "groupbooking",
    "participant",
    "guestinvitation",
]


@pytest.fixture
def data(db):
    reg = RegistrationFactory()
    RegistrationFactory(session=reg.session, status="waitlisted", waitlist_position=1)
    CommitmentFactory(programme=reg.session.programme, parties=[reg.leader])
    return reg


@pytest.mark.parametrize("model", MODELS)
def test_admin_changelist_and_add_or_change_page_render(client, admin_user, data, model):
    client.force_login(admin_user)
    assert client.get(reverse(f"admin:programmes_{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:programmes_{model}_changelist"), {"q": "x"}).status_code == 200


def test_admin_session_change_page_shows_inlines(client, admin_user, data):
    client.force_login(admin_user)
    response = client.get(reverse("admin:programmes_session_change", args=[data.session.pk]))
    assert response.status_code == 200
    assert "registrations-TOTAL_FORMS" in response.content.decode()


def test_admin_cancel_action_offers_the_seat_to_the_waiting_list(client, admin_user):
    session = SessionFactory(capacity=1)
    first = RegistrationFactory(session=session)
    second = RegistrationFactory(session=session, status="waitlisted", waitlist_position=1)
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:programmes_registration_changelist"),
        {"action": "cancel", "_selected_action": [first.pk]},
    )
    assert response.status_code == 302
    assert Registration.objects.get(pk=second.pk).status == "offered"


def test_admin_publish_action_uses_the_service(client, admin_user):
    session = SessionFactory(status="draft")
    client.force_login(admin_user)
    client.post(reverse("admin:programmes_session_changelist"), {"action": "publish", "_selected_action": [session.pk]})
    assert Session.objects.get(pk=session.pk).status == "published"


def test_admin_list_query_count_does_not_grow(client, admin_user, data, django_assert_max_num_queries):
    for _ in range(30):
        RegistrationFactory(session=data.session)
    client.force_login(admin_user)
    with django_assert_max_num_queries(15):
        client.get(reverse("admin:programmes_registration_changelist"))


def test_participants_and_guest_invitations_are_read_and_corrected_in_the_admin_never_added(client, admin_user):
    """A guest is added on HR's guest page (a leader's e-mail attaches the leader); the admin
    corrects a participant's details, audited, and shows their invitations."""
    from programmes import services
    from programmes.models import GuestInvitation, Participant
    from toppleder.audit import AuditEntry

    session = SessionFactory(title="Byrådets ledersamling høst")
    services.guest_invite(
        programme=session.programme,
        session=session,
        by=admin_user,
        name="Pia Politiker",
        email="pia@byr.example.no",
        category="politician",
        organisation="Byrådet",
    )
    participant = Participant.objects.get()
    invitation = GuestInvitation.objects.get()
    client.force_login(admin_user)

    listing = client.get(reverse("admin:programmes_participant_changelist")).content.decode()
    assert "Pia Politiker" in listing and "pia@byr.example.no" in listing
    change_url = reverse("admin:programmes_participant_change", args=[participant.pk])
    page = client.get(change_url).content.decode()
    assert "Byrådets ledersamling høst" in page  # the invitations inline
    assert client.get(reverse("admin:programmes_participant_add")).status_code == 403
    assert client.get(reverse("admin:programmes_guestinvitation_add")).status_code == 403
    assert client.get(reverse("admin:programmes_guestinvitation_change", args=[invitation.pk])).status_code == 200

    response = client.post(
        change_url,
        {
            "category": "political_secretary",
            "organisation": "Byrådsavdeling for oppvekst",
            "union": "",
            "invitations-TOTAL_FORMS": "1",
            "invitations-INITIAL_FORMS": "1",
            "invitations-MIN_NUM_FORMS": "0",
            "invitations-MAX_NUM_FORMS": "1000",
            "invitations-0-id": str(invitation.pk),
            "invitations-0-participant": str(participant.pk),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    participant.refresh_from_db()
    assert participant.category == "political_secretary"
    entry = AuditEntry.objects.filter(event="admin", object_id=str(participant.pk)).get()
    assert entry.changes["category"] == ["politician", "political_secretary"]

    # A union representative needs a union: refused with the message, nothing changed.
    response = client.post(
        change_url,
        {
            "category": "union_representative",
            "organisation": "",
            "union": "",
            "invitations-TOTAL_FORMS": "1",
            "invitations-INITIAL_FORMS": "1",
            "invitations-MIN_NUM_FORMS": "0",
            "invitations-MAX_NUM_FORMS": "1000",
            "invitations-0-id": str(invitation.pk),
            "invitations-0-participant": str(participant.pk),
        },
    )
    assert response.status_code == 200
    participant.refresh_from_db()
    assert participant.category == "political_secretary"
