"""CSV import of leaders: every bad row reported by line, all or nothing, idempotent."""

from datetime import date

import pytest

from programmes.models import ProgrammeEnrolment
from programmes.services.imports import leaders_import
from tests.factories import HRUserFactory, LeaderFactory, OrganisationFactory
from tests.programmes.factories import ProgrammeFactory
from toppleder.models import Leader, User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Assertions read the English source messages; test_imports checks the bokmål ones."""
    from django.utils import translation

    with translation.override("en"):
        yield


GOOD = (
    "name;e-mail;organisation;title;level;top_leader_since\n"
    "Åse Ødegård;ase.odegard@oslo.kommune.no;Bydel Grünerløkka;Bydelsdirektør;1;2021-03-01\n"
    "Per Ås;per.as@oslo.kommune.no;Utdanningsetaten;Avdelingsdirektør;2;\n"
)


@pytest.fixture
def orgs(db):
    return (
        OrganisationFactory(name="Bydel Grünerløkka", kind="district"),
        OrganisationFactory(name="Utdanningsetaten", code="UDE"),
    )


@pytest.fixture
def hr(db):
    return HRUserFactory()


def test_import_creates_users_and_leaders(orgs, hr):
    result = leaders_import(file=GOOD.encode("utf-8"), by=hr)
    assert result.ok and (result.created, result.updated, result.unchanged) == (2, 0, 0)
    leader = Leader.objects.select_related("user", "organisation").get(user__email="ase.odegard@oslo.kommune.no")
    assert leader.user.name == "Åse Ødegård"
    assert not leader.user.has_usable_password()
    assert (leader.organisation, leader.level, leader.top_leader_since) == (orgs[0], 1, date(2021, 3, 1))


def test_reimporting_the_same_file_changes_nothing(orgs, hr):
    leaders_import(file=GOOD.encode(), by=hr)
    before = list(Leader.objects.order_by("pk").values())
    result = leaders_import(file=GOOD.encode(), by=hr)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert list(Leader.objects.order_by("pk").values()) == before


def test_changed_rows_update_existing_leaders(orgs, hr):
    leaders_import(file=GOOD.encode(), by=hr)
    result = leaders_import(file=GOOD.replace("Avdelingsdirektør;2", "Direktør;1").encode(), by=hr)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert Leader.objects.get(user__email="per.as@oslo.kommune.no").level == 1


def test_existing_user_without_leader_profile_gets_one(orgs, hr):
    User.objects.create_user("per.as@oslo.kommune.no", name="Per")
    result = leaders_import(file=GOOD.encode(), by=hr)
    assert result.created == 2
    assert User.objects.get(email="per.as@oslo.kommune.no").name == "Per Ås"


@pytest.mark.parametrize(
    "encode",
    [
        lambda t: t.encode("utf-8"),
        lambda t: t.encode("utf-8-sig"),
        lambda t: t.encode("cp1252"),
        lambda t: t.replace(";", ",").encode("utf-8-sig"),
    ],
    ids=["utf8", "utf8-bom", "windows-1252", "comma"],
)
def test_accepts_excel_encodings_and_both_separators(orgs, hr, encode):
    result = leaders_import(file=encode(GOOD), by=hr)
    assert result.ok, result.errors
    assert set(User.objects.values_list("name", flat=True)) >= {"Åse Ødegård", "Per Ås"}
    assert Leader.objects.get(user__email="ase.odegard@oslo.kommune.no").organisation == orgs[0]


def test_norwegian_headers_and_dates_and_org_codes(orgs, hr):
    text = "Navn;E-post;Virksomhet;Tittel;Nivå;Toppleder_siden\nKari;kari@oslo.kommune.no;UDE;Direktør;1;01.02.2020\n"
    result = leaders_import(file=text.encode("cp1252"), by=hr)
    assert result.ok, result.errors
    assert Leader.objects.get().top_leader_since == date(2020, 2, 1)


def test_every_bad_row_is_reported_by_line_and_nothing_is_written(orgs, hr):
    text = (
        "name;email;organisation;title;level;top_leader_since\n"
        "Ok Person;ok@oslo.kommune.no;Utdanningsetaten;Direktør;1;\n"  # line 2: fine
        "Bad Mail;not-an-email;Utdanningsetaten;;1;\n"  # 3
        "Nowhere;n@oslo.kommune.no;Atlantis etat;;1;\n"  # 4
        "Twice;OK@oslo.kommune.no;Utdanningsetaten;;1;\n"  # 5: duplicate of line 2
        "Level;l@oslo.kommune.no;Utdanningsetaten;;4;\n"  # 6
        "Date;d@oslo.kommune.no;Utdanningsetaten;;1;31.02.2020\n"  # 7
        ";x@oslo.kommune.no;Utdanningsetaten;;1;\n"  # 8: no name
        "Short;s@oslo.kommune.no\n"  # 9: wrong number of fields
    )
    result = leaders_import(file=text.encode(), by=hr)
    assert not result.ok
    assert [line for line, _ in result.errors] == [3, 4, 5, 6, 7, 8, 9]
    assert "also appears on line 2" in result.errors[2][1]
    assert not Leader.objects.exists() and not User.objects.exclude(pk=hr.pk).exists()


def test_every_import_message_has_a_norwegian_translation():
    """The messages are shown in Norwegian: each msgid in imports.py has a bokmål msgstr in our .po part."""
    import ast
    from pathlib import Path

    import polib

    import programmes.services.imports as module

    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    msgids = {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_" and node.args
    }
    parts = Path(module.__file__).resolve().parents[2] / "locale/nb/parts"
    translated = {e.msgid for path in parts.glob("*.po") for e in polib.pofile(str(path)) if e.msgstr}
    assert len(msgids) > 10
    assert msgids - translated == set()


@pytest.mark.parametrize(
    "header",
    ["name;email\n", "name;email;organisation;e-post\n", "shoe size;name\n"],
)
def test_wrong_columns_are_reported_on_line_1(orgs, hr, header):
    result = leaders_import(file=(header + "a;b;c;d\n").encode(), by=hr)
    assert result.errors and result.errors[0][0] == 1
    assert not Leader.objects.exists()


def test_empty_file_is_an_error(hr):
    assert leaders_import(file=b"", by=hr).errors
    assert leaders_import(file=b"name;email;organisation\n", by=hr).errors


def test_dry_run_reports_without_writing(orgs, hr):
    result = leaders_import(file=GOOD.encode(), by=hr, dry_run=True)
    assert result.ok and result.created == 2 and result.dry_run
    assert not Leader.objects.exists()


def test_import_can_enrol_into_a_programme_idempotently(orgs, hr):
    programme = ProgrammeFactory()
    existing = LeaderFactory(
        user__email="per.as@oslo.kommune.no",
        organisation=orgs[1],
        level=2,
        title="Avdelingsdirektør",
        top_leader_since=None,
    )
    existing.user.name = "Per Ås"
    existing.user.save()
    result = leaders_import(file=GOOD.encode(), by=hr, programme=programme)
    assert (result.created, result.unchanged, result.enrolled) == (1, 1, 2)
    again = leaders_import(file=GOOD.encode(), by=hr, programme=programme)
    assert (again.created, again.updated, again.unchanged, again.enrolled) == (0, 0, 2, 0)
    assert ProgrammeEnrolment.objects.filter(programme=programme).count() == 2


def test_import_into_programme_refuses_ineligible_rows(orgs, hr):
    programme = ProgrammeFactory(eligible_levels=[1])
    result = leaders_import(file=GOOD.encode(), by=hr, programme=programme)
    assert [line for line, _ in result.errors] == [3]
    assert not Leader.objects.exists()


def test_accepts_an_uploaded_file_object(orgs, hr):
    from django.core.files.uploadedfile import SimpleUploadedFile

    result = leaders_import(file=SimpleUploadedFile("ledere.csv", GOOD.encode("utf-8-sig")), by=hr)
    assert result.created == 2


def test_errors_read_in_norwegian_for_a_norwegian_user(orgs, hr):
    from django.utils import translation

    text = "navn;e-post;virksomhet\nKari;kari;Atlantis\nKari;kari;Atlantis\n"
    with translation.override("nb"):
        result = leaders_import(file=text.encode(), by=hr)
    assert [line for line, _ in result.errors] == [2, 2, 3, 3]
    messages = " ".join(m for _, m in result.errors)
    assert "er ikke en gyldig e-postadresse" in messages
    assert "Virksomhet: ukjent virksomhet «Atlantis»" in messages


@pytest.mark.parametrize(
    "raw,message",
    [
        (GOOD.encode("utf-16"), "The file is not a CSV text file. In Excel, save it as “CSV UTF-8” or “CSV”."),
        (
            b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00",
            "The Excel file could not be read. Save it again as .xlsx or as CSV.",
        ),
    ],
    ids=["utf-16", "broken-xlsx"],
)
def test_utf16_or_broken_files_get_a_clear_message(orgs, hr, raw, message):
    result = leaders_import(file=raw, by=hr)
    assert result.errors == [(1, message)]
    assert not Leader.objects.exists()
