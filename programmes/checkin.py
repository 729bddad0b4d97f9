"""Self check-in at the venue: the session's short code (also in its QR code) and when it works.

The code is derived from the session and the server's secret, so it needs no storage and
changes when the session is moved; HR shows it on the screen in the room. A signed-in leader
with a seat who opens the link (or types the code) while the session is on is marked as
attended (programmes/services/checkin.py).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off a screen across a room
LENGTH = 6
OPENS_BEFORE = timedelta(minutes=30)  # doors open before the start
CLOSES_AFTER = timedelta(hours=1)  # after the end


def code(session) -> str:
    digest = int(salted_hmac("programmes.checkin", f"{session.pk}:{session.starts_at.isoformat()}").hexdigest(), 16)
    chars = []
    for _ in range(LENGTH):
        digest, index = divmod(digest, len(ALPHABET))
        chars.append(ALPHABET[index])
    return "".join(chars)


def matches(session, given: str) -> bool:
    cleaned = "".join((given or "").split()).upper()
    return constant_time_compare(cleaned, code(session))


def window(session) -> tuple:
    return session.starts_at - OPENS_BEFORE, session.ends_at + CLOSES_AFTER


def is_open(session, now=None) -> bool:
    opens, closes = window(session)
    return opens <= (now or timezone.now()) <= closes


def link(session) -> str:
    """The address in the QR code: the check-in page with the code filled in."""
    return f"{settings.SITE_URL}{reverse('programmes:checkin', args=[session.pk])}?code={code(session)}"


def qr_data_uri(session) -> str:
    import segno

    return segno.make(link(session), error="m").svg_data_uri(scale=6, border=2, dark="#2a2859")
