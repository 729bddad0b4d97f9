"""The mail relay refuses connections for an hour (simulated by the clock, not by waiting).

Leaders sign up through the pages while the relay (a real aiosmtpd server on loopback) is
switched off. Every simulated minute, what the worker would do runs: each delivery whose next
attempt has come (the task's countdown) and, every five minutes, the sweeper (beat). HR's
outbox says "Venter" with the next attempt; nothing is marked sent that was not. After the
hour the relay answers again: every e-mail arrives, once.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.urls import reverse
from django.utils import timezone

from programmes.models import Session
from tests.factories import HRUserFactory
from tests.faults.stack import record
from tests.integration.conftest import Sink, free_port
from tests.programmes.factories import ProgrammeFactory, SessionFactory, enrolled_leader
from toppleder.models import OutboxMessage
from toppleder.outbox import delivery
from toppleder.tasks import deliver

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

Status = OutboxMessage.Status
OUTAGE = timedelta(hours=1)


class Relay:
    def __init__(self):
        self.sink = Sink()
        self.port = free_port()
        self.controller = None

    def start(self):
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port, server_hostname="localhost")
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def relay(settings):
    relay = Relay()  # not started: the relay refuses connections
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", relay.port, 5
    yield relay
    relay.stop()


def _worker_minute(now) -> int:
    """What the worker does in one minute: each delivery whose countdown has come, once."""
    due = OutboxMessage.objects.filter(status=Status.QUEUED, next_attempt_at__lte=now).values_list("pk", flat=True)
    for pk in list(due):
        deliver(pk)
    return len(due)


def test_relay_refusing_for_an_hour_mail_backs_off_waits_visibly_and_arrives_once(client, relay):
    programme = ProgrammeFactory()
    start = timezone.now().replace(second=0, microsecond=0)
    session = SessionFactory(programme=programme, capacity=6, starts_at=start + timedelta(days=10))
    leaders = [enrolled_leader(programme) for _ in range(10)]
    hr = HRUserFactory()
    requests = errors = 0
    relay_up_at = start + OUTAGE

    with time_machine.travel(start, tick=False) as clock:
        for minute in range(0, 180):
            now = start + timedelta(minutes=minute)
            clock.move_to(now)
            if minute == 60:
                relay.start()  # the relay answers again
            if minute < 40 and minute % 4 == 0:  # a leader signs up every four minutes
                client.force_login(leaders[minute // 4].user)
                response = client.post(reverse("programmes:registration_create", args=[session.pk]))
                requests += 1
                errors += response.status_code >= 500
            _worker_minute(now)
            if minute % 5 == 0:
                delivery.outbox_sweep()
            if minute == 45:
                # HR looks at the outbox during the outage.
                client.force_login(hr)
                page = client.get(reverse("outbox_list")).content.decode()
                requests += 1
                queued = OutboxMessage.objects.filter(status=Status.QUEUED)
                assert queued.count() == 10, "every confirmation is waiting"
                assert not OutboxMessage.objects.filter(status__in=[Status.SENT, Status.FAILED]).exists()
                assert relay.sink.count() == 0
                assert page.count(">Venter</span>") == 10
                first = queued.order_by("next_attempt_at").first()
                assert "Neste forsøk" in page and first.next_attempt_at > now
                detail = client.get(reverse("outbox_detail", args=[first.pk])).content.decode()
                assert "Neste forsøk" in detail and "Attempt" in first.last_error
            if minute > 60 and not OutboxMessage.objects.filter(status=Status.QUEUED).exists():
                break
        done_at = timezone.now()

    rows = OutboxMessage.objects.all()
    keys = relay.sink.keys()
    duplicates = sum(n - 1 for n in keys.values() if n > 1)
    lost = rows.exclude(status=Status.SENT).count()
    figures = {
        "requests": requests,
        "errors": {"http 5xx": errors} if errors else {},
        "lost": lost,
        "duplicates": duplicates,
        "recovery_s": (done_at - relay_up_at).total_seconds(),
        "mails": relay.sink.count(),
        "fault_s": OUTAGE.total_seconds(),
        "attempts_max": max(r.attempts for r in rows),
    }
    record("smtp", figures)
    assert errors == 0
    assert rows.count() == 10 and lost == 0, list(rows.values_list("status", "last_error"))
    assert duplicates == 0
    assert set(keys) == set(rows.values_list("key", flat=True))
    # Nothing was marked sent before the relay could take it.
    assert not rows.filter(sent_at__lt=relay_up_at).exists()
    # Back-off is capped, so the last waiting e-mail goes out at most RETRY_MAX_SECONDS after.
    assert done_at - relay_up_at <= timedelta(seconds=delivery.RETRY_MAX_SECONDS + 60)
    assert Session.objects.get(pk=session.pk).confirmed_count == 6
