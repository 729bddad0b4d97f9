"""Hybrid sessions: seats in the room and places online, each with its own capacity (online may
be unlimited) and its own waiting list; switching mode in one click when a seat is free, and a
refusal (with the waiting-list offer) when it is not."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from programmes import seats, services
from programmes.models import Registration, Session
from tests.programmes.factories import ProgrammeFactory, SessionFactory, enrolled_leader

pytestmark = pytest.mark.django_db
S, ROOM, ONLINE = Registration.Status, Registration.Mode.ROOM, Registration.Mode.ONLINE


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def hybrid(capacity=2, online=None):
    programme = ProgrammeFactory()
    session = SessionFactory(
        programme=programme,
        format=Session.Format.HYBRID,
        video_link="https://teams.example.no/x",
        capacity=capacity,
        online_capacity=online,
    )
    return programme, session


def sign_up(programme, session, mode, **kw):
    return services.registration_create(session=session, leader=enrolled_leader(programme, **kw), mode=mode)


def test_room_full_and_online_unlimited_each_mode_counts_on_its_own():
    programme, session = hybrid(capacity=2, online=None)
    room = [sign_up(programme, session, ROOM) for _ in range(3)]
    online = [sign_up(programme, session, ONLINE) for _ in range(5)]

    assert [r.status for r in room] == [S.CONFIRMED, S.CONFIRMED, S.WAITLISTED]
    assert {r.status for r in online} == {S.CONFIRMED}
    session.refresh_from_db()
    assert (session.confirmed_count, session.waitlist_count) == (2, 1)
    assert (session.online_confirmed_count, session.online_waitlist_count) == (5, 0)
    assert session.seats_left == 0 and session.online_seats_left is None and session.online_open
    assert seats.drift() == []


def test_limited_online_has_its_own_waiting_list_and_its_own_promotion():
    programme, session = hybrid(capacity=5, online=1)
    first = sign_up(programme, session, ONLINE)
    waiting_online = sign_up(programme, session, ONLINE)
    in_room = sign_up(programme, session, ROOM)

    assert (first.status, waiting_online.status, in_room.status) == (S.CONFIRMED, S.WAITLISTED, S.CONFIRMED)
    assert waiting_online.waitlist_position == 1

    services.registration_cancel(registration=first)

    waiting_online.refresh_from_db()
    assert waiting_online.status == S.OFFERED and waiting_online.mode == ONLINE
    session.refresh_from_db()
    assert (session.online_offered_count, session.offered_count) == (1, 0)


def test_switching_to_a_mode_with_a_free_seat_moves_in_one_click_and_offers_the_seat_left_behind():
    programme, session = hybrid(capacity=1, online=None)
    mine = sign_up(programme, session, ROOM)
    waiting = sign_up(programme, session, ROOM)

    services.registration_switch_mode(registration=mine, mode=ONLINE)

    mine.refresh_from_db()
    waiting.refresh_from_db()
    assert (mine.status, mine.mode) == (S.CONFIRMED, ONLINE)
    assert waiting.status == S.OFFERED  # the room seat went to the room's waiting list
    session.refresh_from_db()
    assert (session.confirmed_count, session.offered_count, session.online_confirmed_count) == (0, 1, 1)


def test_switching_to_a_full_mode_is_refused_with_the_waiting_list_offer_and_nothing_changes():
    from toppleder.audit import AuditEntry

    programme, session = hybrid(capacity=1, online=3)
    mine = sign_up(programme, session, ONLINE)
    sign_up(programme, session, ROOM)
    entries = AuditEntry.objects.count()

    with pytest.raises(ValidationError) as exc:
        services.registration_switch_mode(registration=mine, mode=ROOM)

    assert exc.value.messages == [
        "There is no free seat in the room. You keep your seat online. You can instead join the waiting list "
        "in the room, but then you give up the seat you have."
    ]
    mine.refresh_from_db()
    assert (mine.status, mine.mode) == (S.CONFIRMED, ONLINE)
    assert AuditEntry.objects.count() == entries

    # Taking the offer: the seat online is given up, and the leader waits for the room.
    services.registration_switch_mode(registration=mine, mode=ROOM, wait=True)
    mine.refresh_from_db()
    assert (mine.status, mine.mode, mine.waitlist_position) == (S.WAITLISTED, ROOM, 1)
    assert seats.drift() == []


def test_a_leader_waiting_for_the_room_moves_online_when_there_is_a_place():
    programme, session = hybrid(capacity=1, online=None)
    sign_up(programme, session, ROOM)
    waiting = sign_up(programme, session, ROOM)
    behind = sign_up(programme, session, ROOM)

    services.registration_switch_mode(registration=waiting, mode=ONLINE)

    waiting.refresh_from_db()
    behind.refresh_from_db()
    assert (waiting.status, waiting.mode) == (S.CONFIRMED, ONLINE)
    assert behind.waitlist_position == 1  # the room's list closed up


@pytest.mark.parametrize(
    "case, message",
    [
        ("not_hybrid", "Only a hybrid session can be joined both in the room and online."),
        ("same", "You already take part this way."),
        ("bad_mode", "Choose whether you take part in the room or online."),
        ("started", "The session has already started or is closed."),
    ],
)
def test_switch_refusals(case, message):
    programme, session = hybrid(capacity=3)
    mine = sign_up(programme, session, ROOM)
    mode = ONLINE
    if case == "not_hybrid":
        Session.objects.filter(pk=session.pk).update(format=Session.Format.IN_PERSON)
    elif case == "same":
        mode = ROOM
    elif case == "bad_mode":
        mode = "sofa"
    elif case == "started":
        Session.objects.filter(pk=session.pk).update(
            starts_at=session.starts_at - timedelta(days=8), ends_at=session.ends_at - timedelta(days=8)
        )
    with pytest.raises(ValidationError) as exc:
        services.registration_switch_mode(registration=mine, mode=mode)
    assert exc.value.messages == [message]
    mine.refresh_from_db()
    assert (mine.status, mine.mode) == (S.CONFIRMED, ROOM)


def test_online_sign_up_for_a_session_that_is_not_hybrid_is_refused():
    programme = ProgrammeFactory()
    session = SessionFactory(programme=programme)
    with pytest.raises(ValidationError, match="one way of taking part"):
        services.registration_create(session=session, leader=enrolled_leader(programme), mode=ONLINE)
    assert not Registration.objects.exists()


def test_online_seats_can_be_raised_and_the_online_list_is_offered_the_new_places():
    programme, session = hybrid(capacity=5, online=1)
    sign_up(programme, session, ONLINE)
    waiting = sign_up(programme, session, ONLINE)

    services.session_update(session=session, online_capacity=None, by=None)

    waiting.refresh_from_db()
    assert waiting.status == S.OFFERED


def test_online_seats_cannot_go_below_those_confirmed_online():
    programme, session = hybrid(capacity=5, online=3)
    for _ in range(2):
        sign_up(programme, session, ONLINE)
    with pytest.raises(ValidationError) as exc:
        services.session_update(session=session, online_capacity=1, by=None)
    assert "Online seats cannot be below the 2 leaders already confirmed online." in exc.value.messages
    session.refresh_from_db()
    assert session.online_capacity == 3


def test_the_hybrid_session_page_offers_both_ways_and_the_switch(client):
    from django.urls import reverse

    from tests.programmes.web import login

    programme, session = hybrid(capacity=1, online=None)
    sign_up(programme, session, ROOM)
    me = enrolled_leader(programme)
    page = reverse("programmes:session_detail", args=[session.pk])
    with translation.override("nb"):
        html = login(client, me.user).get(page).content.decode()
        assert "Plasser i salen" in html and "1 av 1 plasser er tatt" in html
        assert "påmeldt, ubegrenset" in html
        assert "Stå på ventelisten for salen på" in html and "Meld meg på digitalt til" in html

        client.post(reverse("programmes:registration_create", args=[session.pk]), {"mode": "online"})
        mine = Registration.objects.get(session=session, leader=me)
        assert (mine.status, mine.mode) == (S.CONFIRMED, ONLINE)
        html = client.get(page).content.decode()
        assert "Du deltar digitalt." in html
        assert "Gi fra meg den digitale plassen og vent på plass i salen" in html

        # Switching to the full room is refused with the waiting-list offer, in Norwegian.
        r = client.post(
            reverse("programmes:registration_switch_mode", args=[session.pk]), {"mode": "room"}, follow=True
        )
        assert "Det er ingen ledig plass i salen. Du beholder plassen din digitalt." in r.content.decode()
        mine.refresh_from_db()
        assert (mine.status, mine.mode) == (S.CONFIRMED, ONLINE)


def test_the_confirmation_says_how_the_leader_takes_part(django_capture_on_commit_callbacks):
    from toppleder.models import OutboxMessage
    from toppleder.outbox.rendering import get_renderer

    programme, session = hybrid(capacity=1, online=None)
    with django_capture_on_commit_callbacks(execute=True):
        reg = sign_up(programme, session, ONLINE)
    mail = OutboxMessage.objects.get(to_email=reg.leader.user.email)
    email = get_renderer(mail.kind)(mail)
    assert "Du deltar digitalt." in email.text and "Du deltar digitalt." in email.html
