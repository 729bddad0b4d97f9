"""Guests and leaders race for the last seats under the same session row lock: guests sign
up from their one-click links ("Meld meg på"), leaders from the session page. Exactly
`capacity` are confirmed whoever they are; with the lock off the same race overbooks."""

import threading

import pytest
from django.db import close_old_connections, connection

from programmes import email_actions, services
from programmes.models import GuestInvitation, Participant, Registration
from programmes.services import registrations
from tests.programmes.factories import ProgrammeFactory, SessionFactory, enrolled_leader
from tests.programmes.test_concurrency import _run_concurrently
from toppleder.models import User

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor == "sqlite", reason="row locks need PostgreSQL (DATABASE_URL)"),
]
GUESTS = LEADERS = 12


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    """Outbox rows are written in the sign-up's transaction; their delivery tasks are not run."""
    from toppleder.outbox import enqueue

    for module in (registrations, enqueue):
        monkeypatch.setattr(module, "queue_after_commit", lambda *a, **k: None)
    monkeypatch.setattr(registrations, "REGISTRATION_LOCK_TIMEOUT_MS", 60000)


def _race_world(capacity):
    programme = ProgrammeFactory()
    session = SessionFactory(programme=programme, capacity=capacity, kind="leader_conference")
    leaders = [enrolled_leader(programme) for _ in range(LEADERS)]
    tickets = []
    for i in range(GUESTS):
        user = User.objects.create(email=f"gjest{i}@example.no", name=f"Gjest {i}")
        participant = Participant.objects.create(user=user, category="politician")
        GuestInvitation.objects.create(session=session, participant=participant)
        token = email_actions.make_token(
            email_actions.SIGN_UP, leader=participant, session=session, expires_at=session.starts_at
        )
        tickets.append(email_actions.read(email_actions.SIGN_UP, token))
    work = [("leader", le) for le in leaders] + [("guest", t) for t in tickets]
    return session, work


def _sign_up(session, kind, who):
    if kind == "guest":
        return services.email_action_perform(ticket=who, by=who.person.user)
    return services.registration_create(session=session, leader=who).status


@pytest.mark.parametrize("capacity", [1, 5])
def test_guests_from_links_and_leaders_racing_confirm_exactly_capacity(capacity):
    session, work = _race_world(capacity)

    results, errors = _run_concurrently(_sign_up, [(session, kind, who) for kind, who in work])

    assert errors == []
    regs = Registration.objects.filter(session=session)
    assert regs.count() == GUESTS + LEADERS
    assert regs.filter(status=Registration.Status.CONFIRMED).count() == capacity
    positions = sorted(regs.filter(status=Registration.Status.WAITLISTED).values_list("waitlist_position", flat=True))
    assert positions == list(range(1, GUESTS + LEADERS - capacity + 1))
    session.refresh_from_db()
    assert session.confirmed_count == capacity
    close_old_connections()


def test_without_the_lock_the_same_mixed_race_overbooks(monkeypatch):
    session, work = _race_world(1)
    monkeypatch.setattr(registrations, "REGISTRATION_LOCKING", False)
    counted = threading.Barrier(len(work), timeout=60)
    original = registrations.count_confirmed

    def count_then_wait(s):
        n = original(s)
        counted.wait()
        return n

    monkeypatch.setattr(registrations, "count_confirmed", count_then_wait)

    _results, errors = _run_concurrently(_sign_up, [(session, kind, who) for kind, who in work])

    assert errors == []
    confirmed = Registration.objects.filter(session=session, status=Registration.Status.CONFIRMED)
    assert confirmed.count() > 1
    assert confirmed.filter(participant__isnull=False).exists() and confirmed.filter(leader__isnull=False).exists()
