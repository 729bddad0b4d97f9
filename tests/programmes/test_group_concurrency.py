"""Group bookings and single sign-ups racing for the last seats (real PostgreSQL, a thread each).

Six leader groups (three "all or none", three "as many as fit", three members each) and
twenty-four single leaders book a session of ten seats at the same moment. Under the
session row lock: never more than ten confirmed, an all-or-none group entirely seated or
entirely waiting, the waiting list numbered 1..n, the counters true, and no seat left free
while someone who fits is waiting. The control run switches the lock off and makes every
thread read the seat count before anyone writes: it overbooks.
"""

import threading

import pytest
from django.db import close_old_connections, connection

from programmes import seats, services
from programmes.models import GroupBooking, Registration
from programmes.services import registrations
from tests.factories import LeaderGroupFactory, OrganisationFactory
from tests.programmes.factories import ProgrammeFactory, SessionFactory, enrolled_leader
from tests.programmes.test_concurrency import _run_concurrently

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor == "sqlite", reason="row locks need PostgreSQL (DATABASE_URL)"),
]

CAPACITY, GROUPS, GROUP_SIZE, SINGLES = 10, 6, 3, 24
S = Registration.Status


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    """E-mails are not under test: their outbox rows are written, their delivery and other
    queued tasks are dropped; the lock waits long on two cores."""
    from toppleder.outbox import enqueue

    monkeypatch.setattr(registrations, "queue_after_commit", lambda *a: None)
    monkeypatch.setattr(enqueue, "queue_after_commit", lambda *a: None)
    monkeypatch.setattr(registrations, "REGISTRATION_LOCK_TIMEOUT_MS", 60000)


def _contenders():
    programme = ProgrammeFactory()
    session = SessionFactory(programme=programme, capacity=CAPACITY)
    jobs = []
    for i in range(GROUPS):
        org = OrganisationFactory()
        head = enrolled_leader(programme, organisation=org)
        rest = [enrolled_leader(programme, organisation=org, level=2) for _ in range(GROUP_SIZE - 1)]
        group = LeaderGroupFactory(organisation=org, members=[head, *rest])
        mode = GroupBooking.Mode.ALL_OR_NONE if i % 2 == 0 else GroupBooking.Mode.AS_MANY_AS_FIT
        jobs.append(("group", group, head, mode))
    jobs += [("single", enrolled_leader(programme), None, None) for _ in range(SINGLES)]
    return session, jobs


def _book(session, kind, who, booker, mode):
    if kind == "group":
        return services.group_booking_create(session=session, group=who, booker=booker, mode=mode)
    return services.registration_create(session=session, leader=who)


def test_group_bookings_and_single_signups_racing_never_overbook_and_groups_stay_whole():
    session, jobs = _contenders()

    results, errors = _run_concurrently(_book, [(session, *job) for job in jobs])

    assert errors == []
    assert len(results) == GROUPS + SINGLES
    regs = Registration.objects.filter(session=session)
    confirmed = regs.filter(status=S.CONFIRMED).count()
    assert confirmed <= CAPACITY
    for booking in GroupBooking.objects.filter(session=session, mode=GroupBooking.Mode.ALL_OR_NONE):
        statuses = set(booking.registrations.values_list("status", flat=True))
        assert statuses in ({S.CONFIRMED}, {S.WAITLISTED}), (booking.pk, statuses)
    positions = sorted(regs.filter(status=S.WAITLISTED).values_list("waitlist_position", flat=True))
    assert positions == list(range(1, GROUPS * GROUP_SIZE + SINGLES - confirmed + 1))
    assert seats.drift() == []
    # A free seat is left only for nobody: everyone waiting is an all-or-none group too large for it.
    free = CAPACITY - confirmed
    if free:
        assert not registrations.waiting_fits(session, free)
        waiting = regs.filter(status=S.WAITLISTED).select_related("group_booking")
        assert all(r.group_booking and r.group_booking.mode == GroupBooking.Mode.ALL_OR_NONE for r in waiting)
    close_old_connections()


def test_without_the_lock_the_same_mixed_race_overbooks(monkeypatch):
    """Control run: no row lock, every thread counts before anyone writes → more than ten confirmed."""
    session, jobs = _contenders()
    monkeypatch.setattr(registrations, "REGISTRATION_LOCKING", False)
    counted = threading.Barrier(len(jobs), timeout=60)
    original = registrations.count_confirmed

    def count_then_wait(s):
        n = original(s)
        counted.wait()  # nobody writes until everyone has read the count
        return n

    monkeypatch.setattr(registrations, "count_confirmed", count_then_wait)

    results, errors = _run_concurrently(_book, [(session, *job) for job in jobs])

    assert errors == []
    assert Registration.objects.filter(session=session, status=S.CONFIRMED).count() > CAPACITY
    close_old_connections()


def test_online_places_of_a_hybrid_session_hold_under_concurrent_sign_ups():
    """Thirty leaders ask for five online places at once: exactly five confirmed, the rest wait in order."""
    from programmes.models import Session

    programme = ProgrammeFactory()
    session = SessionFactory(
        programme=programme,
        format=Session.Format.HYBRID,
        video_link="https://teams.example.no/x",
        capacity=2,
        online_capacity=5,
    )
    leaders = [enrolled_leader(programme) for _ in range(30)]

    results, errors = _run_concurrently(
        lambda le: services.registration_create(session=session, leader=le, mode="online"), [(le,) for le in leaders]
    )

    assert errors == []
    online = Registration.objects.filter(session=session, mode="online")
    assert online.filter(status=S.CONFIRMED).count() == 5
    assert sorted(online.filter(status=S.WAITLISTED).values_list("waitlist_position", flat=True)) == list(range(1, 26))
    assert seats.drift() == []
    close_old_connections()
