"""The outbox: each e-mail once, retries for temporary failures only, nothing on rollback."""

import smtplib
from datetime import timedelta

import pytest
import time_machine
from django.core import mail as django_mail
from django.db import transaction
from django.utils import timezone

from tests.factories import UserFactory
from toppleder.models import NotificationPreference, OutboxMessage
from toppleder.outbox import delivery, enqueue, rendering, services, smtp
from toppleder.tasks import deliver, outbox_sweep

TEST_KIND = "test_kind"
Status = OutboxMessage.Status


@rendering.renderer(TEST_KIND)
def _render_test(message):
    if message.params.get("skip"):
        raise rendering.Skip("outdated")
    return rendering.Email(subject=f"Hello {message.recipient.name}", text="Plain body", html="<p>HTML body</p>")


def _enqueue(user, key="test:1", **kwargs):
    return enqueue.mail_enqueue(kind=kwargs.pop("kind", TEST_KIND), user=user, key=key, **kwargs)


class FailingConnection:
    """Stands in for an SMTP backend: raises `exc` from send_messages."""

    def __init__(self, exc):
        self.exc = exc
        self.connection = None
        self.calls = 0

    def open(self):
        return True

    def close(self):
        pass

    def send_messages(self, messages):
        self.calls += 1
        raise self.exc


@pytest.fixture
def user(db):
    return UserFactory(email="kari@toppleder.example", name="Kari")


