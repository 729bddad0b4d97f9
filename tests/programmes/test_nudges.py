"""Nudges: one reminder to invitees who have not answered, a few days before the deadline;
commitment reminders before the due date; HR's list of overdue commitments."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail as django_mail
from django.urls import reverse

from programmes import notifications, services
from programmes.models import Commitment, Session
from tests.programmes.factories import CommitmentFactory, ProgrammeFactory, SessionFactory, enrolled_leader
from toppleder.models import NotificationPreference, OutboxMessage

OSLO = ZoneInfo("Europe/Oslo")
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=OSLO)
Kind = OutboxMessage.Kind


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def programme(db):
    return ProgrammeFactory()


def test_one_nudge_to_the_invitees_who_have_not_answered_three_days_before_the_deadline(
    programme, hr_user, clock, django_capture_on_commit_callbacks
):
    deadline = NOW + timedelta(days=10)
    session = SessionFactory(
        programme=programme,
        status=Session.Status.DRAFT,
        starts_at=NOW + timedelta(days=14),
        registration_deadline=deadline,
    )
    session.ends_at = session.starts_at + timedelta(hours=2)
    session.save()
    silent, signed_up, declined, muted = (enrolled_leader(programme) for _ in range(4))
    NotificationPreference.objects.create(user=muted.user, session_reminders=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.session_publish(session=session, by=hr_user)
    services.registration_create(session=session, leader=signed_up)
    services.invitation_decline(session=session, leader=declined)
    late = enrolled_leader(programme)  # enrolled after the invitations: never invited, never nudged

    # Not yet: the deadline is more than three days away.
    clock.move_to(deadline - timedelta(days=3, minutes=1))
    assert notifications.invitation_nudges_queue() == 0
    clock.move_to(deadline - timedelta(days=3))
    django_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        notifications.invitation_nudges_queue()
    assert [m.to for m in django_mail.outbox] == [[silent.user.email]]
    nudge = django_mail.outbox[0]
    assert "Kommer du?" in nudge.subject
    assert "Meld meg på" in nudge.body and "Jeg kan ikke" in nudge.body
    # Hourly beat: once is enough.
    clock.move_to(deadline - timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        notifications.invitation_nudges_queue()
    assert len(django_mail.outbox) == 1
    assert OutboxMessage.objects.filter(kind=Kind.INVITATION_NUDGE).count() == 1
    assert not OutboxMessage.objects.filter(kind=Kind.INVITATION_NUDGE, recipient=late.user).exists()
    # After the deadline: nothing.
    clock.move_to(deadline + timedelta(minutes=1))
    assert notifications.invitation_nudges_queue() == 0


def test_a_nudge_queued_before_the_leader_answered_is_not_sent(
    programme, hr_user, clock, django_capture_on_commit_callbacks
):
    session = SessionFactory(
        programme=programme, status=Session.Status.DRAFT, registration_deadline=NOW + timedelta(days=2)
    )
    leader = enrolled_leader(programme)
    with django_capture_on_commit_callbacks(execute=True):
        services.session_publish(session=session, by=hr_user)
    notifications.invitation_nudges_queue()  # queued, not delivered (no commit callbacks run)
    services.registration_create(session=session, leader=leader)
    from toppleder.outbox.delivery import outbox_deliver

    message = OutboxMessage.objects.get(kind=Kind.INVITATION_NUDGE)
    outbox_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SUPERSEDED


def test_commitment_parties_are_reminded_once_before_the_due_date(programme, clock, django_capture_on_commit_callbacks):
    a, b = enrolled_leader(programme), enrolled_leader(programme)
    due = date(2026, 11, 12)
    commitment = CommitmentFactory(programme=programme, parties=[a, b], due_date=due, text="Felles innkjøp & drift")
    CommitmentFactory(programme=programme, parties=[a], due_date=due, status=Commitment.Status.DONE)
    clock.move_to(datetime(2026, 11, 4, 7, 0, tzinfo=OSLO))  # 8 days before
    assert notifications.commitment_reminders_queue() == 0
    clock.move_to(datetime(2026, 11, 5, 7, 0, tzinfo=OSLO))  # 7 days before
    with django_capture_on_commit_callbacks(execute=True):
        notifications.commitment_reminders_queue()
    assert sorted(m.to[0] for m in django_mail.outbox) == sorted([a.user.email, b.user.email])
    assert "Felles innkjøp & drift" in django_mail.outbox[0].body
    clock.move_to(datetime(2026, 11, 6, 7, 0, tzinfo=OSLO))
    with django_capture_on_commit_callbacks(execute=True):
        notifications.commitment_reminders_queue()
    assert len(django_mail.outbox) == 2
    # A new due date is a new reminder.
    services.commitment_update_status(commitment=commitment, status=Commitment.Status.IN_PROGRESS, by=None)
    Commitment.objects.filter(pk=commitment.pk).update(due_date=date(2026, 11, 10))
    with django_capture_on_commit_callbacks(execute=True):
        notifications.commitment_reminders_queue()
    assert len(django_mail.outbox) == 4


def test_hr_sees_overdue_commitments_on_the_front_page(client, programme, hr_user):
    a = enrolled_leader(programme)
    late = CommitmentFactory(programme=programme, parties=[a], due_date=date(2026, 10, 1), text="Sen avtale om deling")
    CommitmentFactory(
        programme=programme, parties=[a], due_date=date(2026, 9, 1), status=Commitment.Status.DONE, text="Ferdig avtale"
    )
    CommitmentFactory(programme=programme, parties=[a], due_date=date(2026, 12, 1), text="Fremtidig avtale")
    client.force_login(hr_user)
    page = client.get(reverse("dashboard")).content.decode()
    assert "1 forpliktelse over fristen" in page  # the heading of HR's "needs action" panel
    assert late.text in page
    assert "Ferdig avtale" not in page and "Fremtidig avtale" not in page
