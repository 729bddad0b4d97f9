"""Import of leaders from CSV: validate every row first, write all or nothing, idempotent.

Columns (English or Norwegian headers, any order, case-insensitive):
name/navn, email/e-mail/e-post, organisation/virksomhet, title/tittel, level/nivå,
top_leader_since/toppleder_siden. name, e-mail and organisation are required columns.
Files from Excel arrive as UTF-8 (with or without BOM) or Windows-1252, separated by
`;` (Norwegian Excel) or `,`; both are accepted. Every bad row is reported with its
line number; nothing is written unless every row is valid, and importing the same
file again changes nothing.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from programmes.services.enrolment import enrolment_add, leaders_ineligible
from toppleder import audit
from toppleder.models import Leader, Organisation, User

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20000

HEADER_ALIASES = {
    "name": "name",
    "navn": "name",
    "email": "email",
    "e-mail": "email",
    "e-post": "email",
    "epost": "email",
    "organisation": "organisation",
    "organization": "organisation",
    "virksomhet": "organisation",
    "title": "title",
    "tittel": "title",
    "level": "level",
    "nivå": "level",
    "niva": "level",
    "top_leader_since": "top_leader_since",
    "toppleder_siden": "top_leader_since",
    "toppleder siden": "top_leader_since",
}
REQUIRED = ("name", "email", "organisation")
LEADER_FIELDS = ("organisation_id", "title", "level", "top_leader_since")


@dataclass
class ImportResult:
    """What an import did (or, on a dry run or with errors, would do)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    enrolled: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class _Row:
    line: int
    name: str
    email: str
    organisation: Organisation
    title: str
    level: int
    top_leader_since: date | None


def _read_text(file) -> str:
    """Bytes → text: UTF-8 (BOM stripped) first, then Windows-1252 as Excel writes it."""
    if isinstance(file, (bytes, bytearray)):
        raw = bytes(file)
    elif isinstance(file, str):
        return file.lstrip("\ufeff")
    else:
        if hasattr(file, "seek"):
            file.seek(0)
        raw = file.read(MAX_BYTES + 1)
        if isinstance(raw, str):
            return raw.lstrip("\ufeff")
    if len(raw) > MAX_BYTES:
        raise ValidationError(_("The file is larger than 5 MB."))
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw[:4096]:
        # Excel's "Unicode text" (UTF-16) or a binary file such as .xlsx.
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


def _parse_date(value: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    for fmt in ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(value)


def _parse(text: str, errors: list) -> list[_Row]:
    if not text.strip():
        errors.append((1, _("The file is empty.")))
        return []
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text))
    try:
        header = next(reader)
    except csv.Error:
        errors.append((1, _("The file is not a valid CSV file.")))
        return []
    columns = []
    for cell in header:
        key = HEADER_ALIASES.get(cell.strip().lower())
        if key is None:
            errors.append(
                (
                    1,
                    _(
                        "Unknown column “%(column)s”. Expected: name, e-mail, organisation, title, level, top_leader_since."
                    )
                    % {"column": cell.strip()},
                )
            )
        columns.append(key)
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        errors.append((1, _("Missing column(s): %(columns)s.") % {"columns": ", ".join(missing)}))
    dupes = {c for c in columns if c and columns.count(c) > 1}
    if dupes:
        errors.append((1, _("Column(s) appear twice: %(columns)s.") % {"columns": ", ".join(sorted(dupes))}))
    if errors:
        return []

    orgs = {}
    for org in Organisation.objects.all():
        orgs[org.name.strip().lower()] = org
        if org.code:
            orgs.setdefault(org.code.strip().lower(), org)

    rows: list[_Row] = []
    seen: dict[str, int] = {}
    try:
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(rows) + len(errors) >= MAX_ROWS:
                errors.append((line, _("Too many rows: at most %(n)s per file.") % {"n": MAX_ROWS}))
                break
            if len(cells) != len(columns):
                errors.append(
                    (
                        line,
                        _("Expected %(expected)s fields but found %(found)s.")
                        % {"expected": len(columns), "found": len(cells)},
                    )
                )
                continue
            data = {col: (cell or "").strip() for col, cell in zip(columns, cells, strict=True)}
            row_errors = []
            name = data.get("name", "")
            if not name:
                row_errors.append(_("Name is missing."))
            email = data.get("email", "").lower()
            try:
                validate_email(email)
            except ValidationError:
                row_errors.append(_("“%(email)s” is not a valid e-mail address.") % {"email": data.get("email", "")})
            else:
                if email in seen:
                    row_errors.append(
                        _("The e-mail address %(email)s also appears on line %(line)s.")
                        % {"email": email, "line": seen[email]}
                    )
                else:
                    seen[email] = line
            org_name = data.get("organisation", "")
            org = orgs.get(org_name.lower())
            if org is None:
                row_errors.append(_("Unknown organisation “%(org)s”.") % {"org": org_name})
            level_raw = data.get("level", "")
            level = 1
            if level_raw:
                if level_raw in ("1", "2", "3"):
                    level = int(level_raw)
                else:
                    row_errors.append(_("Level must be 1, 2 or 3 (was “%(level)s”).") % {"level": level_raw})
            try:
                since = _parse_date(data.get("top_leader_since", ""))
            except ValueError:
                since = None
                row_errors.append(
                    _("“%(value)s” is not a date: use YYYY-MM-DD or DD.MM.YYYY.")
                    % {"value": data.get("top_leader_since")}
                )
            if since and since > timezone.localdate():
                row_errors.append(_("Top leader since cannot be in the future."))
            if len(data.get("title", "")) > 200 or len(name) > 200:
                row_errors.append(_("Name and title can be at most 200 characters."))
            if row_errors:
                errors.extend((line, msg) for msg in row_errors)
                continue
            rows.append(_Row(line, name, email, org, data.get("title", ""), level, since))
    except csv.Error as exc:
        errors.append((reader.line_num, _("The file is not a valid CSV file (%(error)s).") % {"error": exc}))
    if not rows and not errors:
        errors.append((2, _("The file has no rows.")))
    return rows