def test_enqueue_sends_once_after_commit_and_records_sent(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = _enqueue(user)
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert message.sent_at is not None
    assert message.attempts == 1
    assert message.subject == "Hello Kari"
    assert len(django_mail.outbox) == 1
    sent = django_mail.outbox[0]
    assert sent.to == ["kari@toppleder.example"]
    assert sent.extra_headers["X-Toppleder-Key"] == "test:1"
    assert sent.alternatives[0][1] == "text/html"


def test_enqueue_twice_with_same_key_creates_one_row_and_one_mail(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = _enqueue(user)
        second = _enqueue(user)
    assert first.pk == second.pk
    assert OutboxMessage.objects.count() == 1
    assert len(django_mail.outbox) == 1


def test_deliver_task_run_twice_sends_once(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        message = _enqueue(user)
    assert deliver(message.pk) == "sent"
    assert deliver(message.pk) == "not_claimed"
    assert len(django_mail.outbox) == 1


def test_rollback_sends_nothing(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                _enqueue(user)
                raise RuntimeError("the surrounding change failed")
    assert callbacks == []
    assert OutboxMessage.objects.count() == 0
    assert django_mail.outbox == []


def test_temporary_smtp_failure_goes_back_to_queue_with_backoff(user, monkeypatch, django_capture_on_commit_callbacks):
    refused = smtplib.SMTPRecipientsRefused({"kari@toppleder.example": (451, b"Greylisted, try later")})
    monkeypatch.setattr(smtp, "_connection", lambda: FailingConnection(refused))
    with django_capture_on_commit_callbacks(execute=False):
        message = _enqueue(user)
    assert deliver(message.pk) == "retry"
    message.refresh_from_db()
    assert message.status == Status.QUEUED
    assert message.attempts == 1
    assert "451" in message.last_error
    assert message.next_attempt_at > timezone.now()
    # Not due yet: a duplicate task does nothing.
    assert delivery.outbox_deliver(message_id=message.pk) == ("not_claimed", None)


def test_temporary_failures_back_off_and_give_up_only_after_three_days(
    user, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(smtp, "_connection", lambda: FailingConnection(ConnectionRefusedError("refused")))
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=False):
            message = _enqueue(user)
        delays = []
        # The relay refuses for a whole weekend: every attempt happens when it is due.
        while timezone.now() - start < delivery.GIVE_UP_AFTER + timedelta(hours=1):
            outcome, delay = delivery.outbox_deliver(message_id=message.pk)
            if outcome != "retry":
                break
            delays.append(delay)
            clock.shift(timedelta(seconds=delay))
    message.refresh_from_db()
    assert outcome == "failed"
    assert message.status == Status.FAILED
    assert "Gave up" in message.last_error
    assert delays[:4] == [60, 120, 240, 480]  # exponential back-off …
    assert max(delays) == delivery.RETRY_MAX_SECONDS  # … to at most ten minutes
    assert sum(delays) >= delivery.GIVE_UP_AFTER.total_seconds()  # never given up before three days


def test_permanent_smtp_failure_fails_at_once_with_reason(user, monkeypatch, django_capture_on_commit_callbacks):
    connection = FailingConnection(smtplib.SMTPRecipientsRefused({"kari@toppleder.example": (550, b"No such user")}))
    monkeypatch.setattr(smtp, "_connection", lambda: connection)
    with django_capture_on_commit_callbacks(execute=True):
        message = _enqueue(user)
    message.refresh_from_db()
    assert message.status == Status.FAILED
    assert "550 No such user" in message.last_error
    assert connection.calls == 1


def test_server_5xx_on_data_fails_at_once(user, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(smtp, "_connection", lambda: FailingConnection(smtplib.SMTPDataError(554, b"Rejected")))
    with django_capture_on_commit_callbacks(execute=True):
        message = _enqueue(user)
    message.refresh_from_db()
    assert message.status == Status.FAILED
    assert "554" in message.last_error


def test_invalid_address_fails_without_contacting_the_server(db, monkeypatch, django_capture_on_commit_callbacks):
    user = UserFactory(email="not an address")
    connection = FailingConnection(AssertionError("must not be called"))
    monkeypatch.setattr(smtp, "_connection", lambda: connection)
    with django_capture_on_commit_callbacks(execute=True):
        message = _enqueue(user)
    message.refresh_from_db()
    assert message.status == Status.FAILED
    assert "Invalid address" in message.last_error
    assert connection.calls == 0


def test_outdated_message_is_superseded_not_sent(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = _enqueue(user, params={"skip": True})
    message.refresh_from_db()
    assert message.status == Status.SUPERSEDED
    assert message.last_error == "outdated"
    assert django_mail.outbox == []


def test_muted_reminders_are_not_queued_but_invitations_always_are(user):
    NotificationPreference.objects.create(user=user, session_reminders=False)
    assert _enqueue(user, key="r:1", kind=OutboxMessage.Kind.SESSION_REMINDER) is None
    assert _enqueue(user, key="i:1", kind=OutboxMessage.Kind.SESSION_INVITATION) is not None
    items = [enqueue.Item(kind=OutboxMessage.Kind.SESSION_REMINDER, user=user, key="r:2")]
    assert enqueue.mail_enqueue_many(items) == 0


def test_inactive_user_gets_nothing(db):
    user = UserFactory(is_active=False)
    assert _enqueue(user) is None


def test_enqueue_many_is_idempotent(db, django_capture_on_commit_callbacks):
    users = UserFactory.create_batch(3)
    items = [enqueue.Item(kind=TEST_KIND, user=u, key=f"bulk:{u.pk}") for u in users]
    with django_capture_on_commit_callbacks(execute=True):
        enqueue.mail_enqueue_many(items)
    with django_capture_on_commit_callbacks(execute=True):
        assert enqueue.mail_enqueue_many(items) == 0  # all sent: nothing left to queue
    assert OutboxMessage.objects.filter(status=Status.SENT).count() == 3
    assert len(django_mail.outbox) == 3


def _stuck(user, *, handed_over: bool):
    message = OutboxMessage.objects.create(
        key=f"stuck:{handed_over}",
        kind=TEST_KIND,
        recipient=user,
        to_email=user.email,
        status=Status.SENDING,
        attempts=1,
        claimed_at=timezone.now() - timedelta(hours=1),
        handed_over_at=timezone.now() - timedelta(hours=1) if handed_over else None,
    )
    return message


def test_sweeper_resends_message_whose_worker_died_before_handing_it_over(user):
    message = _stuck(user, handed_over=False)
    result = outbox_sweep()
    message.refresh_from_db()
    assert result["requeued"] == 1
    assert message.status == Status.SENT  # eager: the re-dispatched task ran
    assert len(django_mail.outbox) == 1


def test_sweeper_never_resends_message_that_may_have_reached_the_server(user):
    message = _stuck(user, handed_over=True)
    result = outbox_sweep()
    message.refresh_from_db()
    assert result["uncertain"] == 1
    assert message.status == Status.FAILED
    assert message.last_error == delivery.UNCERTAIN
    assert django_mail.outbox == []


def test_sweeper_leaves_recent_sending_alone(user):
    message = _stuck(user, handed_over=False)
    OutboxMessage.objects.filter(pk=message.pk).update(claimed_at=timezone.now())
    assert outbox_sweep()["requeued"] == 0
    message.refresh_from_db()
    assert message.status == Status.SENDING


def test_sweeper_redispatches_queued_message_whose_task_was_lost(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        message = _enqueue(user)
    OutboxMessage.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(hours=1))
    assert outbox_sweep()["dispatched"] == 1
    message.refresh_from_db()
    assert message.status == Status.SENT


def test_resend_of_failed_message_is_explicit(user, hr_user, django_capture_on_commit_callbacks):
    message = _stuck(user, handed_over=True)
    outbox_sweep()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.outbox_resend(message_id=message.pk, by=hr_user) is True
    message.refresh_from_db()
    assert message.status == Status.SENT


# --- Through a real SMTP server (aiosmtpd), in-process -----------------------------
@pytest.fixture
def smtp_settings(settings):
    from aiosmtpd.controller import Controller

    from tests.integration.conftest import Sink, free_port

    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port, server_hostname="localhost")
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield sink
    controller.stop()


def test_smtp_delivery_marks_hand_over_then_sent(user, smtp_settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = _enqueue(user)
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert message.handed_over_at is not None
    (received,) = smtp_settings.messages
    assert received["X-Toppleder-Key"] == "test:1"
    assert received["Message-ID"] == smtp._message_id(message)


def test_smtp_connection_sends_without_waiting_for_delayed_acks(smtp_settings):
    # DATA is written in two parts around the hand-over mark; with Nagle's algorithm on,
    # the final "." waited ~40 ms for the server's delayed ACK on every e-mail.
    import socket

    connection = smtp.EmailBackend(fail_silently=False)  # host and port from smtp_settings
    connection.open()
    try:
        assert connection.connection.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    finally:
        connection.close()


def test_timeout_after_server_took_data_is_uncertain_and_not_retried(
    user, smtp_settings, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_TIMEOUT = 1
    smtp_settings.pause_in_data_at = 1  # the server has the message but never answers "250"
    with django_capture_on_commit_callbacks(execute=True):
        message = _enqueue(user)
    message.refresh_from_db()
    assert message.status == Status.FAILED
    assert message.last_error.startswith(delivery.UNCERTAIN)
    assert smtp_settings.count() == 1


def test_connection_refused_is_temporary(user, settings, django_capture_on_commit_callbacks):
    from tests.integration.conftest import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens
    with django_capture_on_commit_callbacks(execute=True):
        message = _enqueue(user)
    message.refresh_from_db()
    assert message.status == Status.QUEUED
    assert message.handed_over_at is None
    assert "ConnectionRefusedError" in message.last_error


def test_every_periodic_job_names_a_registered_task():
    from toppleder.celery import app

    app.loader.import_default_modules()  # autodiscovery, as a worker/beat does at start
    schedule = app.conf.beat_schedule
    assert {"session-reminders", "outbox-sweep"} <= set(schedule)
    assert [entry["task"] for entry in schedule.values() if entry["task"] not in app.tasks] == []


def test_consecutive_messages_share_one_smtp_connection(db, smtp_settings, django_capture_on_commit_callbacks):
    peers = []
    original = smtp_settings.handle_DATA

    async def record_peer(server, session, envelope):
        peers.append(session.peer)
        return await original(server, session, envelope)

    smtp_settings.handle_DATA = record_peer
    users = UserFactory.create_batch(3)
    for n, recipient in enumerate(users):
        with django_capture_on_commit_callbacks(execute=True):
            _enqueue(recipient, key=f"reuse:{n}")
    assert smtp_settings.count() == 3
    assert len(set(peers)) == 1
    assert OutboxMessage.objects.filter(status=Status.SENT).count() == 3


def test_connection_dropped_while_idle_is_replaced_and_the_message_still_goes_once(
    db, smtp_settings, django_capture_on_commit_callbacks
):
    first, second = UserFactory.create_batch(2)
    with django_capture_on_commit_callbacks(execute=True):
        _enqueue(first, key="drop:1")
    smtp._local.connection.connection.sock.close()  # the server (or a NAT) dropped it meanwhile
    with django_capture_on_commit_callbacks(execute=True):
        message = _enqueue(second, key="drop:2")
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert message.attempts == 1
    assert smtp_settings.keys() == {"drop:1": 1, "drop:2": 1}
