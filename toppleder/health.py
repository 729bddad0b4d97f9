"""What `/healthz` reports: one check per dependency, each "ok" or "error: <why>".

A monitoring system alerts on the HTTP status (503 when any check fails) and reads which
dependency it is from the JSON. A load balancer should probe `/healthz/live` instead: the
pages keep answering while Redis, the mail relay or beat is away (a slower page, mail later),
so taking the web servers out of rotation for those would turn a small fault into an outage.

Checks, each bounded by a short time-out so a hung dependency cannot hang the probe:
- database: `SELECT 1`.
- cache: a value written and read back (Redis in production).
- broker: PING on the Celery broker's Redis ("eager" when tasks run in-process).
- mail_relay: connect, EHLO and QUIT on the SMTP relay ("off" when mail is not sent by SMTP).
- beat: the last run of the `beat-heartbeat` job (toppleder/celery.py), recorded in the
  cache; older than BEAT_STALE (or never recorded) is an error.
- outbox: the backlog (queued e-mails) and the oldest one that is due but not picked up;
  overdue by more than OUTBOX_OVERDUE means the worker or the relay is not keeping up.
  E-mails waiting for their next attempt after a failure are counted, not alarmed on here:
  the mail_relay check says why they wait.
"""

from __future__ import annotations

import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Min, Q
from django.utils import timezone

from toppleder.models import OutboxMessage

TIMEOUT = 2  # seconds, per network check
BEAT_KEY = "health:beat-last-run"
BEAT_STALE = timedelta(seconds=getattr(settings, "HEALTH_BEAT_STALE", 10 * 60))
OUTBOX_OVERDUE = timedelta(seconds=getattr(settings, "HEALTH_OUTBOX_OVERDUE", 15 * 60))
HEALTHY = ("ok", "eager", "off")


def _error(exc: Exception) -> str:
    return f"error: {type(exc).__name__}"


def database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means unhealthy; say which kind
        return _error(exc)
    return "ok"


def cache_status() -> str:
    """A value written and read back, past the outage tolerance of toppleder/cache_backend.py."""
    try:
        if hasattr(cache, "check"):
            cache.check()
        else:
            cache.set("healthz", "1", 5)
            if cache.get("healthz") != "1":
                return "error: the cache did not keep a value"
    except Exception as exc:
        return _error(exc)
    return "ok"


def _eager() -> bool:
    from toppleder.celery import app

    return bool(app.conf.task_always_eager)


def broker() -> str:
    if _eager() or not settings.REDIS_URL:
        return "eager"
    try:
        import redis

        redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT).ping()
    except Exception as exc:
        return _error(exc)
    return "ok"


def mail_relay() -> str:
    if "smtp" not in settings.EMAIL_BACKEND:
        return "off"
    try:
        smtp_class = smtplib.SMTP_SSL if settings.EMAIL_USE_SSL else smtplib.SMTP
        with smtp_class(settings.EMAIL_HOST, settings.EMAIL_PORT, timeout=TIMEOUT) as relay:
            code, _reply = relay.ehlo()
            if code != 250:
                return f"error: EHLO answered {code}"
    except Exception as exc:
        return _error(exc)
    return "ok"


def beat_heartbeat() -> None:
    """Called by the `beat-heartbeat` job: beat (and a worker to run its jobs) are alive."""
    cache.set(BEAT_KEY, timezone.now().isoformat(), timeout=None)


def beat() -> tuple[str, str | None]:
    if _eager():
        return "eager", None
    try:
        last = cache.get(BEAT_KEY)
    except Exception as exc:
        return _error(exc), None
    if not last:
        return "error: no run recorded", None
    when = timezone.datetime.fromisoformat(last)
    if timezone.now() - when > BEAT_STALE:
        return f"error: last run {int((timezone.now() - when).total_seconds())} s ago", last
    return "ok", last


def outbox() -> tuple[str, dict]:
    now = timezone.now()
    try:
        queued = OutboxMessage.objects.filter(status=OutboxMessage.Status.QUEUED)
        figures = queued.aggregate(
            oldest=Min("created_at"),
            # Due: never tried, or its next attempt has come.
            oldest_due=Min("created_at", filter=Q(next_attempt_at__isnull=True)),
            next_due=Min("next_attempt_at", filter=Q(next_attempt_at__lte=now)),
        )
        backlog = queued.count()
    except Exception as exc:
        return _error(exc), {}
    due_since = min((t for t in (figures["oldest_due"], figures["next_due"]) if t), default=None)
    details = {
        "backlog": backlog,
        "oldest_queued_at": figures["oldest"].isoformat() if figures["oldest"] else None,
        "oldest_due_at": due_since.isoformat() if due_since else None,
    }
    if due_since and now - due_since > OUTBOX_OVERDUE:
        return f"error: an e-mail has waited {int((now - due_since).total_seconds())} s to be sent", details
    return "ok", details


def report() -> tuple[bool, dict, dict]:
    """(healthy, checks, details) for the JSON of `/healthz`."""
    checks = {"database": database(), "cache": cache_status(), "broker": broker(), "mail_relay": mail_relay()}
    checks["beat"], last_beat = beat()
    checks["outbox"], outbox_details = outbox()
    details = {"beat_last_run": last_beat, "outbox": outbox_details}
    return all(value in HEALTHY for value in checks.values()), checks, details
