"""Exports of enrolments and registrations: the rows, written as CSV (Excel-friendly) and XLSX,
formula-safe, by the one writer (toppleder/spreadsheets.py, tested in tests/toppleder)."""

import csv
import io

import pytest
from openpyxl import load_workbook

from programmes import exports
from programmes.models import ProgrammeEnrolment
from tests.factories import LeaderFactory
from tests.programmes.factories import ProgrammeFactory, RegistrationFactory, SessionFactory
from toppleder.spreadsheets import csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Assertions read the English source messages; test_imports checks the bokmål ones."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def programme(db):
    programme = ProgrammeFactory()
    evil = LeaderFactory(user__name='=HYPERLINK("http://evil")', title="+SUM(A1)")
    plain = LeaderFactory(user__name="Åse Ødegård", title="Direktør")
    for leader in (evil, plain):
        ProgrammeEnrolment.objects.create(programme=programme, leader=leader)
    session = SessionFactory(programme=programme, title="@cmd")
    RegistrationFactory(session=session, leader=evil)
    RegistrationFactory(session=session, leader=plain, status="waitlisted", waitlist_position=1)
    return programme


def _csv_rows(data: bytes):
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def test_enrolments_csv_has_header_rows_and_neutralised_formulas(programme):
    rows = _csv_rows(csv_bytes(exports.enrolments(programme)))
    assert len(rows) == 3
    names = {r[0] for r in rows[1:]}
    assert names == {'\'=HYPERLINK("http://evil")', "Åse Ødegård"}
    assert "'+SUM(A1)" in {r[4] for r in rows[1:]}
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_registrations_csv_lists_status_and_position(programme):
    rows = _csv_rows(csv_bytes(exports.registrations(programme)))
    assert len(rows) == 3
    assert all(r[0] == "'@cmd" for r in rows[1:])
    assert {r[6] for r in rows[1:]} == {"", "1"}


@pytest.mark.parametrize("rows", [exports.enrolments, exports.registrations])
def test_xlsx_opens_and_has_no_formulas(programme, rows):
    wb = load_workbook(io.BytesIO(xlsx_bytes(rows(programme))))
    ws = wb.active
    values = [c.value for row in ws.iter_rows() for c in row]
    assert ws.max_row == 3
    assert all(not (isinstance(v, str) and v.startswith("=")) for v in values)
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def test_export_query_count_does_not_grow(programme, django_assert_max_num_queries):
    for _ in range(30):
        ProgrammeEnrolment.objects.create(programme=programme, leader=LeaderFactory())
    with django_assert_max_num_queries(2):
        csv_bytes(exports.enrolments(programme))
    with django_assert_max_num_queries(2):
        xlsx_bytes(exports.registrations(programme))
