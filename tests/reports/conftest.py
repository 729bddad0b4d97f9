"""A small but complete programme for the report tests, plus PDF read-back helpers."""

import io
import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone

from programmes.models import Contributor, Measure, MeasureArea, Registration, Session
from tests.factories import LeaderFactory, OrganisationFactory, SectorFactory
from tests.programmes.factories import CommitmentFactory, EnrolmentFactory, ProgrammeFactory, SessionFactory

NOTE_SECRET = "KONFIDENSIELT-notat-som-aldri-skal-ut"
PAIR_SECRET = "PRIVAT-parnotat-som-aldri-skal-ut"


def pdf_text(pdf: bytes) -> str:
    """The PDF's text as poppler reads it (layout kept, so table rows stay on one line)."""
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return out.stdout.decode("utf-8")


def pdf_flat(pdf: bytes) -> str:
    """The PDF's text in reading order with all whitespace collapsed (names that wrap in a cell)."""
    import re

    out = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    return re.sub(r"\s+", " ", out.stdout.decode("utf-8"))


def pdf_fonts(pdf: bytes) -> str:
    return subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def pypdf_reader(pdf: bytes):
    from pypdf import PdfReader

    return PdfReader(io.BytesIO(pdf))


@pytest.fixture
def measure_areas(db):
    from toppleder import reference

    areas = []
    for i, e in enumerate(reference.entries("measure_areas")):
        area, _ = MeasureArea.objects.get_or_create(
            key=e["key"], defaults={"name_nb": e["nb"], "name_en": e["en"], "order": i}
        )
        areas.append(area)
    return areas


@pytest.fixture
def programme_data(db, measure_areas):
    """Two sectors, three organisations, six enrolled leaders, three held sessions, one future.

    Attendance (held sessions s1, s2, s3, all open to everyone):
      leaders 0,1 (Org A, sector HEL): all three; leader 2 (Org B, HEL): one;
      leader 3 (Org C, KUL): two; leaders 4,5 (Org C): none.
    """
    now = timezone.now()
    hel = SectorFactory(code="HEL", name="Helse og velferd")
    kul = SectorFactory(code="KUL", name="Kultur og næring")
    org_a = OrganisationFactory(name="Bydel Alna", sector=hel)
    org_b = OrganisationFactory(name="Sykehjemsetaten", sector=hel)
    org_c = OrganisationFactory(name="Kulturetaten", sector=kul)
    programme = ProgrammeFactory(name='Toppleder <script>&"', period="2026/27", goal="Økt samhandling")
    orgs = [org_a, org_a, org_b, org_c, org_c, org_c]
    leaders = []
    for i, org in enumerate(orgs):
        leader = LeaderFactory(organisation=org, user__name=f"Leder Nummer{i}", user__email=f"leder{i}@example.test")
        EnrolmentFactory(programme=programme, leader=leader)
        leaders.append(leader)
    m_short = Measure.objects.create(
        area=measure_areas[0], text="Etablere refleksjonsgrupper", horizon="short", status="in_progress"
    )
    Measure.objects.create(area=measure_areas[1], text="Kommunikasjonsplan", horizon="short", status="done")
    m_long = Measure.objects.create(area=measure_areas[2], text="Tillitsbasert ledelse", horizon="long")
    sessions = []
    for i, kind in enumerate(["theme_gathering", "theme_gathering", "leader_conference"]):
        s = SessionFactory(
            programme=programme,
            kind=kind,
            title=f"Samling {i + 1}",
            starts_at=now - timedelta(days=30 - i * 7),
            ends_at=now - timedelta(days=30 - i * 7) + timedelta(hours=3),
            status=Session.Status.COMPLETED,
            place="Rådhuset",
        )
        sessions.append(s)
    sessions[0].measures.add(m_short)
    sessions[2].measures.add(m_short, m_long)
    future = SessionFactory(
        programme=programme,
        title="Framtidig samling",
        starts_at=now + timedelta(days=10),
        ends_at=now + timedelta(days=10, hours=2),
    )
    Contributor.objects.create(session=sessions[0], name="Professor Plato", affiliation="BI", kind="academia")
    attended = {0: [0, 1, 2], 1: [0, 1, 2], 2: [0], 3: [0, 1]}
    for li, leader in enumerate(leaders):
        for si, s in enumerate(sessions):
            went = si in attended.get(li, [])
            Registration.objects.create(
                session=s,
                leader=leader,
                status=Registration.Status.CONFIRMED,
                attendance=Registration.Attendance.ATTENDED if went else Registration.Attendance.NO_SHOW,
            )
    Registration.objects.create(session=future, leader=leaders[0], status=Registration.Status.CONFIRMED)
    CommitmentFactory(
        programme=programme, session=sessions[0], text="Dele erfaringer om turnus", parties=[leaders[0], leaders[3]]
    )
    return {
        "programme": programme,
        "leaders": leaders,
        "sessions": sessions,
        "future": future,
        "orgs": [org_a, org_b, org_c],
        "measures": [m_short, m_long],
    }


# The content tests match English words (the source language, independent of how far the
# shared Norwegian catalogue has got); tests of the Norwegian default make their own users.
@pytest.fixture
def hr_user(hr_user):
    hr_user.language = "en"
    hr_user.save(update_fields=["language"])
    return hr_user


@pytest.fixture
def admin_user(admin_user):
    admin_user.language = "en"
    admin_user.save(update_fields=["language"])
    return admin_user


@pytest.fixture
def leader(leader):
    leader.user.language = "en"
    leader.user.save(update_fields=["language"])
    return leader


def struct_alts(pdf: bytes) -> list[tuple[str, str]]:
    """(structure type, alt text) of every /Figure in the PDF's tag tree."""
    found = []

    def walk(node):
        node = node.get_object()
        if isinstance(node, list):
            for kid in node:
                walk(kid)
            return
        if not hasattr(node, "get"):
            return
        if node.get("/S") == "/Figure":
            found.append(("Figure", str(node.get("/Alt", ""))))
        kids = node.get("/K")
        if kids is not None:
            walk(kids if isinstance(kids, list) else [kids])

    walk(pypdf_reader(pdf).trailer["/Root"]["/StructTreeRoot"])
    return found
