"""Import of the files HR actually has: Excel and CSV, Norwegian headers, level names, the
portal's own export read back, a template, a preview kept under a token, and partial import."""

import io

import openpyxl
import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from programmes.models import ProgrammeEnrolment
from programmes.services.imports import leaders_import
from tests.factories import HRUserFactory, LeaderFactory, OrganisationFactory
from tests.programmes.factories import ProgrammeFactory
from tests.programmes.web import *  # noqa: F403
from tests.programmes.web import login
from toppleder.audit import AuditEntry
from toppleder.models import Leader

pytestmark = pytest.mark.django_db


def xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(raw: bytes, name="ledere.xlsx"):
    return SimpleUploadedFile(name, raw)


@pytest.fixture
def org(db):
    return OrganisationFactory(name="Bydel Frogner", kind="district")


@pytest.fixture
def hr_user(db):
    return HRUserFactory()


def import_url(programme):
    return reverse("programmes:leaders_import", args=[programme.pk])


# --- reading what HR has -------------------------------------------------------


def test_excel_with_norwegian_headers_level_names_and_extra_columns(org, hr_user):
    raw = xlsx(
        [
            ["Navn", "E-post", " VIRKSOMHET ", "Tittel", "Nivå", "Toppleder siden", "Skostørrelse"],
            ["Kari Nordmann", "Kari@Oslo.example", "Bydel Frogner", "Bydelsdirektør", "Toppleder", "01.03.2021", 39],
            ["Ola Nordmann", "ola@oslo.example", "Bydel Frogner", "Avdelingsdirektør", "Leder på nivå 2", None, 44],
            ["Pia Nordmann", "pia@oslo.example", "Bydel Frogner", "", 3, None, None],
        ]
    )
    result = leaders_import(file=raw, by=hr_user)
    assert result.ok, result.errors
    assert result.ignored_columns == ["Skostørrelse"]
    levels = dict(Leader.objects.values_list("user__email", "level"))
    assert levels == {"kari@oslo.example": 1, "ola@oslo.example": 2, "pia@oslo.example": 3}
    assert str(Leader.objects.get(user__email="kari@oslo.example").top_leader_since) == "2021-03-01"


def test_every_error_names_its_line_and_column_in_norwegian(org, hr_user):
    from django.utils import translation

    raw = xlsx([["navn", "e-post", "virksomhet", "nivå"], ["Kari", "kari", "Bydel Frogner", "sjef"]])
    with translation.override("nb"):
        result = leaders_import(file=raw, by=hr_user)
        missing = leaders_import(file=xlsx([["navn", "tittel"], ["Kari", "x"]]), by=hr_user)
    assert result.errors == [
        (2, "E-post: «kari» er ikke en gyldig e-postadresse."),
        (
            2,
            "Nivå: «sjef» er ikke et nivå: bruk 1, 2 eller 3, eller «Toppleder», «Leder på nivå 2», «Førstelinjeleder».",
        ),
    ]
    assert missing.errors == [(1, "Filen mangler kolonne for: E-post, Virksomhet. Første rad må navngi kolonnene.")]
    assert not Leader.objects.exists()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_portal_s_own_enrolment_export_imports_back_unchanged(client, org, fmt):
    hr = HRUserFactory()
    source, target = ProgrammeFactory(), ProgrammeFactory()
    leaders = [LeaderFactory(organisation=org, level=level, title="Direktør") for level in (1, 2, 3)]
    ProgrammeEnrolment.objects.bulk_create([ProgrammeEnrolment(programme=source, leader=x) for x in leaders])
    login(client, hr)
    exported = client.get(reverse("programmes:export", args=[source.pk, "enrolments", fmt])).content
    result = leaders_import(file=exported, by=hr, programme=target)
    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert result.enrolled == 3
    assert {c.lower() for c in result.ignored_columns} >= {"status", "sektor"}


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_template_downloads_and_its_example_row_imports(client, org, fmt):
    hr = HRUserFactory()
    login(client, hr)
    r = client.get(reverse("programmes:leaders_import_template", args=[fmt]))
    assert r.status_code == 200
    assert "importmal-ledere" in r["Content-Disposition"]
    result = leaders_import(file=r.content, by=hr)
    assert result.ok, result.errors
    assert result.created == 1 and Leader.objects.get().organisation == org


