"""The audit log page: administrators read each entry as a Norwegian sentence, filter it and
download it as CSV; it never shows note text, passwords or tokens."""

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from programmes.services import registrations as registration_services
from programmes.services import sessions as session_services
from reflection_groups import services as group_services
from tests.factories import TEST_PASSWORD, AdminUserFactory, HRUserFactory, LeaderFactory
from tests.programmes.factories import ProgrammeFactory, RegistrationFactory, SessionFactory, enrolled_leader
from tests.reflection_groups.conftest import GROUP_SECRET
from tests.reflection_groups.conftest import world as _groups_world  # noqa: F401  (pytest fixture)
from toppleder import services as core_services
from toppleder.audit import Action, AuditEntry

pytestmark = pytest.mark.django_db

OSLO = ZoneInfo("Europe/Oslo")
WHEN = datetime(2026, 3, 10, 13, 5, tzinfo=OSLO)


def _nb(user=None):
    client = Client()
    client.cookies["django_language"] = "nb"
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def world(_groups_world):  # noqa: F811
    return _groups_world


@pytest.fixture
def log(world, settings):
    """One entry of every action kind, made the way people make them."""
    settings.MFA_REQUIRED_FOR_STAFF = False
    hr = HRUserFactory(name="Helene Rådgiver")
    admin = AdminUserFactory(name="Ada Administrator")
    programme = ProgrammeFactory(name="Tilbud til toppledere")
    session = SessionFactory(programme=programme, title="Temasamling: Tillit i praksis", capacity=1)
    RegistrationFactory(session=session, leader=enrolled_leader(programme))
    astrid = enrolled_leader(programme, user__name="Astrid Amundsen")
    waiting = [
        RegistrationFactory(
            session=session, leader=enrolled_leader(programme), status="waitlisted", waitlist_position=1
        ),
        RegistrationFactory(
            session=session, leader=enrolled_leader(programme), status="waitlisted", waitlist_position=2
        ),
        RegistrationFactory(session=session, leader=astrid, status="waitlisted", waitlist_position=3),
    ]
    leaving = LeaderFactory(user__name="Per Pensjonist")
    with time_machine.travel(WHEN, tick=False):
        client = Client()
        assert client.login(email=hr.email, password=TEST_PASSWORD)  # LOGIN
        Client().post(reverse("account_login"), {"login": "ukjent@example.org", "password": "feil-passord"})
        _nb(world.members[0].user).get(reverse("audit_log"))  # DENIED
        response = client.get(
            reverse("programmes:export", kwargs={"pk": programme.pk, "what": "registrations", "fmt": "csv"})
        )  # EXPORT
        assert response.status_code == 200
        registration_services.waitlist_reorder(
            registration=waiting[2], new_position=1, reason="Ny i rollen, bør prioriteres", by=hr
        )  # CREATE (the waiting-list change) and UPDATE (the places)
        contributor = session.contributors.create(name="Professor Pia", kind="academia")
        session_services.contributor_remove(contributor=contributor, by=hr)  # DELETE
        group_services.note_create(group=world.group, author=world.members[0].user, text=GROUP_SECRET)
        core_services.person_anonymise(user=leaving.user, by=admin)  # ANONYMISE
    return {"hr": hr, "admin": admin, "programme": programme, "session": session}


def _page(client, **params) -> str:
    response = client.get(reverse("audit_log"), params)
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


def test_every_action_kind_reads_as_a_norwegian_sentence(log):
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert actions == set(Action.values), set(Action.values) - actions  # the fixture covers every kind
    page = _page(_nb(log["admin"]))
    expected = [
        "Helene Rådgiver logget inn.",
        "En innlogging som ukjent@example.org mislyktes",
        "ble nektet siden /audit/.",
        "Helene Rådgiver lastet ned eksporten av registrations for programmet «Tilbud til toppledere»",
        "Helene Rådgiver flyttet Astrid Amundsen – Temasamling: Tillit i praksis fra plass 3 til 1 på ventelisten."
        " Begrunnelse: Ny i rollen, bør prioriteres",
        "Plass på ventelisten: 3 → 1",
        "Helene Rådgiver fjernet bidragsyteren «Professor Pia».",
        "skrev et fortrolig notat (teksten logges aldri).",
        "Ada Administrator anonymiserte",
        "10. mars 2026 kl. 13.05",
    ]
    for text in expected:
        assert text in page, text
    assert GROUP_SECRET not in page and "feil-passord" not in page


def test_filters_by_person_object_action_and_period(log):
    client = _nb(log["admin"])
    page = _page(client, action="export")
    assert "lastet ned" in page and "logget inn." not in page
    page = _page(client, person="Ada")
    assert "anonymiserte" in page and "Helene Rådgiver flyttet" not in page
    page = _page(client, object_type="programmes.contributor")
    assert "Professor Pia" in page and "flyttet" not in page
    page = _page(client, obj="Professor")
    assert "Professor Pia" in page and "anonymiserte" not in page
    assert "Ingen oppføringer" in _page(client, start="2026-03-11", end="2026-03-12")
    assert "logget inn." in _page(client, start="2026-03-10", end="2026-03-10")
    assert client.get(reverse("audit_log"), {"action": "nonsense"}).status_code == 400
    assert client.get(reverse("audit_log"), {"start": "2026-02-30"}).status_code == 400


def test_the_csv_has_the_same_sentences_and_its_download_is_logged_by_name(log):
    client = _nb(log["admin"])
    response = client.get(reverse("audit_log_csv"), {"action": "delete"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Tid", "Hvem", "Handling", "Hva skjedde"]
    assert any("fjernet bidragsyteren «Professor Pia»" in r[3] for r in rows[1:])
    entry = AuditEntry.objects.filter(action="export").order_by("-pk").first()
    assert entry.actor == log["admin"] and entry.changes["report"] == "revisjonsloggen (CSV)"


def test_only_administrators_open_the_audit_log(log, world):
    for user in (log["hr"], world.members[0].user, world.facilitator):
        assert _nb(user).get(reverse("audit_log")).status_code == 403
        assert _nb(user).get(reverse("audit_log_csv")).status_code == 403


def test_a_token_in_an_address_is_never_shown(log, world):
    """A refused request to a token address (a calendar feed, a survey link) names the page
    without the token."""
    from toppleder import audit

    token = world.members[0].calendar_token
    with time_machine.travel(WHEN, tick=False):
        context = audit._request.set({"ip": "10.0.0.1", "path": f"/calendar/{token}.ics"})
        audit.record(world.members[0].user, Action.DENIED)
        audit._request.reset(context)
    page = _page(_nb(log["admin"]))
    assert token not in page
    assert "Mia Medlem ble nektet siden /calendar/….ics." in page


def test_the_page_costs_the_same_number_of_queries_however_many_entries(log, django_assert_max_num_queries):
    client = _nb(log["admin"])
    client.get(reverse("audit_log"))
    with django_assert_max_num_queries(14):
        client.get(reverse("audit_log"))
    for _ in range(3):
        registration_services.waitlist_reorder(
            registration=log["session"].registrations.filter(status="waitlisted").last(),
            new_position=1,
            reason="Igjen",
            by=log["hr"],
        )
    with django_assert_max_num_queries(14):
        client.get(reverse("audit_log"))
