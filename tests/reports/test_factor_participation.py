"""The progress report sets organisations' own 10-FAKTOR factor averages beside their
participation in the programme, per year: factor averages only, never an organisation with
fewer than k leaders taking part, and said plainly to be a side-by-side, not an effect."""

import io
import re
import subprocess
from datetime import datetime, timedelta
from decimal import Decimal

import pikepdf
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from programmes.models import Registration, Session
from reflection_groups.models import GroupMembership, ReflectionGroup
from reports.content.programme import factor_participation
from reports.documents import programme_report
from reports.period import Period
from surveys.models import OrganisationFactorScore
from tests.factories import LeaderFactory, OrganisationFactory
from tests.programmes.factories import EnrolmentFactory, ProgrammeFactory, SessionFactory

pytestmark = pytest.mark.django_db
TZ = timezone.get_default_timezone()
NOW = datetime(2026, 11, 2, 10, 0, tzinfo=TZ)


def _at(year, month, day):
    return datetime(year, month, day, 12, 0, tzinfo=TZ)


def _organisation(programme, name, *, leaders, enrolled_2025, enrolled_2026, scores):
    """An organisation with `leaders` leaders, some enrolled in 2025 and some in 2026, and its
    imported 10-FAKTOR averages {(factor, year): mean}."""
    org = OrganisationFactory(name=name)
    people = [LeaderFactory(organisation=org) for _ in range(leaders)]
    for i, leader in enumerate(people[: enrolled_2025 + enrolled_2026]):
        EnrolmentFactory(programme=programme, leader=leader, enrolled_at=_at(2025 if i < enrolled_2025 else 2026, 3, 1))
    for (factor, year), mean in scores.items():
        OrganisationFactorScore.objects.create(
            organisation=org, year=year, factor=factor, mean=Decimal(mean), respondents=40
        )
    return org, people


@pytest.fixture
def world():
    programme = ProgrammeFactory(name="Tilbud til toppledere")
    alna, alna_people = _organisation(
        programme,
        "Bydel Alna",
        leaders=10,
        enrolled_2025=4,
        enrolled_2026=2,
        scores={("autonomy", 2025): "3.60", ("autonomy", 2026): "3.90", ("role_clarity", 2026): "4.10"},
    )
    _organisation(  # only two leaders take part: left out, never named
        programme, "Bydel Liten", leaders=4, enrolled_2025=2, enrolled_2026=0, scores={("autonomy", 2026): "2.00"}
    )
    held_2025 = SessionFactory(
        programme=programme,
        starts_at=_at(2025, 10, 1),
        ends_at=_at(2025, 10, 1) + timedelta(hours=3),
        status=Session.Status.COMPLETED,
    )
    held_2026 = SessionFactory(
        programme=programme,
        starts_at=_at(2026, 5, 1),
        ends_at=_at(2026, 5, 1) + timedelta(hours=3),
        status=Session.Status.COMPLETED,
    )
    for session, people in ((held_2025, alna_people[:3]), (held_2026, alna_people[:5])):
        for leader in people:
            Registration.objects.create(
                session=session, leader=leader, status="confirmed", attendance=Registration.Attendance.ATTENDED
            )
    group = ReflectionGroup.objects.create(programme=programme, name="Gruppe 1", status="published", kind="self_driven")
    for leader in alna_people[:2]:
        GroupMembership.objects.create(
            group=group, leader=leader, programme=programme, kind=group.kind, joined=_at(2026, 2, 1)
        )
    return {"programme": programme, "alna": alna}


def _rows(org):
    return {r["label"]: r["values"] for r in org["participation"]}, {r["label"]: r["values"] for r in org["factors"]}


@time_machine.travel(NOW, tick=False)
def test_factor_averages_stand_beside_the_organisations_participation_per_year(world):
    data = factor_participation(world["programme"], Period())
    assert data["hidden"] == 1
    [alna] = data["organisations"]
    assert alna["name"] == "Bydel Alna" and alna["years"] == [2025, 2026] and alna["leaders"] == 10
    participation, factors = _rows(alna)
    enrolled, attended, attendances, grouped = participation.values()
    assert enrolled == ["4 (40 %)", "6 (60 %)"]  # enrolled by the end of each year, of its 10 leaders
    assert attended == ["3", "5"] and attendances == ["3", "5"]
    assert grouped == ["0", "2"]
    # In the reference's order of the ten factors, each factor's average per year ("–" where
    # the organisation has none that year).
    assert factors == {"Rolleklarhet": [None, Decimal("4.10")], "Autonomi": [Decimal("3.60"), Decimal("3.90")]}
    # A period limits the years to those it covers.
    [alna_2026] = factor_participation(world["programme"], Period(start=datetime(2026, 1, 1).date()))["organisations"]
    assert alna_2026["years"] == [2026]


@time_machine.travel(NOW, tick=False)
def test_the_queries_do_not_grow_with_the_organisations(world):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            factor_participation(world["programme"], Period())
        return len(ctx.captured_queries)

    before = count()
    for i in range(4):
        _organisation(
            world["programme"],
            f"Etat {i}",
            leaders=6,
            enrolled_2025=5,
            enrolled_2026=1,
            scores={("autonomy", 2025): "3.00", ("autonomy", 2026): "3.50"},
        )
    assert len(factor_participation(world["programme"], Period())["organisations"]) == 5
    assert count() == before == 5


def _tables(pdf: bytes) -> list[dict]:
    """Every /Table of the structure tree with the /Scope of each of its /TH and its /TD count."""
    doc = pikepdf.open(io.BytesIO(pdf))
    found = []

    def walk(node, table=None):
        tag = str(node.get("/S"))
        if tag == "/Table":
            table = {"th": [], "td": 0}
            found.append(table)
        elif tag == "/TH" and table is not None:
            table["th"].append(str(node.get("/A", {}).get("/Scope")))
        elif tag == "/TD" and table is not None:
            table["td"] += 1
        kids = node.get("/K")
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []:
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                walk(kid, table)

    root = doc.Root.StructTreeRoot
    for top in root.K if isinstance(root.K, pikepdf.Array) else [root.K]:
        walk(top)
    return found


@time_machine.travel(NOW, tick=False)
def test_the_pdf_has_a_real_table_and_says_it_is_no_effect(world, hr_user, tmp_path):
    hr_user.language = "nb"
    pdf = programme_report(world["programme"], user=hr_user).pdf
    text = re.sub(r"\s+", " ", subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True).stdout.decode())
    assert "10-FAKTOR og deltakelse per virksomhet" in text
    assert "side om side, ikke en effekt" in text
    assert "Bydel Alna (10 ledere)" in text and "10-FAKTOR: Autonomi" in text and "3,60 3,90" in text
    assert "4 (40 %) 6 (60 %)" in text
    section = text[text.index("10-FAKTOR og deltakelse per virksomhet") :]
    assert "Bydel Liten" not in section  # under k: left out of the 10-FAKTOR tables, not named
    assert "Bydel Liten" in text  # (its participation is in the report's own table, as always)
    assert "1 virksomhet med 10-FAKTOR-tall er utelatt" in text
    # The organisation's table is one /Table, every header scoped: 3 column headers (figure,
    # 2025, 2026; repeated where the table goes over a page) and a row header per row (4
    # participation rows, 2 factors); 6 rows × 2 years of cells.
    ours = [
        t for t in _tables(pdf) if t["th"].count("/Row") == 6 and t["td"] == 12 and t["th"].count("/Column") % 3 == 0
    ]
    assert len(ours) == 1 and set(ours[0]["th"]) == {"/Row", "/Column"}