def test_the_template_is_hr_s(me_client):
    assert me_client.get(reverse("programmes:leaders_import_template", args=["csv"])).status_code == 403


# --- all or nothing, or the valid lines --------------------------------------


ROWS = [
    ["navn", "e-post", "virksomhet"],
    ["Kari Nordmann", "kari@oslo.example", "Bydel Frogner"],
    ["Feil Adresse", "ikke-en-adresse", "Bydel Frogner"],
    ["Ola Nordmann", "ola@oslo.example", "Bydel Frogner"],
]


def test_all_or_nothing_writes_nothing_while_a_line_is_wrong(org, hr_user):
    result = leaders_import(file=xlsx(ROWS), by=hr_user)
    assert [line for line, _m in result.errors] == [3]
    assert not Leader.objects.exists()
    assert not AuditEntry.objects.filter(event="leaders_import").exists()


def test_partial_import_takes_the_valid_lines_and_lists_the_rest(org, hr_user):
    programme = ProgrammeFactory()
    result = leaders_import(file=xlsx(ROWS), by=hr_user, programme=programme, partial=True)
    assert [line for line, _m in result.errors] == [3]
    assert result.created == 2 and result.enrolled == 2
    assert set(Leader.objects.values_list("user__email", flat=True)) == {"kari@oslo.example", "ola@oslo.example"}


# --- check first, then import without a second upload -------------------------


def test_check_shows_every_change_and_import_needs_no_second_upload(client, org):
    hr = HRUserFactory()
    programme = ProgrammeFactory()
    LeaderFactory(user__email="kari@oslo.example", user__name="Kari Gammelnavn", organisation=org)
    login(client, hr)
    page = client.post(import_url(programme), {"file": upload(xlsx(ROWS)), "check": "1", "mode": "valid"})
    assert page.status_code == 200
    html = " ".join(page.content.decode().split())
    assert "Navn: Kari Gammelnavn → Kari Nordmann" in html  # the change, before → after
    assert "ola@oslo.example" in html  # the new leader
    assert "ikke-en-adresse" in html  # the line with an error
    assert not Leader.objects.filter(user__email="ola@oslo.example").exists()
    token = page.context["token"]
    done = client.post(import_url(programme), {"token": token, "mode": "valid", "import": "1"}, follow=True)
    assert done.redirect_chain[-1][0] == reverse("programmes:enrolment_list", args=[programme.pk])
    assert Leader.objects.get(user__email="kari@oslo.example").user.name == "Kari Nordmann"
    assert Leader.objects.filter(user__email="ola@oslo.example").exists()
    assert [m.level_tag for m in done.context["messages"]] == ["warning"]  # line 3 was left out, and says so
    again = client.post(import_url(programme), {"token": token, "mode": "valid"}, follow=True)
    assert "ikke lenger lagret" in str(list(again.context["messages"])[-1])  # used up


def test_a_preview_token_is_only_the_checker_s_and_only_for_that_programme(client, org):
    hr, other_hr = HRUserFactory(), HRUserFactory()
    programme, other = ProgrammeFactory(), ProgrammeFactory()
    login(client, hr)
    token = client.post(import_url(programme), {"file": upload(xlsx(ROWS[:2])), "check": "1"}).context["token"]
    client.post(import_url(other), {"token": token, "mode": "all"})
    login(client, other_hr)
    client.post(import_url(programme), {"token": token, "mode": "all"})
    assert not Leader.objects.exists()
    cache.clear()
    login(client, hr)
    r = client.post(import_url(programme), {"token": token, "mode": "all"}, follow=True)
    assert not Leader.objects.exists()
    assert "Last den opp på nytt" in str(list(r.context["messages"])[-1])
