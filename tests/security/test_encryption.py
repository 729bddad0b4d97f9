"""Confidential notes are stored as ciphertext and survive key rotation."""

import pytest
from cryptography.fernet import Fernet

from tests.reflection_groups.conftest import world as groups_world  # noqa: F401  (fixture)
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


@pytest.mark.django_db
def test_rotate_note_keys_command_moves_every_note_to_the_new_key(keys, settings, groups_world):  # noqa: F811
    from django.core.management import call_command

    from reflection_groups.models import GroupNote, PairMeeting
    from tests.reflection_groups.conftest import GROUP_SECRET, PAIR_SECRET

    old, new = keys
    settings.NOTES_ENCRYPTION_KEYS = [new, old]
    fields._fernet.cache_clear()
    call_command("rotate_note_keys", stdout=__import__("io").StringIO())
    settings.NOTES_ENCRYPTION_KEYS = [new]  # the old key is gone now
    fields._fernet.cache_clear()
    assert GroupNote.objects.get(pk=groups_world.note.pk).text == GROUP_SECRET
    assert PairMeeting.objects.get(pk=groups_world.pair_meeting.pk).note == PAIR_SECRET
