"""`manage.py backup [DIR]`: the database and the media folder, into one folder per run.

    DIR/database.dump   pg_dump --format=custom (restore with pg_restore, below)
    DIR/media.tar.gz    MEDIA_ROOT (uploaded material), when it holds anything
    DIR/MANIFEST.json   when, what, and how many rows of the tables that matter

The notes' keys (NOTES_ENCRYPTION_KEYS) are deliberately NOT in the backup: keep them in the
secret store, apart from the dumps. A dump without its keys shows notes as ciphertext only.

Restore into a fresh database (README, "Backup and restore"):

    createdb toppleder_restored
    pg_restore --no-owner --no-privileges -d toppleder_restored DIR/database.dump
    tar -xzf DIR/media.tar.gz -C "$MEDIA_ROOT"
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

# Tables whose row counts go in the manifest, so a restore can be checked against it.
COUNTED = {
    "registrations": "programmes_registration",
    "survey_answers": "surveys_answer",
    "group_notes": "reflection_groups_groupnote",
    "pair_meetings": "reflection_groups_pairmeeting",
    "people": "toppleder_user",
}


def pg_dump(target: Path) -> None:
    """pg_dump of the default database into `target` (custom format, no owners)."""
    db = connection.settings_dict
    if "postgresql" not in db["ENGINE"]:
        raise CommandError("backup needs PostgreSQL (DATABASE_URL=postgres://...); for SQLite, copy db.sqlite3.")
    env = {**os.environ, "PGPASSWORD": str(db.get("PASSWORD") or "")}
    args = ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target),
            "--host", db.get("HOST") or "127.0.0.1", "--port", str(db.get("PORT") or 5432),
            "--username", db.get("USER") or "postgres", db["NAME"]]  # fmt: skip
    if not shutil.which("pg_dump"):
        raise CommandError("pg_dump not found (apt-get install postgresql-client)")
    result = subprocess.run(args, env=env, capture_output=True, text=True)  # noqa: S603  (from settings, no shell)
    if result.returncode:
        raise CommandError(f"pg_dump failed: {result.stderr.strip()}")


def counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        out = {}
        for name, table in COUNTED.items():
            cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608  (fixed table names)
            out[name] = cursor.fetchone()[0]
        return out


class Command(BaseCommand):
    help = "Back up the database (pg_dump) and the media folder into DIR (default var/backups/<UTC time>)."

    def add_arguments(self, parser):
        parser.add_argument("directory", nargs="?", help="where to write (created; must be empty if it exists)")

    def handle(self, *args, directory=None, **options):
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        target = Path(directory or Path(settings.BASE_DIR) / "var" / "backups" / stamp)
        if target.exists() and any(target.iterdir()):
            raise CommandError(f"{target} is not empty")
        target.mkdir(parents=True, exist_ok=True)
        target.chmod(0o700)  # a dump holds personal data
        rows = counts()
        pg_dump(target / "database.dump")
        media = Path(settings.MEDIA_ROOT)
        has_media = media.is_dir() and any(media.iterdir())
        if has_media:
            with tarfile.open(target / "media.tar.gz", "w:gz") as tar:
                tar.add(media, arcname=".")
        manifest = {
            "made_at": timezone.now().isoformat(),
            "database": connection.settings_dict["NAME"],
            "rows": rows,
            "media": has_media,
            "notes_keys": "not included: keep NOTES_ENCRYPTION_KEYS in the secret store",
        }
        (target / "MANIFEST.json").write_text(json.dumps(manifest, indent=2) + "\n")
        self.stdout.write(f"backup: {target} ({', '.join(f'{k} {v}' for k, v in rows.items())})")
