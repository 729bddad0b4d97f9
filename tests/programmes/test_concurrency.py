"""Capacity holds under concurrent sign-ups (real PostgreSQL, one connection per thread).

Fifty threads sign up at the same moment for a session of capacity 1 and 10: exactly
`capacity` are confirmed, everyone else waits in positions 1..n, nobody gets an error.
The control run switches the session lock off and makes every thread read the seat
count before anyone writes (a barrier inside the count): it overbooks, which shows
the test can fail when the lock is missing.
"""

import threading

import pytest
from django.db import close_old_connections, connection, connections, transaction

from programmes import services
from programmes.models import Registration, Session
from programmes.services import registrations
from tests.programmes.factories import ProgrammeFactory, SessionFactory, enrolled_leader

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor == "sqlite", reason="row locks need PostgreSQL (DATABASE_URL)"),
]


@pytest.fixture(autouse=True)
def _english():
    """Assertions read the English source messages; test_imports checks the bokmål ones."""
    from django.utils import translation

    with translation.override("en"):
        yield


THREADS = 50


@pytest.fixture(autouse=True)
def _queue_tasks_without_running(monkeypatch):
    """E-mails are not under test here: their outbox rows are written in the sign-up's
    transaction, but queued tasks (their delivery among them) are recorded instead of run
    eagerly in 50 threads."""
    from toppleder.outbox import enqueue

    queued = []
    for module in (registrations, enqueue):
        monkeypatch.setattr(module, "queue_after_commit", lambda task, pk, *rest: queued.append((task.name, pk)))
    return queued


@pytest.fixture(autouse=True)
def _patient_lock(monkeypatch):
    """On two shared cores the 50th sign-up may wait seconds for the lock; these tests are about
    capacity, so they wait up to 60 s (the contention tests below set a short timeout on purpose)."""
    monkeypatch.setattr(registrations, "REGISTRATION_LOCK_TIMEOUT_MS", 60000)


def _run_concurrently(target, args_list):
    """Run target(*args) in one thread each, all released at once; collect results/errors."""
    start = threading.Barrier(len(args_list), timeout=60)
    results, errors = [], []
    lock = threading.Lock()

    def worker(*args):
        try:
            start.wait()
            value = target(*args)
            with lock:
                results.append(value)
        except Exception as exc:  # noqa: BLE001 - the test asserts there are none
            with lock:
                errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=args) for args in args_list]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results, errors


def _session_with_leaders(capacity):
    programme = ProgrammeFactory()
    session = SessionFactory(programme=programme, capacity=capacity)
    leaders = [enrolled_leader(programme) for _ in range(THREADS)]
    return session, leaders


def _signup(session, leader):
    return services.registration_create(session=session, leader=leader)


@pytest.mark.parametrize("capacity", [1, 10])
def test_fifty_simultaneous_signups_confirm_exactly_capacity_and_queue_the_rest(capacity):
    session, leaders = _session_with_leaders(capacity)

    results, errors = _run_concurrently(_signup, [(session, leader) for leader in leaders])

    assert errors == []
    assert len(results) == THREADS
    regs = Registration.objects.filter(session=session)
    assert regs.filter(status=Registration.Status.CONFIRMED).count() == capacity
    positions = sorted(regs.filter(status=Registration.Status.WAITLISTED).values_list("waitlist_position", flat=True))
    assert positions == list(range(1, THREADS - capacity + 1))
    session.refresh_from_db()
    assert (session.confirmed_count, session.waitlist_count) == (capacity, THREADS - capacity)
    close_old_connections()


def test_without_the_lock_the_same_signups_overbook(monkeypatch):
    """Control run: no row lock, every thread counts before anyone writes → overbooking."""
    session, leaders = _session_with_leaders(1)
    monkeypatch.setattr(registrations, "REGISTRATION_LOCKING", False)
    counted = threading.Barrier(THREADS, timeout=60)
    original = registrations.count_confirmed

    def count_then_wait(s):
        n = original(s)
        counted.wait()  # nobody writes until everyone has read the count
        return n

    monkeypatch.setattr(registrations, "count_confirmed", count_then_wait)

    results, errors = _run_concurrently(_signup, [(session, leader) for leader in leaders])

    assert errors == []
    confirmed = Registration.objects.filter(session=session, status=Registration.Status.CONFIRMED).count()
    assert confirmed > session.capacity


def test_freeing_seats_concurrently_promotes_in_order_without_overbooking():
    """Ten confirmed leaders cancel at once: exactly ten waiting leaders are offered the seats, in order."""
    session, leaders = _session_with_leaders(10)
    regs = [services.registration_create(session=session, leader=le) for le in leaders[:20]]

    _, errors = _run_concurrently(lambda r: services.registration_cancel(registration=r), [(r,) for r in regs[:10]])

    assert errors == []
    offered = set(
        Registration.objects.filter(session=session, status=Registration.Status.OFFERED).values_list("pk", flat=True)
    )
    assert offered == {r.pk for r in regs[10:20]}
    session.refresh_from_db()
    assert (session.confirmed_count, session.offered_count, session.waitlist_count) == (0, 10, 0)
    close_old_connections()


