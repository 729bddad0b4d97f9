"""Confidential text encrypted at rest (group and pair notes).

`EncryptedTextField` stores Fernet tokens (AES-128-CBC + HMAC-SHA256, from the
well-kept `cryptography` package), so a database dump or the admin shows ciphertext.
Keys come from NOTES_ENCRYPTION_KEYS (comma-separated Fernet keys, newest first).

Rotation: put a new key first (`python -c "from cryptography.fernet import Fernet;
print(Fernet.generate_key().decode())"`), keep the old ones after it, deploy, run
`python manage.py rotate_note_keys` (re-encrypts every note with the newest key), then
drop the old keys. Without the setting (development), a key derived from SECRET_KEY is
used and `check --deploy` warns.
"""

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core import checks
from django.db import models

PREFIX = "fernet:"


@cache
def _fernet() -> MultiFernet:
    keys = list(settings.NOTES_ENCRYPTION_KEYS)
    if not keys:
        digest = hashlib.sha256(("notes:" + settings.SECRET_KEY).encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    return MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])


def encrypt(text: str) -> str:
    return PREFIX + _fernet().encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(stored: str) -> str:
    if not stored.startswith(PREFIX):
        return stored  # written before encryption was switched on
    try:
        return _fernet().decrypt(stored[len(PREFIX) :].encode("ascii")).decode("utf-8")
    except InvalidToken:
        return "[kan ikke dekrypteres]"


def rotate(stored: str) -> str:
    if not stored.startswith(PREFIX):
        return encrypt(stored)
    return PREFIX + _fernet().rotate(stored[len(PREFIX) :].encode("ascii")).decode("ascii")


class EncryptedTextField(models.TextField):
    """A TextField whose database value is ciphertext. Not searchable or sortable."""

    def from_db_value(self, value, expression, connection):
        return None if value is None else decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)


@checks.register(checks.Tags.security, deploy=True)
def check_note_keys(app_configs, **kwargs):
    if settings.NOTES_ENCRYPTION_KEYS:
        return []
    return [
        checks.Warning(
            "NOTES_ENCRYPTION_KEYS is not set: confidential notes are encrypted with a key derived from SECRET_KEY.",
            hint="Set NOTES_ENCRYPTION_KEYS to one or more Fernet keys (newest first).",
            id="toppleder.W001",
        )
    ]
