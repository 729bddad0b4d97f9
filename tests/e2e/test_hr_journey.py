"""HR's journey in Chromium: create a programme, import 50 leaders from the portal's own
Excel export (check first, then import without a second upload), publish a session through its
confirmation page, and cancel it with a message; nothing irreversible happens on the first click.

Screenshots of each screen go to $TOPPLEDER_SHOTS when it is set (for a person to look at)."""

import os
from pathlib import Path

import pytest

from programmes.models import Programme, ProgrammeEnrolment, Session
from tests.e2e.conftest import format_violations, login, new_context, run_axe
from tests.factories import HRUserFactory, LeaderFactory, OrganisationFactory
from tests.programmes.factories import ProgrammeFactory, SessionFactory
from toppleder.models import OutboxMessage

PASSWORD = "Hr-journey-2026"


def shot(page, name):
    folder = os.environ.get("TOPPLEDER_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)
    violations = run_axe(page)
    assert not violations, format_violations(violations)


def click(page, selector):
    with page.expect_navigation():
        page.click(selector)


@pytest.mark.django_db(transaction=True)
def test_hr_creates_imports_publishes_and_cancels(live_server, browser, staff_without_mfa, tmp_path):
    HRUserFactory(email="hr.reise@toppleder.example", password=PASSWORD)
    org = OrganisationFactory(name="Bydel Nordstrand", kind="district")
    old = ProgrammeFactory(name="Topplederprogram", period="2025/26")
    leaders = [LeaderFactory(organisation=org) for _ in range(50)]
    ProgrammeEnrolment.objects.bulk_create([ProgrammeEnrolment(programme=old, leader=x) for x in leaders])
    page = new_context(browser, live_server.url).new_page()
    login(page, "hr.reise@toppleder.example", PASSWORD)

    # The export HR already has, from last year's programme.
    export = page.request.get(f"/programmes/{old.pk}/export/enrolments.xlsx")
    assert export.ok
    xlsx = tmp_path / "ledere.xlsx"
    xlsx.write_bytes(export.body())

    # Create the new programme.
    page.goto("/programmes/new/")
    page.fill("#id_name", "Lederløft")
    page.fill("#id_period", "2026/27")
    click(page, "main form button[type=submit]")
    programme = Programme.objects.get(name="Lederløft")

    # Import: check first, see the preview, import without uploading again.
    page.goto(f"/programmes/{programme.pk}/import/")
    shot(page, "1-import")
    page.set_input_files("#id_file", str(xlsx))
    click(page, "button[name=check]")
    assert "50 nye i programmet" in page.inner_text("main")
    assert not ProgrammeEnrolment.objects.filter(programme=programme).exists()
    shot(page, "2-import-preview")
    click(page, "button[name=import]")
    assert ProgrammeEnrolment.objects.filter(programme=programme).count() == 50
    shot(page, "3-enrolled")

    # Publish: the first click only shows who is invited and the e-mail.
    session = SessionFactory(programme=programme, status=Session.Status.DRAFT, title="Temasamling: Tillit i praksis")
    page.goto(f"/sessions/{session.pk}/")
    click(page, 'a[href$="/publish/"]')
    assert "50 ledere får invitasjon på e-post." in page.inner_text("main")
    session.refresh_from_db()
    assert session.status == "draft" and not OutboxMessage.objects.exists()
    shot(page, "4-publish-confirm")
    click(page, "main form button[type=submit]")
    session.refresh_from_db()
    assert session.status == "published"

    # Cancel with a message: again a confirmation first.
    click(page, 'a[href$="/cancel/"]')
    page.fill("#id_note", "Vi flytter samlingen til januar.")
    shot(page, "5-cancel-confirm")
    session.refresh_from_db()
    assert session.status == "published"
    click(page, "main form button[type=submit]")
    session.refresh_from_db()
    assert session.status == "cancelled"
    shot(page, "6-cancelled")
