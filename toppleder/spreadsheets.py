"""Every CSV and XLSX the portal hands out is written here, from one `Sheet` of rows.

A feature builds a `Sheet` (title, header, rows) and returns `sheet_response(sheet, fmt,
filename)`; CSV and XLSX then come from the same rows. Every cell passes `safe_cell` on the
way out: text a spreadsheet would run as a formula (starting with = + - @, a tab or a
carriage return) gets a leading apostrophe, whoever typed it — a leader's name, a session
title, a survey question. Numbers stay numbers; times are shown in Europe/Oslo.

CSV is UTF-8 with a BOM and `;` between cells, so Norwegian Excel opens it with æøå intact.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def safe_cell(value):
    """A cell value that no spreadsheet runs as a formula: numbers as numbers, the rest as text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float, decimal.Decimal)):
        return value
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


@dataclass
class Sheet:
    title: str
    header: list
    rows: Iterable[list] = field(default_factory=list)

    def cells(self) -> tuple[list, list[list]]:
        """The header and rows, every cell made safe."""
        return [safe_cell(str(h)) for h in self.header], [[safe_cell(c) for c in row] for row in self.rows]


def csv_bytes(sheet: Sheet) -> bytes:
    header, rows = sheet.cells()
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(sheet: Sheet) -> bytes:
    header, rows = sheet.cells()
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(title=(str(sheet.title) or "Ark")[:31])
    # A write-only sheet writes its column widths before the first row: measure first.
    widths = [len(str(h)) for h in header]
    for row in rows:
        for i, value in enumerate(row[: len(widths)]):
            widths[i] = max(widths[i], min(len(str(value)), 60))
    for i, width in enumerate(widths, start=1):
        worksheet.column_dimensions[get_column_letter(i)].width = width + 2
    worksheet.freeze_panes = "A2"
    bold = Font(bold=True)
    head = []
    for value in header:
        cell = WriteOnlyCell(worksheet, value=value)
        cell.font = bold
        head.append(cell)
    worksheet.append(head)
    for row in rows:
        worksheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def sheet_response(sheet: Sheet, fmt: str, filename: str) -> HttpResponse:
    """The sheet as a download in `fmt` ("csv" or "xlsx"); `filename` without extension."""
    data = csv_bytes(sheet) if fmt == "csv" else xlsx_bytes(sheet)
    response = HttpResponse(data, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
