"""E-mail through the outbox: every e-mail is a row with a unique key, sent at most once.

How a message travels
1. A notification module (`<app>/notifications.py`) decides who gets which e-mail and
   calls `mail_enqueue` / `mail_enqueue_many`. That creates the OutboxMessage row under a
   unique `key` naming the event (`registration_confirmed:<reg>:<seq>:...`) and, when the
   surrounding transaction commits, queues the `toppleder.tasks.deliver` task. A second
   call with the same key finds the row and creates nothing.
2. `outbox_deliver` claims the row with a conditional UPDATE (queued → sending), renders
   the e-mail *now* (so it shows the session's current time, or is skipped as
   "superseded" when a newer message has overtaken it), sends it, and marks it sent.
3. Temporary SMTP failures (4xx, connection errors, time-outs) put the row back to
   queued with exponential back-off, at most MAX_ATTEMPTS times; permanent ones (5xx,
   an invalid address) fail at once. The reason is kept in `last_error` for HR.
4. `outbox_sweep` (Celery beat) picks up what a dead worker left behind.

Delivery guarantee — why "never a second copy" holds
A worker can die at any point. The only moment whose outcome we cannot know is after
the whole message has gone to the SMTP server and before we have stored "sent": the
server may or may not have taken responsibility. So the SMTP connection marks the row
`handed_over_at` (committed) just before it sends the final "." of DATA:
- died before the hand-over: the server discards an unterminated DATA, nothing was
  delivered, and the sweeper re-queues the message (at-least-once up to this point);
- died after the hand-over: the sweeper does NOT resend; it marks the message failed
  ("delivery uncertain") so HR can check and resend by hand (at-most-once here).
The same rule applies to a time-out or dropped connection while waiting for the reply
to DATA. We prefer a rare uncertain message that HR sees over a duplicate invitation.
The uncertain window is a few milliseconds per message; everything else is exact.
"""

from __future__ import annotations

import hashlib
import logging
import smtplib
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from email.mime.text import MIMEText

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends import smtp as smtp_backend
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.module_loading import autodiscover_modules

from toppleder.models import NotificationPreference, OutboxMessage, User

logger = logging.getLogger(__name__)

Status = OutboxMessage.Status
Kind = OutboxMessage.Kind

MAX_ATTEMPTS = getattr(settings, "OUTBOX_MAX_ATTEMPTS", 5)
# Back-off after the n-th temporary failure: 1, 2, 4, 8 … minutes, at most an hour.
RETRY_BASE_SECONDS = getattr(settings, "OUTBOX_RETRY_BASE_SECONDS", 60)
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


@dataclass
class Email:
    """A rendered e-mail. `ics_method` is REQUEST or CANCEL when `ics` is set."""

    subject: str
    text: str
    html: str
    ics: str = ""
    ics_method: str = ""
    # Personal secrets in the text (a survey token): sent, but never stored in the outbox.
    secrets: list[str] = field(default_factory=list)

    def redacted(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "[…]")
        return text


class Skip(Exception):
    """Raised by a renderer: this message is outdated (session changed, cancelled, …)."""


@dataclass
class Item:
    """One message to enqueue (for mail_enqueue_many)."""

    kind: str
    user: User
    key: str
    obj: object | None = None
    object_ref: str = ""
    params: dict = field(default_factory=dict)


# --- Renderers ---------------------------------------------------------------------
_renderers: dict[str, Callable[[OutboxMessage], Email]] = {}
_discovered = False


def renderer(kind: str):
    """Register the function that renders messages of `kind` at send time."""

    def register(func):
        _renderers[kind] = func
        return func

    return register


def get_renderer(kind: str) -> Callable[[OutboxMessage], Email]:
    global _discovered
    if kind not in _renderers and not _discovered:
        autodiscover_modules("notifications")
        _discovered = True
    return _renderers[kind]


