"""Bring the Norwegian translations up to date in one step.

1. `makemessages -l nb` collects every translatable string from code and templates into
   locale/nb/LC_MESSAGES/django.po (and djangojs.po when there is JavaScript to translate).
2. Each helper's translations in locale/nb/parts/*.po fill in django.po: a part is the
   authority for its own msgids, so an updated part wins over an older msgstr, and a
   filled-in entry is no longer fuzzy.
3. `compilemessages` writes the .mo files Django reads at run time.

Run it after adding strings: `python manage.py i18n_sync`. It prints what is still missing;
tests/toppleder/test_i18n.py fails while anything is.
"""

import shutil
import subprocess
from pathlib import Path

import polib
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

IGNORE = [".venv", "venv", "node_modules", "staticfiles", "media", "tests", "bench", "build", "*.egg-info"]


def locale_dir() -> Path:
    return Path(settings.BASE_DIR) / "locale" / "nb"


def entry_key(entry: polib.POEntry) -> tuple:
    return (entry.msgctxt or "", entry.msgid, entry.msgid_plural or "")


def load_parts(parts_dir: Path, stdout=None) -> dict[tuple, polib.POEntry]:
    """Every translated entry in locale/nb/parts/*.po, keyed by (context, msgid, plural)."""
    found: dict[tuple, polib.POEntry] = {}
    for path in sorted(parts_dir.glob("*.po")):
        for entry in polib.pofile(str(path)):
            if entry.obsolete or "fuzzy" in entry.flags or not entry.msgid:
                continue
            if not (entry.msgstr or any(entry.msgstr_plural.values())):
                continue
            key = entry_key(entry)
            if (
                key in found
                and stdout
                and (found[key].msgstr, found[key].msgstr_plural)
                != (
                    entry.msgstr,
                    entry.msgstr_plural,
                )
            ):
                stdout.write(f"  note: {path.name} translates {entry.msgid[:50]!r} differently; keeping the first")
                continue
            found.setdefault(key, entry)
    return found


def merge_parts(po: polib.POFile, parts: dict[tuple, polib.POEntry]) -> int:
    """Fill `po` from the parts; returns how many entries changed."""
    changed = 0
    for entry in po:
        if entry.obsolete:
            continue
        part = parts.get(entry_key(entry))
        if part is None:
            continue
        new_plural = {int(k): v for k, v in part.msgstr_plural.items()} if entry.msgid_plural else {}
        if entry.msgid_plural:
            if {int(k): v for k, v in entry.msgstr_plural.items()} != new_plural or "fuzzy" in entry.flags:
                entry.msgstr_plural = new_plural
                changed += 1
        elif entry.msgstr != part.msgstr or "fuzzy" in entry.flags:
            entry.msgstr = part.msgstr
            changed += 1
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
            entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
    return changed


def missing_entries(po: polib.POFile) -> list[polib.POEntry]:
    """Entries without a usable Norwegian translation (empty, partly empty plural, or fuzzy)."""
    out = []
    for entry in po:
        if entry.obsolete or not entry.msgid:
            continue
        if "fuzzy" in entry.flags:
            out.append(entry)
        elif entry.msgid_plural:
            if not entry.msgstr_plural or not all(entry.msgstr_plural.values()):
                out.append(entry)
        elif not entry.msgstr:
            out.append(entry)
    return out


class Command(BaseCommand):
    help = "makemessages for nb, fill from locale/nb/parts/*.po, compilemessages."

    def add_arguments(self, parser):
        parser.add_argument("--no-makemessages", action="store_true", help="Only merge the parts and compile.")

    def handle(self, *args, no_makemessages=False, **options):
        base = locale_dir()
        (base / "LC_MESSAGES").mkdir(parents=True, exist_ok=True)
        if not no_makemessages:
            call_command(
                "makemessages",
                locale=["nb"],
                ignore_patterns=IGNORE,
                no_obsolete=True,
                add_location="file",
                verbosity=0,
            )
            if any(Path(settings.BASE_DIR, "static", "js").glob("*.js")):
                call_command(
                    "makemessages",
                    locale=["nb"],
                    domain="djangojs",
                    ignore_patterns=IGNORE,
                    no_obsolete=True,
                    add_location="file",
                    verbosity=0,
                )
        parts = load_parts(base / "parts", self.stdout)
        for domain in ("django", "djangojs"):
            path = base / "LC_MESSAGES" / f"{domain}.po"
            if not path.exists():
                continue
            po = polib.pofile(str(path), wrapwidth=0)
            po.metadata_is_fuzzy = False  # msgfmt skips a fuzzy header, and with it the charset
            po.header = "Norwegian Bokmål translations for Toppleder. Maintained with `manage.py i18n_sync`."
            po.metadata["Project-Id-Version"] = "Toppleder"
            po.metadata["Language-Team"] = "Toppleder"
            po.metadata["Language"] = "nb"
            po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
            po.metadata["Plural-Forms"] = "nplurals=2; plural=(n != 1);"
            changed = merge_parts(po, parts)
            po.save(str(path))
            # msgfmt directly (what compilemessages runs), for exactly the catalogue just written.
            msgfmt = shutil.which("msgfmt") or "/usr/bin/msgfmt"
            subprocess.run([msgfmt, "--check-format", "-o", str(path.with_suffix(".mo")), str(path)], check=True)  # noqa: S603
            missing = missing_entries(po)
            self.stdout.write(f"{domain}.po: {len(po)} entries, {changed} filled from parts, {len(missing)} missing")
            for entry in missing[:200]:
                where = entry.occurrences[0][0] if entry.occurrences else "?"
                self.stdout.write(f"  missing: {entry.msgid[:70]!r} ({where})")