def test_lock_contention_gives_try_again_not_a_server_error(monkeypatch):
    """While another transaction holds the session row, a sign-up gives up with RegistrationBusy."""
    session, leaders = _session_with_leaders(5)
    monkeypatch.setattr(registrations, "REGISTRATION_LOCK_TIMEOUT_MS", 50)
    holding, release = threading.Event(), threading.Event()

    def hold_lock():
        try:
            with transaction.atomic():
                Session.objects.select_for_update().get(pk=session.pk)
                holding.set()
                release.wait(30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    assert holding.wait(30)
    try:
        results, errors = _run_concurrently(_signup, [(session, leader) for leader in leaders[:10]])
    finally:
        release.set()
        holder.join(30)

    assert results == []
    assert len(errors) == 10
    assert all(isinstance(e, services.RegistrationBusy) for e in errors)
    assert "try again" in str(errors[0]).lower() or "prøv igjen" in str(errors[0]).lower()
    assert not Registration.objects.filter(session=session).exists()
    # Once the lock is gone, the same leaders get in.
    services.registration_create(session=session, leader=leaders[0])
    assert Registration.objects.filter(session=session, status=Registration.Status.CONFIRMED).count() == 1


def _post_signup(client, session):
    from django.urls import reverse

    response = client.post(reverse("programmes:registration_create", args=[session.pk]))
    messages = [str(m) for m in response.wsgi_request._messages]
    return response.status_code, messages


def _clients(leaders):
    from django.test import Client

    clients = []
    for leader in leaders:
        client = Client()
        client.force_login(leader.user)
        clients.append(client)
    return clients


def test_fifty_simultaneous_signups_through_the_page_never_overbook_or_error():
    session, leaders = _session_with_leaders(10)
    clients = _clients(leaders)

    results, errors = _run_concurrently(_post_signup, [(c, session) for c in clients])

    assert errors == []
    assert sorted(code for code, _ in results) == [302] * THREADS
    assert Registration.objects.filter(session=session, status=Registration.Status.CONFIRMED).count() == 10
    assert Registration.objects.filter(session=session, status=Registration.Status.WAITLISTED).count() == 40


def test_contention_through_the_page_says_try_again_instead_of_a_server_error(monkeypatch):
    from django.utils import translation

    session, leaders = _session_with_leaders(5)
    clients = _clients(leaders[:10])
    monkeypatch.setattr(registrations, "REGISTRATION_LOCK_TIMEOUT_MS", 50)
    holding, release = threading.Event(), threading.Event()

    def hold_lock():
        try:
            with transaction.atomic():
                Session.objects.select_for_update().get(pk=session.pk)
                holding.set()
                release.wait(30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    assert holding.wait(30)
    try:
        with translation.override("en"):
            results, errors = _run_concurrently(_post_signup, [(c, session) for c in clients])
    finally:
        release.set()
        holder.join(30)

    assert errors == []
    assert [code for code, _ in results] == [302] * 10
    assert all(any("try again" in m.lower() or "prøv igjen" in m.lower() for m in msgs) for _, msgs in results)
    assert not Registration.objects.filter(session=session).exists()


def _seat_open_to_the_whole_list(waiting: int):
    """A session starting within the cut-off, full, with `waiting` leaders on the list; then
    one seat frees, so it is offered to everyone at once (first to accept wins)."""
    from datetime import timedelta

    from django.utils import timezone

    programme = ProgrammeFactory()
    session = SessionFactory(programme=programme, capacity=1, starts_at=timezone.now() + timedelta(hours=30))
    session.ends_at = session.starts_at + timedelta(hours=2)
    session.save()
    holder = services.registration_create(session=session, leader=enrolled_leader(programme))
    regs = [services.registration_create(session=session, leader=enrolled_leader(programme)) for _ in range(waiting)]
    services.registration_cancel(registration=holder)
    assert Registration.objects.filter(session=session, status=Registration.Status.OFFERED).count() == 0
    return session, regs


def _accept(reg):
    return services.offer_accept(registration=reg)


def test_leaders_accepting_the_last_offered_seat_at_once_confirm_exactly_one():
    session, regs = _seat_open_to_the_whole_list(10)

    results, errors = _run_concurrently(_accept, [(r,) for r in regs])

    assert len(results) == 1
    assert len(errors) == 9
    assert all(getattr(e, "code", None) == "taken" for e in errors), errors
    assert Registration.objects.filter(session=session, status=Registration.Status.CONFIRMED).count() == 1
    positions = sorted(
        Registration.objects.filter(session=session, status=Registration.Status.WAITLISTED).values_list(
            "waitlist_position", flat=True
        )
    )
    assert positions == list(range(1, 10))
    close_old_connections()


def test_without_the_lock_two_accepting_the_last_seat_are_both_confirmed(monkeypatch):
    """Control run: no row lock, both count the free seat before either writes → two confirmed."""
    session, regs = _seat_open_to_the_whole_list(2)
    monkeypatch.setattr(registrations, "REGISTRATION_LOCKING", False)
    counted = threading.Barrier(2, timeout=60)
    original = registrations.count_confirmed

    def count_then_wait(s):
        n = original(s)
        counted.wait()  # nobody writes until both have read the count
        return n

    monkeypatch.setattr(registrations, "count_confirmed", count_then_wait)
    # Without the lock, renumbering the rest of the list can also trip over the other
    # thread's row (a check constraint, at random); only the double confirmation is under test.
    monkeypatch.setattr(registrations, "_set_positions", lambda *args, **kwargs: [])

    results, errors = _run_concurrently(_accept, [(r,) for r in regs])

    assert errors == []
    assert Registration.objects.filter(session=session, status=Registration.Status.CONFIRMED).count() == 2
