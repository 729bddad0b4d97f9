"""E-mail against the real stack: Redis broker, a real Celery worker process, an SMTP sink.

Run with PostgreSQL and Redis, e.g.
DATABASE_URL=postgres://postgres@127.0.0.1:5433/mail REDIS_URL=redis://127.0.0.1:6379/5 \
    .venv/bin/pytest tests/integration -q
"""

from datetime import timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from programmes import services
from programmes.models import Session
from tests.factories import LeaderFactory
from tests.integration.conftest import wait_for
from tests.programmes.factories import ProgrammeFactory, SessionFactory, enrolled_leader
from toppleder.models import OutboxMessage
from toppleder.outbox import delivery

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

OSLO = ZoneInfo("Europe/Oslo")
Status = OutboxMessage.Status
DONE = (Status.SENT, Status.FAILED, Status.SUPERSEDED)


def _calendar(message):
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            return part.get_param("method"), icalendar.Calendar.from_ical(part.get_payload(decode=True))
    raise AssertionError(f"no text/calendar part in {message['Subject']!r}")


def _draft_with_leaders(n: int):
    programme = ProgrammeFactory()
    session = SessionFactory(programme=programme, status=Session.Status.DRAFT, title="Samstyring på tvers")
    session.starts_at = session.starts_at.replace(microsecond=0)
    session.ends_at = session.starts_at + timedelta(hours=3)
    session.save()
    leaders = [enrolled_leader(programme) for _ in range(n)]
    return session, leaders


def test_publishing_delivers_one_invitation_per_eligible_leader_with_valid_ics(celery_worker, smtp_sink, hr_user):
    session, leaders = _draft_with_leaders(5)
    LeaderFactory()  # not enrolled: no invitation
    services.session_publish(session=session, by=hr_user)

    wait_for(lambda: smtp_sink.count() >= 5, what="5 invitations", worker=celery_worker)
    wait_for(
        lambda: not OutboxMessage.objects.exclude(status__in=DONE).exists(), what="outbox settled", worker=celery_worker
    )
    assert sorted(m["To"] for m in smtp_sink.messages) == sorted(leader.user.email for leader in leaders)
    assert set(smtp_sink.keys().values()) == {1}
    for message in smtp_sink.messages:
        method, cal = _calendar(message)
        assert method == "PUBLISH"
        event = cal.walk("VEVENT")[0]
        assert str(event["UID"]) == f"session-{session.uid}@toppleder"
        assert int(event["SEQUENCE"]) == 0
        assert event["DTSTART"].params["TZID"] == "Europe/Oslo"
        assert event.decoded("DTSTART") == session.starts_at.astimezone(OSLO)
        assert event.decoded("DTSTART").utcoffset() == session.starts_at.astimezone(OSLO).utcoffset()

    # A signed-up leader whose session moves gets the update with SEQUENCE 1, same UID.
    services.registration_create(session=session, leader=leaders[0])
    wait_for(lambda: smtp_sink.count() >= 6, what="the confirmation", worker=celery_worker)
    new_start = session.starts_at + timedelta(days=2, hours=1)
    services.session_update(session=session, by=hr_user, starts_at=new_start, ends_at=new_start + timedelta(hours=2))
    # ... and so does every invitee whose invitation went out with the old time.
    wait_for(lambda: smtp_sink.count() >= 11, what="the change notices", worker=celery_worker)
    changes = [m for m in smtp_sink.messages if m["X-Toppleder-Key"].startswith("session_changed:")]
    assert sorted(m["To"] for m in changes) == sorted(leader.user.email for leader in leaders)
    for message in changes:
        method, cal = _calendar(message)
        event = cal.walk("VEVENT")[0]
        # The signed-up leader's own entry is updated; the others get the new facts to add.
        assert method == ("REQUEST" if message["To"] == leaders[0].user.email else "PUBLISH")
        assert str(event["UID"]) == f"session-{session.uid}@toppleder"
        assert int(event["SEQUENCE"]) == 1
        assert event.decoded("DTSTART") == new_start.astimezone(OSLO)
    assert set(smtp_sink.keys().values()) == {1}


def test_worker_killed_mid_run_delivers_everything_exactly_once(celery_worker, smtp_sink, hr_user):
    total = 200
    session, _leaders = _draft_with_leaders(total)
    smtp_sink.rcpt_delay = 0.01
    smtp_sink.pause_at = 61  # the 61st connection hangs in RCPT: the worker is mid-send

    services.session_publish(session=session, by=hr_user)
    assert smtp_sink.paused.wait(timeout=120), celery_worker.output()
    celery_worker.kill()
    smtp_sink.pause_at = None

    delivered_before_restart = smtp_sink.count()
    stuck = OutboxMessage.objects.filter(status=Status.SENDING)
    assert stuck.count() == 1  # the message whose SMTP conversation was cut off
    assert stuck.get().handed_over_at is None  # it never reached DATA: safe to resend
    assert 60 <= delivered_before_restart < total

    # What beat's sweeper does after its time-out (here: at once, as no worker is alive).
    result = delivery.outbox_sweep(sending_timeout=timedelta(0), queued_grace=timedelta(0))
    assert result["requeued"] == 1
    assert result["uncertain"] == 0
    celery_worker.start()

    wait_for(
        lambda: OutboxMessage.objects.filter(status=Status.SENT).count() == total,
        what=f"all {total} sent", worker=celery_worker,
    )  # fmt: skip
    keys = smtp_sink.keys()
    assert len(keys) == total
    assert [key for key, n in keys.items() if n > 1] == []  # zero duplicates
    assert smtp_sink.count() == total
    assert not OutboxMessage.objects.exclude(status=Status.SENT).exists()


def test_worker_killed_after_server_took_the_message_never_sends_a_second_copy(celery_worker, smtp_sink, hr_user):
    """At-most-once where the outcome is unknown: the server has the message but the
    worker died before hearing "250". The sweeper must not resend it; HR sees why."""
    total = 20
    session, _leaders = _draft_with_leaders(total)
    smtp_sink.pause_in_data_at = 5

    services.session_publish(session=session, by=hr_user)
    assert smtp_sink.paused.wait(timeout=120), celery_worker.output()
    celery_worker.kill()
    smtp_sink.pause_in_data_at = None
    (stuck,) = OutboxMessage.objects.filter(status=Status.SENDING)
    assert stuck.handed_over_at is not None

    result = delivery.outbox_sweep(sending_timeout=timedelta(0), queued_grace=timedelta(0))
    assert result == {"requeued": 0, "uncertain": 1, "dispatched": total - 5}
    celery_worker.start()
    wait_for(
        lambda: not OutboxMessage.objects.exclude(status__in=DONE).exists(), what="outbox settled", worker=celery_worker
    )
    stuck.refresh_from_db()
    assert stuck.status == Status.FAILED
    assert stuck.last_error == delivery.UNCERTAIN
    keys = smtp_sink.keys()
    assert keys[stuck.key] == 1  # it did arrive, once
    assert len(keys) == total
    assert set(keys.values()) == {1}
    assert OutboxMessage.objects.filter(status=Status.SENT).count() == total - 1