def leaders_import_csv(*, file, by, programme=None, dry_run: bool = False) -> ImportResult:
    """Validate every row, then (unless dry_run or any error) create/update users and leaders.

    Creates a User (unusable password, name, e-mail) and a Leader per new e-mail; updates
    name, organisation, title, level and top_leader_since where they differ; optionally
    enrols every leader in the file into `programme`. Returns an ImportResult; with
    errors nothing is written (errors are (line number, message), sorted by line).
    """
    result = ImportResult(dry_run=dry_run)
    try:
        text = _read_text(file)
    except ValidationError as exc:
        result.errors.append((1, exc.messages[0]))
        return result
    rows = _parse(text, result.errors)
    if result.errors:
        result.errors.sort(key=lambda e: e[0])
        return result

    emails = [r.email for r in rows]
    users = {u.email.lower(): u for u in User.objects.filter(email__in=emails)}
    leaders = {le.user_id: le for le in Leader.objects.filter(user__in=users.values())}

    if programme is not None:
        probe = []
        for row in rows:
            candidate = Leader(organisation=row.organisation, level=row.level)
            candidate.line, candidate.shown = row.line, row.name
            probe.append(candidate)
        for bad in leaders_ineligible(programme, probe):
            result.errors.append((bad.line, _("%(name)s is not eligible for this programme.") % {"name": bad.shown}))
        if result.errors:
            return result

    plan_new, plan_update = [], []
    for row in rows:
        user = users.get(row.email)
        leader = leaders.get(user.pk) if user else None
        wanted = {
            "organisation_id": row.organisation.pk,
            "title": row.title,
            "level": row.level,
            "top_leader_since": row.top_leader_since,
        }
        if user is None or leader is None:
            plan_new.append((row, user))
            continue
        differs = user.name != row.name or any(getattr(leader, k) != v for k, v in wanted.items())
        if differs:
            plan_update.append((row, user, leader, wanted))
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
        audit.record(by, audit.CREATE, list(created_users.values()), audit.created, event="leaders_import_csv")
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
        audit.record(by, audit.CREATE, new_leaders, audit.created, event="leaders_import_csv")
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
                event="leaders_import_csv",
            )
        if changed_leaders:
            Leader.objects.bulk_update(changed_leaders, list(LEADER_FIELDS))
            audit.record(
                by,
                audit.UPDATE,
                changed_leaders,
                lambda le: audit.diff(before[le.pk], le),
                event="leaders_import_csv",
            )
        if programme is not None:
            ids = Leader.objects.filter(Q(user__email__in=emails)).values_list("pk", flat=True)
            result.enrolled = enrolment_add(programme=programme, leaders=list(ids), by=by)
    return result
