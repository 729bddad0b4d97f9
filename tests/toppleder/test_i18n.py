"""Every user-facing string has its Norwegian (bokmål) translation, and the .mo is current.

The source strings are English; nb is the default language. When one of these tests
fails, run `python manage.py i18n_sync`, translate what it lists as missing (in your
locale/nb/parts/<area>.po), and run it again.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

from toppleder.management.commands.i18n_sync import entry_key, missing_entries

LOCALE = Path(settings.BASE_DIR) / "locale" / "nb" / "LC_MESSAGES"
CATALOGUES = [p for p in (LOCALE / "django.po", LOCALE / "djangojs.po") if p.exists()]
COPY_IGNORE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "venv",
    "node_modules",
    "staticfiles",
    "media",
    "tests",
    "bench",
    "*.sqlite3",
    "__pycache__",
    "*.mo",
)


def test_the_norwegian_catalogue_exists():
    assert (LOCALE / "django.po").exists()
    assert len(polib.pofile(str(LOCALE / "django.po"))) > 100


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.name)
def test_every_msgid_has_a_norwegian_translation_and_none_is_fuzzy(path):
    missing = missing_entries(polib.pofile(str(path)))
    listing = "\n".join(
        f"  {e.msgid[:80]!r}{' (fuzzy)' if 'fuzzy' in e.flags else ''} – {e.occurrences[0][0] if e.occurrences else '?'}"
        for e in missing[:60]
    )
    assert not missing, f"{len(missing)} string(s) without a nb translation in {path.name}:\n{listing}"


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.name)
def test_compiled_catalogue_matches_the_po_file(path):
    mo_path = path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path.name} is missing: run manage.py i18n_sync"
    po = {entry_key(e): (e.msgstr, e.msgstr_plural) for e in polib.pofile(str(path)) if e.translated()}
    mo = {entry_key(e): (e.msgstr, e.msgstr_plural) for e in polib.mofile(str(mo_path)) if e.msgid}
    stale = [k[1][:60] for k, v in po.items() if mo.get(k, (None, None))[0] != v[0] and not k[2]]
    assert not stale, (
        f"{mo_path.name} is out of date with {path.name} ({len(stale)} differ, e.g. {stale[:3]}): run i18n_sync"
    )


def test_makemessages_would_add_no_new_string(tmp_path):
    """A string wrapped for translation in code or templates but absent from django.po fails here."""
    root = Path(settings.BASE_DIR)
    work = tmp_path / "project"
    shutil.copytree(root, work, ignore=COPY_IGNORE)
    before = {entry_key(e) for e in polib.pofile(str(work / "locale/nb/LC_MESSAGES/django.po"))}
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "nb",
            "--no-obsolete",
            "--add-location=file",
            "-v",
            "0",
            "--ignore=locale/*",
        ],
        cwd=work,
        check=True,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "toppleder.settings", "PYTHONPATH": str(work)},
        timeout=300,
    )
    after = polib.pofile(str(work / "locale/nb/LC_MESSAGES/django.po"))
    new = [e for e in after if entry_key(e) not in before and e.msgid]
    listing = "\n".join(f"  {e.msgid[:80]!r} – {e.occurrences[0][0] if e.occurrences else '?'}" for e in new[:60])
    assert not new, f"{len(new)} translatable string(s) missing from django.po (run manage.py i18n_sync):\n{listing}"
