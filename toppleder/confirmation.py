"""Confirmation steps for actions that cannot be undone (one rule for every such action).

The confirmation page (a GET, which changes nothing) shows what will happen and to whom, and
carries a token that binds the action to the object *as the person saw it*: a fingerprint of
the facts the page showed (status, counts, last change). The POST is carried out only when
the token is valid, recent and its fingerprint still matches; if someone else changed the
object meanwhile (a new sign-up, an edit), the POST is refused and the person sees the new
facts before deciding again.
"""

from __future__ import annotations

import hashlib

from django.core import signing

MAX_AGE = 60 * 60  # seconds a confirmation page stays valid


def fingerprint(*facts) -> str:
    return hashlib.sha256("\x1f".join(str(f) for f in facts).encode()).hexdigest()[:32]


def _salt(action: str, obj) -> str:
    return f"toppleder.confirm:{action}:{obj._meta.label_lower}:{obj.pk}"


def token(action: str, obj, facts: tuple) -> str:
    """The token the confirmation page puts in its form."""
    return signing.dumps(fingerprint(*facts), salt=_salt(action, obj), compress=False)


def is_current(value: str, action: str, obj, facts: tuple) -> bool:
    """True when `value` was issued for this action on this object, within MAX_AGE, and the
    object's facts are unchanged since the page was shown."""
    try:
        seen = signing.loads(value or "", salt=_salt(action, obj), max_age=MAX_AGE)
    except signing.BadSignature:  # also SignatureExpired
        return False
    return seen == fingerprint(*facts)
