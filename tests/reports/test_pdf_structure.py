"""PDF/UA tables in every report: each HTML table is one /Table in the structure tree, even
when it breaks across pages (its header repeated), and every TH says what it heads (/Scope).

WeasyPrint alone tags a table per page and scopes no header; reports/pdf_tags.py mends both.
The data is large enough that the session and programme reports' tables break across pages.
"""

import io

import pikepdf
import pytest
from django.test import RequestFactory
from lxml import html as lxml_html

from programmes.models import Registration
from reports import documents, pdf
from reports.period import Period
from tests.factories import LeaderFactory, OrganisationFactory
from tests.programmes.factories import EnrolmentFactory


def _structure(pdf_bytes: bytes) -> dict:
    """Counts from the structure tree (reached from its root: only what a reader would meet)."""
    doc = pikepdf.open(io.BytesIO(pdf_bytes))
    counts = {"/Table": 0, "/THead": 0, "/TH": 0, "unscoped": 0, "tables_over_pages": 0}
    pages = {page.objgen: n for n, page in enumerate(doc.pages)}

    def pages_of(node) -> set:
        found = set()
        if "/Pg" in node:
            found.add(pages.get(node.Pg.objgen))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []:
            if isinstance(kid, pikepdf.Dictionary) and ("/S" in kid or "/MCID" in kid):
                found |= pages_of(kid) if "/S" in kid else {pages.get(kid.Pg.objgen)}
        return found

    def walk(node):
        tag = str(node.get("/S"))
        if tag in counts:
            counts[tag] += 1
        if tag == "/Table" and len(pages_of(node)) > 1:
            counts["tables_over_pages"] += 1
        if tag == "/TH":
            attrs = node.get("/A")
            if not isinstance(attrs, pikepdf.Dictionary) or str(attrs.get("/Scope")) not in (
                "/Row",
                "/Column",
                "/Both",
            ):
                counts["unscoped"] += 1
        kids = node.get("/K")
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []:
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                walk(kid)

    root = doc.Root.StructTreeRoot
    for top in root.K if isinstance(root.K, pikepdf.Array) else [root.K]:
        walk(top)
    return counts


@pytest.fixture
def rendered(monkeypatch):
    """Every (html, pdf) pair the reports render, captured around the real renderer."""
    pairs = []
    real = pdf.render_pdf

    def keep(html):
        result = real(html)
        pairs.append((html, result))
        return result

    monkeypatch.setattr(pdf, "render_pdf", keep)
    return pairs


@pytest.fixture
def crowded(programme_data):
    """70 more leaders in 35 organisations, all registered for the first session."""
    orgs = [OrganisationFactory(name=f"Virksomhet {i:02d}") for i in range(35)]
    session = programme_data["sessions"][0]
    statuses = [Registration.Status.CONFIRMED, Registration.Status.WAITLISTED, Registration.Status.CANCELLED]
    for i in range(70):
        leader = LeaderFactory(organisation=orgs[i % 35], user__name=f"Leder Lang{i:02d}")
        EnrolmentFactory(programme=programme_data["programme"], leader=leader)
        status = statuses[i % 3]
        position = i if status == Registration.Status.WAITLISTED else None
        Registration.objects.create(session=session, leader=leader, status=status, waitlist_position=position)
    return programme_data


def _check(html: str, result) -> dict:
    tree = lxml_html.fromstring(html)
    counts = _structure(result.pdf)
    assert counts["/Table"] == len(tree.xpath("//table")), counts
    assert counts["/THead"] == len(tree.xpath("//table/thead")), counts
    assert counts["/TH"] >= len(tree.xpath("//th")) and counts["unscoped"] == 0, counts
    return counts


@pytest.mark.django_db
def test_every_report_keeps_one_table_per_html_table_and_scopes_every_header(rendered, crowded, hr_user, admin_user):
    leader = crowded["leaders"][0]
    session = crowded["sessions"][0]
    documents.session_report(session, user=hr_user, hr_version=True)
    documents.session_report(session, user=leader.user, hr_version=False)
    documents.programme_report(crowded["programme"], user=hr_user)
    documents.leader_record(leader, user=leader.user)
    documents.summary_report(Period(), user=admin_user)
    request = RequestFactory().get("/me/data.pdf")
    request.user, request.LANGUAGE_CODE = leader.user, "nb"
    documents.personal_data_report(request)

    assert len(rendered) == 6
    counts = [_check(html, result) for html, result in rendered]
    # The crowded session's and programme's tables really broke across pages (and stayed one).
    assert counts[0]["tables_over_pages"] >= 1 and rendered[0][1].pages > 1
    assert counts[2]["tables_over_pages"] >= 1


def test_a_heading_and_caption_are_never_left_alone_at_the_foot_of_a_page():
    rows = "".join(f"<tr><th scope='row'>Leder {i}</th><td>Bekreftet</td></tr>" for i in range(60))
    html = (
        '<!DOCTYPE html><html lang="nb"><head><meta charset="utf-8"><title>T</title></head><body><h1>Rapport</h1>'
        '<p style="height: 200mm">Fyll</p><h2>Påmeldinger etter status</h2><table><caption>Påmeldinger</caption>'
        f'<thead><tr><th scope="col">Navn</th><th scope="col">Status</th></tr></thead><tbody>{rows}</tbody></table>'
        "</body></html>"
    )
    result = pdf.render_pdf(html)
    first, second = (pdf_text_page(result.pdf, n) for n in (1, 2))
    assert "Påmeldinger" not in first  # the heading and caption went over with the table
    assert "Påmeldinger etter status" in second and "Leder 0" in second
    assert _structure(result.pdf)["/Table"] == 1


def pdf_text_page(pdf_bytes: bytes, number: int) -> str:
    import subprocess

    out = subprocess.run(
        ["pdftotext", "-f", str(number), "-l", str(number), "-", "-"], input=pdf_bytes, capture_output=True, check=True
    )
    return out.stdout.decode()