def render_email(name: str, context: dict, *, language: str) -> Email:
    """Render `templates/emails/<name>-subject.txt|-body.txt|-body.html` in `language`."""
    ctx = {
        "site_url": settings.SITE_URL,
        "preferences_url": absolute_url("notification_preferences", fallback="/preferences/"),
        "language": language,
        **context,
    }
    with translation.override(language), timezone.override(settings.TIME_ZONE):
        subject = render_to_string(f"emails/{name}-subject.txt", ctx)
        text = render_to_string(f"emails/{name}-body.txt", ctx)
        html = render_to_string(f"emails/{name}-body.html", ctx)
    return Email(subject=" ".join(subject.split())[:300], text=text.strip() + "\n", html=html)


def absolute_url(viewname: str, *args, fallback: str) -> str:
    """An absolute link for an e-mail; `fallback` is the stable path from DESIGN.md."""
    try:
        path = reverse(viewname, args=args)
    except NoReverseMatch:
        path = fallback
    return f"{settings.SITE_URL}{path}"


# --- Enqueueing --------------------------------------------------------------------
def wants(user: User, kind: str) -> bool:
    """Whether `user` gets e-mails of `kind` (only reminders can be turned off)."""
    if not user.is_active or not user.email:
        return False
    if kind not in NotificationPreference.OPTIONAL_KINDS:
        return True
    pref = NotificationPreference.objects.filter(user=user).first()
    return pref is None or pref.allows(kind)


def _row(item: Item) -> OutboxMessage:
    ct_id, obj_id = None, None
    if item.obj is not None:
        ct_id = ContentType.objects.get_for_model(item.obj).pk
        obj_id = item.obj.pk
    return OutboxMessage(
        key=item.key[:200],
        kind=item.kind,
        recipient=item.user,
        to_email=item.user.email,
        language=item.user.language or settings.LANGUAGE_CODE,
        content_type_id=ct_id,
        object_id=obj_id,
        object_ref=(item.object_ref or (str(item.obj) if item.obj is not None else ""))[:200],
        params=item.params,
    )


def mail_enqueue(
    *, kind: str, user: User, key: str, obj=None, object_ref: str = "", params: dict | None = None
) -> OutboxMessage | None:
    """Record one e-mail under `key` and send it after commit. Idempotent on `key`.

    Returns None when the recipient has turned this kind off or has no usable address.
    """
    if not wants(user, kind):
        return None
    row = _row(Item(kind=kind, user=user, key=key, obj=obj, object_ref=object_ref, params=params or {}))
    with transaction.atomic():
        message, created = OutboxMessage.objects.get_or_create(
            key=row.key,
            defaults={
                f.attname: getattr(row, f.attname)
                for f in OutboxMessage._meta.concrete_fields
                if f.attname not in ("id", "key")
            },
        )
    if created:
        _dispatch_on_commit([message.pk])
    return message


def mail_enqueue_many(items: Iterable[Item]) -> int:
    """Bulk version for invitations to many people: one INSERT, existing keys untouched.

    Returns the number of messages now waiting to be sent for these keys.
    """
    items = list(items)
    prefs = {
        p.user_id: p
        for p in NotificationPreference.objects.filter(
            user__in=[i.user.pk for i in items if i.kind in NotificationPreference.OPTIONAL_KINDS]
        )
    }
    rows = []
    for item in items:
        if not item.user.is_active or not item.user.email:
            continue
        pref = prefs.get(item.user.pk)
        if pref is not None and not pref.allows(item.kind):
            continue
        rows.append(_row(item))
    if not rows:
        return 0
    OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    # Queue delivery for every still-queued row of these keys: re-running a chunk after a
    # crash re-queues what was not sent yet; a duplicate task just fails to claim.
    ids = list(
        OutboxMessage.objects.filter(key__in=[r.key for r in rows], status=Status.QUEUED).values_list("pk", flat=True)
    )
    _dispatch_on_commit(ids)
    return len(ids)


def _dispatch_on_commit(ids: list[int]) -> None:
    if not ids:
        return

    def dispatch():
        from toppleder.tasks import deliver

        for pk in ids:
            deliver.delay(pk)

    transaction.on_commit(dispatch)


