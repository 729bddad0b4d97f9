"""`manage.py backup` (make backup), restored into a fresh database: every registration,
every survey answer and every confidential note comes back, the notes readable with the
configured keys and unreadable without them; the media folder comes back byte for byte.
"""

from __future__ import annotations

import secrets
import subprocess
import tarfile

import psycopg2
import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from programmes.models import Registration
from reflection_groups.models import GroupNote, ReflectionGroup
from surveys.models import Answer
from tests.faults.stack import record
from tests.surveys.factories import QuestionFactory, QuestionnaireFactory, SurveyFactory, add_responses
from toppleder import fields

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

SECRETS = [f"Konfidensielt notat {i}: {secrets.token_hex(8)}" for i in range(5)]


@pytest.fixture
def notes_key(settings):
    settings.NOTES_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    fields._fernet.cache_clear()
    yield settings.NOTES_ENCRYPTION_KEYS
    fields._fernet.cache_clear()


def _connect(name: str):
    s = connection.settings_dict
    return psycopg2.connect(
        host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432, user=s["USER"], password=s["PASSWORD"] or "", dbname=name
    )


def test_a_restored_backup_has_every_registration_answer_and_note(notes_key, programme_data, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    (tmp_path / "media" / "materials").mkdir(parents=True)
    material = tmp_path / "media" / "materials" / "program.pdf"
    material.write_bytes(b"%PDF-1.4 " + secrets.token_bytes(2000))
    questionnaire = QuestionnaireFactory()
    QuestionFactory(questionnaire=questionnaire, order=1)
    survey = SurveyFactory(questionnaire=questionnaire, programme=programme_data["programme"])
    add_responses(survey, 7, values=[1, 2, 3, 4, 5])
    group = ReflectionGroup.objects.create(programme=programme_data["programme"], name="Refleksjonsgruppe 1")
    for text in SECRETS:
        GroupNote.objects.create(group=group, text=text)

    registrations = set(Registration.objects.values_list("pk", "session_id", "leader_id", "status"))
    answers = set(Answer.objects.values_list("pk", "question_id", "value"))
    assert len(registrations) > 10 and len(answers) == 7

    call_command("backup", str(tmp_path / "backup"))
    dump = tmp_path / "backup" / "database.dump"
    assert dump.stat().st_size > 0
    # The dump holds ciphertext only.
    plain = subprocess.run(["pg_restore", "--file=-", str(dump)], capture_output=True, check=True).stdout
    assert not any(text.encode() in plain for text in SECRETS)

    restored = f"restored_{secrets.token_hex(4)}"
    admin = _connect(connection.settings_dict["NAME"])
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{restored}"')
    try:
        s = connection.settings_dict
        subprocess.run(
            ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--host", s["HOST"] or "127.0.0.1",
             "--port", str(s["PORT"] or 5432), "--username", s["USER"], "--dbname", restored, str(dump)],
            check=True, capture_output=True,
        )  # fmt: skip
        with _connect(restored) as db, db.cursor() as cur:
            cur.execute("SELECT id, session_id, leader_id, status FROM programmes_registration")
            restored_registrations = set(cur.fetchall())
            cur.execute("SELECT id, question_id, value FROM surveys_answer")
            restored_answers = {(str(a), q, v) for a, q, v in cur.fetchall()}
            cur.execute("SELECT text FROM reflection_groups_groupnote ORDER BY id")
            stored_notes = [row[0] for row in cur.fetchall()]
        db.close()
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{restored}"')
        admin.close()

    lost = len(registrations - restored_registrations) + len({(str(a), q, v) for a, q, v in answers} - restored_answers)
    assert registrations == restored_registrations
    assert {(str(a), q, v) for a, q, v in answers} == restored_answers
    # Every note: ciphertext in the database, its text with the configured keys …
    assert all(n.startswith(fields.PREFIX) for n in stored_notes)
    assert [fields.decrypt(n) for n in stored_notes] == SECRETS
    # … and nothing without them (a different key, as after losing NOTES_ENCRYPTION_KEYS).
    settings.NOTES_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    fields._fernet.cache_clear()
    assert {fields.decrypt(n) for n in stored_notes} == {"[kan ikke dekrypteres]"}

    # The media folder comes back byte for byte.
    with tarfile.open(tmp_path / "backup" / "media.tar.gz") as tar:
        tar.extractall(tmp_path / "media-restored", filter="data")
    assert (tmp_path / "media-restored" / "materials" / "program.pdf").read_bytes() == material.read_bytes()
    record(
        "backup_restore",
        {
            "requests": 1,
            "errors": {},
            "lost": lost,
            "duplicates": 0,
            "rows": len(registrations) + len(answers) + len(SECRETS),
            "dump_bytes": dump.stat().st_size,
        },
    )
