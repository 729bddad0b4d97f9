"""Import of leaders from the files HR has: CSV or Excel, validated row by row, idempotent.

Columns, in any order, with Norwegian or English headers (case, spaces and underscores do not
matter; the portal's own enrolment export imports back unchanged): name/navn,
e-mail/e-post, organisation/virksomhet, title/tittel, level/nivå (a number 1–3 or its name,
"Toppleder"), top leader since/toppleder siden. Name, e-mail and organisation are required;
other columns are ignored and listed. CSV arrives as UTF-8 (with or without BOM) or
Windows-1252, separated by `;` (Norwegian Excel) or `,`; .xlsx is read with openpyxl.
Every bad row is reported with its line and column. "All or nothing" writes nothing while
any row is wrong; "valid rows only" imports the rest. Importing the same file again changes
nothing.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from programmes.services.enrolment import enrolment_add, leaders_ineligible
from toppleder import audit
from toppleder.models import Leader, Organisation, User

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20000

# Each column: the name HR sees (in messages and the template), and the other names it goes by.
COLUMNS = {
    "name": (gettext_lazy("Name"), ["navn", "fullt navn", "full name"]),
    "email": (gettext_lazy("E-mail"), ["email", "e-mail", "e-post", "epost", "e-postadresse", "email address"]),
    "organisation": (gettext_lazy("Organisation"), ["organization", "virksomhet"]),
    "title": (gettext_lazy("Title"), ["tittel", "stilling"]),
    "level": (gettext_lazy("Level"), ["nivå", "niva", "ledernivå"]),
    "top_leader_since": (gettext_lazy("Top leader since"), ["top_leader_since", "toppleder siden", "toppleder_siden"]),
}
REQUIRED = ("name", "email", "organisation")
LEADER_FIELDS = ("organisation_id", "title", "level", "top_leader_since")
FORMULA_MARK = ("'=", "'+", "'-", "'@")  # how our exports keep a cell from running as a formula


def _norm(text) -> str:
    return " ".join(str(text).replace("_", " ").strip().lower().split())


def _aliases() -> dict[str, str]:
    """Every accepted header (normalised) → column key: the listed names, and each column's
    label in English and Norwegian (so the portal's own export, in either language, imports back)."""
    found = {}
    for key, (label, names) in COLUMNS.items():
        found[_norm(key)] = key
        for name in names:
            found[_norm(name)] = key
        for language in ("en", "nb"):
            with translation.override(language):
                found[_norm(label)] = key
    return found


def _levels() -> dict[str, int]:
    """ "1", "Toppleder", "Top leader", … → the level number."""
    found = {}
    for level in Leader.Level:
        found[str(level.value)] = level.value
        for language in ("en", "nb"):
            with translation.override(language):
                found[_norm(level.label)] = level.value
    return found


def _label(key: str) -> str:
    return str(COLUMNS[key][0])


@dataclass
class Change:
    """One leader the import creates or changes, as the preview shows it."""

    line: int
    name: str
    email: str
    organisation: str
    fields: list[tuple[str, object, object]] = field(default_factory=list)  # (label, before, after)


@dataclass
class ImportResult:
    """What an import did (or, on a dry run or with errors, would do)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    enrolled: int = 0
    to_enrol: int = 0  # leaders in the file not yet enrolled in the programme
    errors: list[tuple[int, str]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    new: list[Change] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    dry_run: bool = False
    partial: bool = False  # valid rows imported, rows with errors skipped

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    @property
    def error_lines(self) -> int:
        return len({line for line, _msg in self.errors})


@dataclass
class _Row:
    line: int
    name: str
    email: str
    organisation: Organisation
    title: str
    level: int
    top_leader_since: date | None
    present: frozenset = frozenset()  # the optional columns the file has (a missing one changes nothing)


def _raw(file) -> bytes | str:
    if isinstance(file, (bytes, bytearray, str)):
        return file if isinstance(file, str) else bytes(file)
    if hasattr(file, "seek"):
        file.seek(0)
    return file.read(MAX_BYTES + 1)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(raw: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ValidationError(_("The Excel file could not be read. Save it again as .xlsx or as CSV.")) from exc
    sheet = book.worksheets[0]
    rows = []
    for values in sheet.iter_rows(values_only=True):
        rows.append([_cell(v) for v in values])
        if len(rows) > MAX_ROWS + 1:
            break
    book.close()
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()
    width = max((len(r) for r in rows), default=0)
    return [r + [""] * (width - len(r)) for r in rows]


def _read_text(raw) -> str:
    """Bytes → text: UTF-8 (BOM stripped) first, then Windows-1252 as Excel writes it."""
    if isinstance(raw, str):
        return raw.lstrip("\ufeff")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw[:4096]:
        # Excel's "Unicode text" (UTF-16) or another binary file.
        raise ValidationError(_("The file is not a CSV text file. In Excel, save it as “CSV UTF-8” or “CSV”."))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(first, delimiters=";,").delimiter
    except csv.Error:
        return ";" if first.count(";") > first.count(",") else ","


def _read_table(file) -> list[list[str]]:
    """The rows of a CSV or .xlsx file as text cells (header first)."""
    raw = _raw(file)
    if len(raw) > MAX_BYTES:
        raise ValidationError(_("The file is larger than 5 MB."))
    if isinstance(raw, bytes) and raw.startswith(b"PK\x03\x04"):
        return _read_xlsx(raw)
    text = _read_text(raw)
    if not text.strip():
        return []
    try:
        return list(csv.reader(io.StringIO(text), delimiter=_delimiter(text)))
    except csv.Error as exc:
        raise ValidationError(_("The file is not a valid CSV file (%(error)s).") % {"error": exc}) from exc


def _parse_date(value: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    for fmt in ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(value)


def _text(value: str) -> str:
    value = (value or "").strip()
    return value[1:] if value.startswith(FORMULA_MARK) else value


def _columns(header: list[str], result: ImportResult) -> list[str | None]:
    aliases = _aliases()
    columns = []
    for cell in header:
        key = aliases.get(_norm(cell))
        if key is None and cell.strip():
            result.ignored_columns.append(cell.strip())
        columns.append(key)
    missing = [_label(c) for c in REQUIRED if c not in columns]
    if missing:
        result.errors.append(
            (
                1,
                _("The file has no column for: %(columns)s. The first row must name the columns.")
                % {"columns": ", ".join(missing)},
            )
        )
    dupes = sorted({_label(c) for c in columns if c and columns.count(c) > 1})
    if dupes:
        result.errors.append(
            (1, _("These columns appear more than once: %(columns)s.") % {"columns": ", ".join(dupes)})
        )
    return columns


def _parse(table: list[list[str]], result: ImportResult) -> list[_Row]:
    errors = result.errors
    if not table or not any(c.strip() for c in table[0]):
        errors.append((1, _("The file is empty.")))
        return []
    columns = _columns(table[0], result)
    if errors:
        return []
    orgs = {}
    for org in Organisation.objects.all():
        orgs[org.name.strip().lower()] = org
        if org.code:
            orgs.setdefault(org.code.strip().lower(), org)
    levels = _levels()
    present = frozenset(c for c in columns if c)
    rows: list[_Row] = []
    seen: dict[str, int] = {}
    for line, cells in enumerate(table[1:], start=2):
        if not any((c or "").strip() for c in cells):
            continue
        if len(rows) + result.error_lines >= MAX_ROWS:
            errors.append((line, _("Too many rows: at most %(n)s per file.") % {"n": MAX_ROWS}))
            break
        if len(cells) > len(columns) and any(c.strip() for c in cells[len(columns) :]):
            errors.append(
                (
                    line,
                    _("The line has %(found)s fields, but the first row names only %(expected)s columns.")
                    % {"expected": len(columns), "found": len(cells)},
                )
            )
            continue
        data = {col: _text(cell) for col, cell in zip(columns, cells, strict=False) if col}
        row_errors = []

        def wrong(key, message, row_errors=row_errors):
            row_errors.append(_("%(column)s: %(message)s") % {"column": _label(key), "message": message})

        name = data.get("name", "")
        if not name:
            wrong("name", _("missing."))
        email = data.get("email", "").lower()
        try:
            validate_email(email)
        except ValidationError:
            wrong("email", _("“%(email)s” is not a valid e-mail address.") % {"email": data.get("email", "")})
        else:
            if email in seen:
                wrong("email", _("%(email)s also appears on line %(line)s.") % {"email": email, "line": seen[email]})
            else:
                seen[email] = line
        org_name = data.get("organisation", "")
        org = orgs.get(org_name.lower())
        if org is None:
            wrong("organisation", _("unknown organisation “%(org)s”.") % {"org": org_name})
        level_raw = data.get("level", "")
        level = Leader.Level.TOP
        if level_raw:
            level = levels.get(_norm(level_raw))
            if level is None:
                wrong(
                    "level",
                    _("“%(level)s” is not a level: use 1, 2 or 3, or %(names)s.")
                    % {"level": level_raw, "names": ", ".join(f"«{lv.label}»" for lv in Leader.Level)},
                )
        try:
            since = _parse_date(data.get("top_leader_since", ""))
        except ValueError:
            since = None
            wrong(
                "top_leader_since",
                _("“%(value)s” is not a date: use YYYY-MM-DD or DD.MM.YYYY.") % {"value": data.get("top_leader_since")},
            )
        if since and since > timezone.localdate():
            wrong("top_leader_since", _("cannot be in the future."))
        if len(data.get("title", "")) > 200 or len(name) > 200:
            row_errors.append(_("Name and title can be at most 200 characters."))
        if row_errors:
            errors.extend((line, msg) for msg in row_errors)
            continue
        rows.append(_Row(line, name, email, org, data.get("title", ""), level, since, present))
    if not rows and not errors:
        errors.append((2, _("The file has no rows.")))
    return rows


def leaders_import(*, file, by, programme=None, dry_run: bool = False, partial: bool = False) -> ImportResult:
    """Validate every row, then create/update users and leaders (unless dry_run).

    Creates a User (unusable password, name, e-mail) and a Leader per new e-mail; updates
    name, organisation, title, level and top_leader_since where they differ; optionally
    enrols every leader in the file into `programme`. Errors are (line number, message),
    sorted by line. With errors nothing is written, unless `partial`: then the valid rows
    are imported and the rows with errors are left out (and listed).
    """
    result = ImportResult(dry_run=dry_run, partial=partial)
    try:
        table = _read_table(file)
    except ValidationError as exc:
        result.errors.append((1, exc.messages[0]))
        return result
    rows = _parse(table, result)
    if programme is not None and rows:
        probe = []
        for row in rows:
            candidate = Leader(organisation=row.organisation, level=row.level)
            candidate.line, candidate.shown = row.line, row.name
            probe.append(candidate)
        bad_lines = set()
        for bad in leaders_ineligible(programme, probe):
            bad_lines.add(bad.line)
            result.errors.append((bad.line, _("%(name)s is not eligible for this programme.") % {"name": bad.shown}))
        rows = [r for r in rows if r.line not in bad_lines]
    result.errors.sort(key=lambda e: e[0])
    if result.errors and not (partial and rows):
        return result
    if partial:
        failed = {line for line, _msg in result.errors}
        rows = [r for r in rows if r.line not in failed]

    emails = [r.email for r in rows]
    users = {u.email.lower(): u for u in User.objects.filter(email__in=emails)}
    leaders = {le.user_id: le for le in Leader.objects.filter(user__in=users.values()).select_related("organisation")}
    if programme is not None:
        enrolled = set(
            programme.enrolments.active()
            .filter(leader__user__email__in=emails)
            .values_list("leader__user__email", flat=True)
        )
        result.to_enrol = sum(1 for r in rows if r.email not in {e.lower() for e in enrolled})

    plan_new, plan_update = [], []
    for row in rows:
        user = users.get(row.email)
        leader = leaders.get(user.pk) if user else None
        wanted = {
            "organisation_id": row.organisation.pk,
            **({"title": row.title} if "title" in row.present else {}),
            **({"level": row.level} if "level" in row.present else {}),
            **({"top_leader_since": row.top_leader_since} if "top_leader_since" in row.present else {}),
        }
        if user is None or leader is None:
            plan_new.append((row, user))
            result.new.append(Change(row.line, row.name, row.email, row.organisation.name))
            continue
        changed = _changed_fields(row, user, leader)
        if changed:
            plan_update.append((row, user, leader, wanted))
            result.changes.append(Change(row.line, row.name, row.email, row.organisation.name, changed))
        else:
            result.unchanged += 1
    result.created = len(plan_new)
    result.updated = len(plan_update)
    if dry_run:
        return result

    with transaction.atomic():
        new_users = [
            User(email=row.email, name=row.name, password=make_password(None)) for row, user in plan_new if user is None
        ]
        User.objects.bulk_create(new_users)
        created_users = {u.email: u for u in User.objects.filter(email__in=[u.email for u in new_users])}
        audit.record(by, audit.CREATE, list(created_users.values()), audit.created, event="leaders_import")
        new_leaders, renamed = [], []
        for row, user in plan_new:
            if user is None:
                user = created_users[row.email]
            elif user.name != row.name:
                renamed.append((user, user.name))
                user.name = row.name
            new_leaders.append(
                Leader(
                    user=user,
                    organisation=row.organisation,
                    title=row.title,
                    level=row.level,
                    top_leader_since=row.top_leader_since,
                )
            )
        Leader.objects.bulk_create(new_leaders)
        audit.record(by, audit.CREATE, new_leaders, audit.created, event="leaders_import")
        changed_leaders, before = [], {}
        for row, user, leader, wanted in plan_update:
            if user.name != row.name:
                renamed.append((user, user.name))
                user.name = row.name
            before[leader.pk] = audit.values(leader, LEADER_FIELDS)
            for key, value in wanted.items():
                setattr(leader, key, value)
            changed_leaders.append(leader)
        if renamed:
            User.objects.bulk_update([u for u, _old in renamed], ["name"])
            old_names = {u.pk: old for u, old in renamed}
            audit.record(
                by,
                audit.UPDATE,
                [u for u, _old in renamed],
                lambda u: {"name": [old_names[u.pk], u.name]},
                event="leaders_import",
            )
        if changed_leaders:
            Leader.objects.bulk_update(changed_leaders, list(LEADER_FIELDS))
            audit.record(
                by,
                audit.UPDATE,
                changed_leaders,
                lambda le: audit.diff(before[le.pk], le),
                event="leaders_import",
            )
        if programme is not None:
            ids = Leader.objects.filter(Q(user__email__in=emails)).values_list("pk", flat=True)
            result.enrolled = enrolment_add(programme=programme, leaders=list(ids), by=by)
    return result


def _changed_fields(row: _Row, user: User, leader: Leader) -> list[tuple[str, object, object]]:
    """(label, before, after) for each field the row changes, as the preview shows them."""
    changed = []
    if user.name != row.name:
        changed.append((_label("name"), user.name, row.name))
    if leader.organisation_id != row.organisation.pk:
        changed.append((_label("organisation"), leader.organisation.name, row.organisation.name))
    if "title" in row.present and leader.title != row.title:
        changed.append((_label("title"), leader.title, row.title))
    if "level" in row.present and leader.level != row.level:
        changed.append((_label("level"), leader.get_level_display(), Leader.Level(row.level).label))
    if "top_leader_since" in row.present and leader.top_leader_since != row.top_leader_since:
        changed.append((_label("top_leader_since"), leader.top_leader_since, row.top_leader_since))
    return changed