# --- Sending -----------------------------------------------------------------------
class _HandOverMixin:
    """smtplib.SMTP whose DATA calls `on_hand_over()` just before the final "."."""

    on_hand_over: Callable[[], None] | None = None

    def _get_socket(self, host, port, timeout):
        # DATA goes out in two writes (body, then the final "." after the hand-over mark).
        # With Nagle's algorithm the second waits for the server's delayed ACK: 40 ms per
        # e-mail on Linux, which capped a bulk send at about 20 messages a second.
        sock = super()._get_socket(host, port, timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def data(self, msg):  # a copy of smtplib.SMTP.data with one hook added
        self.putcmd("data")
        code, repl = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, repl)
        if isinstance(msg, str):
            msg = smtplib._fix_eols(msg).encode("ascii")
        q = smtplib._quote_periods(msg)
        if q[-2:] != smtplib.bCRLF:
            q = q + smtplib.bCRLF
        self.send(q)
        if self.on_hand_over is not None:
            self.on_hand_over()
        self.send(b"." + smtplib.bCRLF)
        return self.getreply()


class _SMTP(_HandOverMixin, smtplib.SMTP):
    pass


class _SMTPSSL(_HandOverMixin, smtplib.SMTP_SSL):
    pass


class EmailBackend(smtp_backend.EmailBackend):
    """Django's SMTP backend with the hand-over hook (used automatically for smtp://)."""

    @property
    def connection_class(self):
        return _SMTPSSL if self.use_ssl else _SMTP


# Each worker thread keeps its SMTP connection between messages while it is fresh: with a
# TLS relay, a handshake per e-mail would dominate a bulk send. The hand-over marker is
# still set per message, so reuse changes nothing about the delivery guarantee.
IDLE_REUSE_SECONDS = getattr(settings, "OUTBOX_SMTP_IDLE_REUSE", 20)
_local = threading.local()


def _connection():
    """This thread's mail connection: reused if fresh and for the same server, else new."""
    backend = settings.EMAIL_BACKEND
    if backend == "django.core.mail.backends.smtp.EmailBackend":
        backend = "toppleder.mail.EmailBackend"
    key = (backend, getattr(settings, "EMAIL_HOST", ""), getattr(settings, "EMAIL_PORT", 0))
    connection = getattr(_local, "connection", None)
    if connection is not None and _local.key == key and time.monotonic() - _local.used_at < IDLE_REUSE_SECONDS:
        _local.reused = True
        return connection
    _drop_connection()
    _local.connection, _local.key, _local.reused = get_connection(backend, fail_silently=False), key, False
    return _local.connection


def _drop_connection() -> None:
    connection, _local.connection = getattr(_local, "connection", None), None
    if connection is not None:
        try:
            connection.close()
        except Exception:  # closing a broken connection must not hide the real error
            logger.debug("closing the SMTP connection failed", exc_info=True)


class StaleConnection(Exception):
    """A reused connection had been dropped by the server before this message was handed over."""


class TemporaryFailure(Exception):
    pass


class PermanentFailure(Exception):
    pass


def _message_id(message: OutboxMessage) -> str:
    digest = hashlib.sha256(message.key.encode()).hexdigest()[:32]
    return f"<{digest}.{message.pk}@toppleder.oslo.kommune.no>"


def _build(message: OutboxMessage, email: Email, connection) -> EmailMultiAlternatives:
    mail = EmailMultiAlternatives(
        subject=email.subject,
        body=email.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to_email],
        connection=connection,
        headers={
            # The same Message-ID on every attempt: mail clients fold copies together.
            "Message-ID": _message_id(message),
            "X-Toppleder-Key": message.key,
            "Auto-Submitted": "auto-generated",
        },
    )
    if email.html:
        mail.attach_alternative(email.html, "text/html")
    if email.ics:
        part = MIMEText(email.ics, "calendar", "utf-8")
        part.set_param("method", email.ics_method or "REQUEST")
        part.add_header("Content-Disposition", "attachment", filename="invitation.ics")
        mail.attach(part)
    return mail


