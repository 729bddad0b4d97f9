"""The group booking pages as a top leader uses them (Norwegian messages, nothing changed on a refusal)."""

import pytest
from django.urls import reverse

from programmes.models import GroupBooking, Registration
from tests.factories import LeaderGroupFactory, OrganisationFactory
from tests.programmes.factories import ProgrammeFactory, SessionFactory, enrolled_leader
from tests.programmes.web import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    programme = ProgrammeFactory()
    session = SessionFactory(programme=programme, capacity=2, title="Høstsamling")
    org = OrganisationFactory(name="Bydel Sagene")
    head = enrolled_leader(programme, organisation=org, user__name="Hege Hovedleder")
    members = [
        enrolled_leader(programme, organisation=org, level=2, user__name=n) for n in ("Anna Avdeling", "Bo Bydel")
    ]
    group = LeaderGroupFactory(organisation=org, members=[head, *members], name="Ledergruppen i Bydel Sagene")
    return programme, session, group, head, members


def book_url(session, group):
    return reverse("programmes:group_booking", args=[session.pk, group.pk])


def test_the_top_leader_finds_the_group_booking_on_the_session_page(client, world):
    programme, session, group, head, members = world
    html = login(client, head.user).get(reverse("programmes:session_detail", args=[session.pk])).content.decode()
    assert book_url(session, group) in html
    assert "Meld på medlemmer av Ledergruppen i Bydel Sagene" in html


def test_a_member_who_is_not_the_top_leader_sees_no_booking_and_the_page_is_a_404(client, world):
    programme, session, group, head, members = world
    login(client, members[0].user)
    html = client.get(reverse("programmes:session_detail", args=[session.pk])).content.decode()
    assert book_url(session, group) not in html
    assert client.get(book_url(session, group)).status_code == 404
    assert client.post(book_url(session, group), {"members": [members[0].pk], "mode": "all"}).status_code == 404
    assert not Registration.objects.exists()


def test_booking_all_or_none_onto_the_waiting_list_says_so_in_norwegian(client, world):
    programme, session, group, head, members = world
    login(client, head.user)
    form = client.get(book_url(session, group)).content.decode()
    assert "Alle eller ingen" in form and "Så mange som får plass" in form

    r = client.post(
        book_url(session, group), {"members": [head.pk, *[m.pk for m in members]], "mode": "all"}, follow=True
    )

    text = r.content.decode()
    assert "venter på ventelisten sammen" in text, text
    assert set(Registration.objects.values_list("status", flat=True)) == {"waitlisted"}
    assert GroupBooking.objects.get().size == 3


def test_a_member_outside_the_group_is_refused_with_a_message_and_nothing_changes(client, world):
    programme, session, group, head, members = world
    stranger = enrolled_leader(programme)
    login(client, head.user)

    r = client.post(book_url(session, group), {"members": [head.pk, stranger.pk], "mode": "all"})

    assert r.status_code == 400
    assert "Bare medlemmer av ledergruppen kan meldes på." in r.content.decode()
    assert not Registration.objects.exists() and not GroupBooking.objects.exists()


def test_the_session_page_shows_the_groups_members_and_their_status(client, world, django_assert_max_num_queries):
    from programmes import services

    programme, session, group, head, members = world
    services.group_booking_create(session=session, group=group, booker=head, mode="fit")
    login(client, head.user)
    page = reverse("programmes:session_detail", args=[session.pk])
    with django_assert_max_num_queries(13):
        html = client.get(page).content.decode()
    assert "Anna Avdeling" in html and "Bekreftet" in html and "På venteliste" in html
    # More groups and bookings ask no more queries.
    for _ in range(3):
        org = OrganisationFactory()
        other = LeaderGroupFactory(organisation=org, members=[enrolled_leader(programme, organisation=org)])
        from programmes.models import GroupDelegate

        GroupDelegate.objects.create(group=other, leader=head)
        services.group_booking_create(session=session, group=other, booker=head, mode="fit")
    with django_assert_max_num_queries(13):
        assert client.get(page).status_code == 200


def test_hr_sees_which_waiting_leaders_wait_as_a_group(client, world, hr_user):
    from programmes import services

    programme, session, group, head, members = world
    for _ in range(2):
        services.registration_create(session=session, leader=enrolled_leader(programme))
    services.group_booking_create(session=session, group=group, booker=head, mode="all")
    html = login(client, hr_user).get(reverse("programmes:session_detail", args=[session.pk])).content.decode()
    assert html.count("(med Ledergruppen i Bydel Sagene, alle eller ingen)") == 3
