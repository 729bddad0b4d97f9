"""Sign-in limits that a shared office network survives.

Hundreds of leaders share a few outgoing addresses, so an address is never locked: one person
(or an invitation wave) must not block everyone behind it. The limits are therefore:

- **Per account** (allauth's `login_failed` rate, keyed by the e-mail address): after
  SIGNIN_ACCOUNT_FAILURES wrong passwords within SIGNIN_ACCOUNT_WINDOW seconds the account
  refuses sign-in, even with the right password, until the window has passed (a soft lock:
  a delay, not a locked account). When failed and refused attempts reach SIGNIN_RESET_AFTER
  within an hour, the owner gets one e-mail saying so, with a link to choose a new password.
- **Per address**: failed attempts only are counted; past SIGNIN_ADDRESS_FAILURES in the
  window, every further attempt from that address waits SIGNIN_ADDRESS_DELAY seconds before
  its password is checked. Password spraying from one address slows to a crawl; leaders who
  type their password right still get in.
- Successful sign-ins and page views of the sign-in form count for nothing.

The counters live in the cache (Redis in production, shared by every web process).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from toppleder.audit import client_ip


def _address_key(request) -> str:
    return f"signin:failed:ip:{client_ip(request) or '-'}"


def _account_key(login: str) -> str:
    return f"signin:failed:account:{(login or '').strip().lower()}"


def _count(key: str) -> int:
    return int(cache.get(key) or 0)


def _bump(key: str, window: int) -> int:
    if cache.add(key, 1, window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        return 1


def before_password_check(request) -> None:
    """Slow an address that has failed many times recently (never refuse it)."""
    if _count(_address_key(request)) >= settings.SIGNIN_ADDRESS_FAILURES:
        time.sleep(settings.SIGNIN_ADDRESS_DELAY)


RESET_WINDOW = 3600  # seconds: attempts on an account counted towards the e-mail to its owner


def failed(request, login: str) -> None:
    """A wrong password: count it for the address, and for the account (below)."""
    _bump(_address_key(request), settings.SIGNIN_ACCOUNT_WINDOW)
    refused(login)


def refused(login: str) -> None:
    """An attempt on the account that failed or was refused while it is paused: at
    SIGNIN_RESET_AFTER within the hour, its owner gets the e-mail (once in that hour)."""
    if _bump(_account_key(login), RESET_WINDOW) == settings.SIGNIN_RESET_AFTER:
        transaction.on_commit(lambda: reset_mail_queue(login=login))


def reset_mail_queue(*, login: str) -> int:
    """Queue the "someone is trying your password" e-mail for the account behind `login`
    (none for an unknown address: nothing is revealed either way)."""
    from toppleder.models import OutboxMessage, User
    from toppleder.outbox.enqueue import Item, mail_enqueue_many

    user = User.objects.filter(email__iexact=(login or "").strip(), is_active=True).first()
    if user is None:
        return 0
    bucket = int(time.time()) // RESET_WINDOW
    with transaction.atomic():
        return mail_enqueue_many(
            [Item(kind=OutboxMessage.Kind.SIGNIN_LOCKED, user=user, key=f"signin_locked:{user.pk}:{bucket}", obj=user)]
        )
