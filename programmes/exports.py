"""Exports of a programme's enrolments and registrations as CSV and XLSX (bytes).

CSV is UTF-8 with a BOM and `;` as separator, so Norwegian Excel opens it correctly.
Cells that a spreadsheet would run as a formula (starting with = + - @, tab or CR)
are prefixed with an apostrophe: formula injection via a leader's name or title.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from programmes.models import Programme, Registration
from programmes.selectors import enrolments_for

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """Text for a spreadsheet cell that can never be run as a formula."""
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        if hasattr(value, "tzinfo") and value.tzinfo is not None:
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M") if hasattr(value, "hour") else value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_START):
        return "'" + text
    return text


def _enrolment_rows(programme: Programme) -> tuple[list[str], Iterable[list]]:
    header = [
        _("Name"),
        _("E-mail"),
        _("Organisation"),
        _("Sector"),
        _("Title"),
        _("Level"),
        _("Status"),
        _("Enrolled at"),
        _("Via group"),
    ]

    def rows():
        for e in enrolments_for(programme).iterator(chunk_size=2000):
            le = e.leader
            yield [
                le.user.name,
                le.user.email,
                le.organisation.name,
                le.organisation.sector.name,
                le.title,
                le.level,
                e.get_status_display(),
                e.enrolled_at,
                e.via_group.name if e.via_group else "",
            ]

    return header, rows()


def _registration_rows(programme: Programme) -> tuple[list[str], Iterable[list]]:
    header = [
        _("Session"),
        _("Starts"),
        _("Name"),
        _("E-mail"),
        _("Organisation"),
        _("Status"),
        _("Waiting-list position"),
        _("Attendance"),
        _("Registered at"),
    ]

    def rows():
        qs = (
            Registration.objects.filter(session__programme=programme)
            .select_related("session", "leader__user", "leader__organisation")
            .order_by("session__starts_at", "session_id", "status", "waitlist_position", "leader__user__name")
        )
        for r in qs.iterator(chunk_size=2000):
            yield [
                r.session.title,
                r.session.starts_at,
                r.leader.user.name,
                r.leader.user.email,
                r.leader.organisation.name,
                r.get_status_display(),
                r.waitlist_position or "",
                r.get_attendance_display(),
                r.created_at,
            ]

    return header, rows()


def _csv(header, rows) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(c) for c in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _xlsx(header, rows, title: str) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31])
    ws.append([str(h) for h in header])
    widths = [len(str(h)) for h in header]
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            # Numbers stay numbers; everything else is sanitised text.
            cell = value if isinstance(value, int) and not isinstance(value, bool) else safe_cell(value)
            cells.append(cell)
            widths[i] = max(widths[i], min(len(str(cell)), 60))
        ws.append(cells)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width + 2
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def enrolments_csv(programme: Programme) -> bytes:
    return _csv(*_enrolment_rows(programme))


def enrolments_xlsx(programme: Programme) -> bytes:
    return _xlsx(*_enrolment_rows(programme), title=_("Enrolments"))


def registrations_csv(programme: Programme) -> bytes:
    return _csv(*_registration_rows(programme))


def registrations_xlsx(programme: Programme) -> bytes:
    return _xlsx(*_registration_rows(programme), title=_("Registrations"))
