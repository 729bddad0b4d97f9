"""Delivering outbox messages: `outbox_deliver` sends one, `outbox_sweep` picks up after dead
workers. Both are called by the Celery tasks in toppleder/tasks.py and are safe to run twice.

Why an interrupted delivery is resent in one case and never in the other ("delivery
uncertain") is the delivery guarantee in the package docstring (toppleder/outbox/__init__.py).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import F, Q
from django.utils import timezone

from toppleder.models import OutboxMessage
from toppleder.outbox import smtp
from toppleder.outbox.rendering import Skip, get_renderer

logger = logging.getLogger(__name__)

Status = OutboxMessage.Status

# Temporary failures are retried for this long after the e-mail was queued, by time and not
# by count: a relay that is down over a weekend must not make Monday's mail fail.
GIVE_UP_AFTER = timedelta(seconds=getattr(settings, "OUTBOX_GIVE_UP_AFTER", 3 * 24 * 60 * 60))
# Back-off after the n-th temporary failure: 1, 2, 4, 8 … minutes, at most RETRY_MAX_SECONDS.
RETRY_BASE_SECONDS = getattr(settings, "OUTBOX_RETRY_BASE_SECONDS", 60)
RETRY_MAX_SECONDS = getattr(settings, "OUTBOX_RETRY_MAX_SECONDS", 10 * 60)
# A message "sending" longer than this belongs to a worker that died.
SENDING_TIMEOUT = timedelta(seconds=getattr(settings, "OUTBOX_SENDING_TIMEOUT", 600))
# A message still "queued" this long after it was due has lost its task (worker killed).
QUEUED_GRACE = timedelta(seconds=getattr(settings, "OUTBOX_QUEUED_GRACE", 600))

# At most this many lost messages are re-dispatched per sweep, oldest first, so a long
# backlog (still draining normally) is not doubled in the broker queue.
SWEEP_BATCH = 2000

UNCERTAIN = (
    "Delivery uncertain: interrupted after the message was handed to the SMTP server; not resent, to avoid a duplicate."
)


def outbox_deliver(*, message_id: int) -> tuple[str, int | None]:
    """Claim, render, send and record one message.

    Returns (outcome, retry_in_seconds): outcome is "sent", "superseded", "failed",
    "retry" (back in the queue; send again in retry_in_seconds) or "not_claimed"
    (already sent, being sent by someone else, or not due yet).
    """
    now = timezone.now()
    claimed = (
        OutboxMessage.objects.filter(pk=message_id, status=Status.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1, handed_over_at=None)
    )
    if not claimed:
        return "not_claimed", None
    message = OutboxMessage.objects.select_related("recipient").get(pk=message_id)
    mine = OutboxMessage.objects.filter(pk=message.pk, status=Status.SENDING, claimed_at=now)

    try:
        validate_email(message.to_email)
    except ValidationError:
        mine.update(status=Status.FAILED, last_error=f"Invalid address: {message.to_email!r}")
        return "failed", None

    try:
        email = get_renderer(message.kind)(message)
    except Skip as skip:
        mine.update(status=Status.SUPERSEDED, last_error=str(skip))
        return "superseded", None
    except Exception as exc:  # a rendering bug: record it, don't retry forever
        logger.exception("rendering outbox message %s failed", message.pk)
        mine.update(status=Status.FAILED, last_error=f"Could not render: {type(exc).__name__}: {exc}")
        return "failed", None
    # What went out is stored with the outcome, in the same statement (one write less).
    content = {
        "subject": email.subject,
        "body_text": email.redacted(email.text),
        "body_html": email.redacted(email.html),
        "ics": email.ics,
    }
    try:
        smtp.send(message, email)
    except smtp.UncertainFailure as exc:
        mine.update(status=Status.FAILED, last_error=f"{UNCERTAIN} ({exc})"[:2000], **content)
        return "failed", None
    except smtp.PermanentFailure as exc:
        mine.update(status=Status.FAILED, last_error=str(exc)[:2000], **content)
        return "failed", None
    except smtp.TemporaryFailure as exc:
        attempts = message.attempts
        if now - message.created_at >= GIVE_UP_AFTER:
            mine.update(
                status=Status.FAILED,
                last_error=f"Gave up after {attempts} attempts over {GIVE_UP_AFTER}: {exc}"[:2000],
                **content,
            )
            return "failed", None
        delay = min(RETRY_BASE_SECONDS * 2 ** min(attempts - 1, 20), RETRY_MAX_SECONDS)
        mine.update(
            status=Status.QUEUED,
            last_error=f"Attempt {attempts}: {exc}"[:2000],
            next_attempt_at=timezone.now() + timedelta(seconds=delay),
            **content,
        )
        return "retry", delay
    mine.update(status=Status.SENT, sent_at=timezone.now(), last_error="", **content)
    return "sent", None


def outbox_sweep(*, sending_timeout: timedelta = SENDING_TIMEOUT, queued_grace: timedelta = QUEUED_GRACE) -> dict:
    """Pick up what dead workers left behind (the delivery guarantee in the package docstring).

    - "sending" past the time-out, never handed over: back to queued, delivered again;
    - "sending" past the time-out, handed over: failed, "delivery uncertain";
    - "queued" and overdue by `queued_grace` (its task was lost): delivery queued again.
    """
    # Imported here: toppleder/tasks.py imports this module for its tasks.
    from toppleder.tasks import deliver

    now = timezone.now()
    stale = OutboxMessage.objects.filter(status=Status.SENDING, claimed_at__lt=now - sending_timeout)
    uncertain = stale.filter(handed_over_at__isnull=False).update(status=Status.FAILED, last_error=UNCERTAIN)
    requeued = stale.filter(handed_over_at__isnull=True).update(
        status=Status.QUEUED, next_attempt_at=None, last_error="Re-queued: the worker sending it stopped."
    )
    cutoff = now - queued_grace
    overdue = list(
        OutboxMessage.objects.filter(status=Status.QUEUED)
        .filter(
            Q(next_attempt_at__isnull=True, created_at__lte=cutoff)
            | Q(next_attempt_at__isnull=True, last_error__startswith="Re-queued")
            | Q(next_attempt_at__lte=cutoff)
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    # Dispatched at once: the beat task runs this in autocommit, so the updates above are
    # committed already and a delivery task finds the rows as they are now.
    for pk in overdue:
        deliver.delay(pk)
    return {"requeued": requeued, "uncertain": uncertain, "dispatched": len(overdue)}
