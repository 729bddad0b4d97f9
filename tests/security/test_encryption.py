"""Confidential notes are stored as ciphertext and survive key rotation."""

import pytest
from cryptography.fernet import Fernet

from toppleder import fields


@pytest.fixture
def keys(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.NOTES_ENCRYPTION_KEYS = [old]
    fields._fernet.cache_clear()
    yield old, new
    fields._fernet.cache_clear()


def test_ciphertext_does_not_contain_the_note(keys):
    stored = fields.encrypt("Vi diskuterte nedbemanningen i bydelen")
    assert "nedbemanningen" not in stored
    assert fields.decrypt(stored) == "Vi diskuterte nedbemanningen i bydelen"


def test_rotation_re_encrypts_with_the_newest_key(keys, settings):
    old, new = keys
    stored = fields.encrypt("hemmelig")
    settings.NOTES_ENCRYPTION_KEYS = [new, old]
    fields._fernet.cache_clear()
    rotated = fields.rotate(stored)
    settings.NOTES_ENCRYPTION_KEYS = [new]
    fields._fernet.cache_clear()
    assert fields.decrypt(rotated) == "hemmelig"
    assert fields.decrypt(stored) == "[kan ikke dekrypteres]"  # the old key is gone