def _send(message: OutboxMessage, mail: EmailMultiAlternatives, connection) -> None:
    """Send over `connection`, classifying every failure as temporary or permanent."""
    handed_over = False

    def hand_over():
        nonlocal handed_over
        OutboxMessage.objects.filter(pk=message.pk).update(handed_over_at=timezone.now())
        handed_over = True

    reused = getattr(_local, "reused", False) and getattr(_local, "connection", None) is connection
    try:
        connection.open()
        smtp = getattr(connection, "connection", None)
        if hasattr(smtp, "on_hand_over"):
            smtp.on_hand_over = hand_over
        connection.send_messages([mail])
        _local.used_at = time.monotonic()
        return
    except Exception as exc:
        _drop_connection()
        # A reused connection the server has closed meanwhile (idle time-out, "421"): the
        # message never left, so the caller may try once more on a new connection.
        if reused and not handed_over and _is_disconnect(exc):
            raise StaleConnection() from exc
        _classify(exc, handed_over)


def _is_disconnect(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code == 421
    return isinstance(exc, (smtplib.SMTPServerDisconnected, ConnectionError))


def _classify(exc: Exception, handed_over: bool) -> None:
    """Raise TemporaryFailure or PermanentFailure for a failed send."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        detail = "; ".join(
            f"{code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
            for code, msg in exc.recipients.values()
        )
        if codes and all(400 <= c < 500 for c in codes):
            raise TemporaryFailure(f"Recipient refused (temporary): {detail}") from exc
        raise PermanentFailure(f"Recipient refused: {detail}") from exc
    if isinstance(exc, smtplib.SMTPResponseException):
        # A reply from the server, even after the hand-over: it did not take the message.
        error = exc.smtp_error
        text = f"SMTP {exc.smtp_code} {error.decode(errors='replace') if isinstance(error, bytes) else error}"
        if 400 <= exc.smtp_code < 500:
            raise TemporaryFailure(text) from exc
        raise PermanentFailure(text) from exc
    if isinstance(exc, (TimeoutError, smtplib.SMTPException, OSError)):  # connection errors, time-outs
        if handed_over:
            raise PermanentFailure(f"{UNCERTAIN} ({type(exc).__name__}: {exc})") from exc
        raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc
    # Anything else (a header Python cannot encode, …) will not get better by retrying.
    raise PermanentFailure(f"{type(exc).__name__}: {exc}") from exc


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
        try:
            connection = _connection()
            _send(message, _build(message, email, connection), connection)
        except StaleConnection:
            connection = _connection()  # once, on a new connection
            _send(message, _build(message, email, connection), connection)
    except PermanentFailure as exc:
        mine.update(status=Status.FAILED, last_error=str(exc)[:2000], **content)
        return "failed", None
    except TemporaryFailure as exc:
        attempts = message.attempts
        if attempts >= MAX_ATTEMPTS:
            mine.update(status=Status.FAILED, last_error=f"Gave up after {attempts} attempts: {exc}"[:2000], **content)
            return "failed", None
        delay = min(RETRY_BASE_SECONDS * 2 ** (attempts - 1), 3600)
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
    """Pick up what dead workers left behind (see the module docstring).

    - "sending" past the time-out, never handed over: back to queued, delivered again;
    - "sending" past the time-out, handed over: failed, "delivery uncertain";
    - "queued" and overdue by `queued_grace` (its task was lost): delivery queued again.
    """
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
    from toppleder.tasks import deliver

    for pk in overdue:
        deliver.delay(pk)
    return {"requeued": requeued, "uncertain": uncertain, "dispatched": len(overdue)}


def outbox_resend(*, message_id: int) -> bool:
    """HR: send a failed or uncertain message again (a deliberate, visible choice)."""
    updated = OutboxMessage.objects.filter(pk=message_id, status=Status.FAILED).update(
        status=Status.QUEUED, next_attempt_at=None, attempts=0, handed_over_at=None
    )
    if updated:
        _dispatch_on_commit([message_id])
    return bool(updated)


def preferences_update(*, user: User, session_reminders: bool, survey_reminders: bool) -> NotificationPreference:
    """Save which reminders `user` wants. Invitations and confirmations cannot be turned off."""
    preference, _created = NotificationPreference.objects.update_or_create(
        user=user, defaults={"session_reminders": session_reminders, "survey_reminders": survey_reminders}
    )
    return preference
