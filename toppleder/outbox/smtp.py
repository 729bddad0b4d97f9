"""Sending one rendered e-mail: the connection, the hand-over mark, and what a failure means.

`send(message, email)` goes out over this worker thread's mail connection and raises
TemporaryFailure (try again later), PermanentFailure (it will not get better) or
UncertainFailure (the server may have the message: never resend it). The SMTP backend
here marks the row `handed_over_at` just before the final "." of DATA; the delivery
guarantee in the package docstring (toppleder/outbox/__init__.py) explains why that mark is
what keeps a message from being sent twice.
"""

from __future__ import annotations

import hashlib
import logging
import smtplib
import socket
import threading
import time
from collections.abc import Callable
from email.mime.text import MIMEText

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends import smtp as smtp_backend
from django.utils import timezone

from toppleder.models import OutboxMessage
from toppleder.outbox.rendering import Email

logger = logging.getLogger(__name__)


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
        backend = "toppleder.outbox.smtp.EmailBackend"
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


class UncertainFailure(PermanentFailure):
    """The connection failed after the hand-over: the server may or may not have the message.

    Permanent, so it is never retried; the text says only what went wrong on the wire, and
    delivery.py stores it after its "delivery uncertain" explanation (UNCERTAIN) for HR.
    """


def send(message: OutboxMessage, email: Email) -> None:
    """Send `email` as `message` over this thread's connection; a reused connection found
    dropped before the hand-over is replaced once. Raises TemporaryFailure or PermanentFailure
    (UncertainFailure included)."""
    try:
        connection = _connection()
        _send(message, _build(message, email, connection), connection)
    except StaleConnection:
        connection = _connection()  # once, on a new connection
        _send(message, _build(message, email, connection), connection)


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
    except Exception as exc:  # not swallowed: every failure leaves here classified (_classify)
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
    """Raise TemporaryFailure, PermanentFailure or UncertainFailure for a failed send."""
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
            raise UncertainFailure(f"{type(exc).__name__}: {exc}") from exc
        raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc
    # Anything else (a header Python cannot encode, …) will not get better by retrying.
    raise PermanentFailure(f"{type(exc).__name__}: {exc}") from exc
