"""In Chromium: HR makes three parallel leader-group courses from one template in one step
and follows them; a leader chooses network themes on the front page's link; HR sees the answer.

Screenshots of each screen go to $TOPPLEDER_SHOTS when it is set (for a person to look at)."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from programmes import services as programme_services
from programmes.models import Course, Session
from reflection_groups import services as group_services
from reflection_groups.models import ThemeChoice
from tests.e2e.conftest import format_violations, login, new_context, run_axe
from tests.factories import HRUserFactory, LeaderFactory, LeaderGroupFactory, OrganisationFactory
from tests.programmes.factories import ProgrammeFactory

PASSWORD = "Forlop-2026-journey"


def shot(page, name):
    folder = os.environ.get("TOPPLEDER_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)
    violations = run_axe(page)
    assert not violations, format_violations(violations)


@pytest.mark.django_db(transaction=True)
def test_hr_makes_parallel_courses_and_a_leader_chooses_network_themes(live_server, browser, staff_without_mfa):
    hr = HRUserFactory(email="hr.forlop@toppleder.example", password=PASSWORD, name="Hanne HR")
    programme = ProgrammeFactory(name="Tilbud til toppledere")
    groups = []
    for name in ("Bydel Alna", "Bydel Bjerke", "Bydel Grorud"):
        org = OrganisationFactory(name=name, kind="district")
        groups.append(LeaderGroupFactory(organisation=org, members=[LeaderFactory(organisation=org) for _ in range(3)]))
    me = groups[0].members.order_by("pk").first()
    me.user.set_password(PASSWORD)
    me.user.save()
    programme_services.course_template_create(
        name="Ledergruppeutvikling", session_titles=["Oppstart", "Samhandling", "Avslutning"], by=hr
    )

    page = new_context(browser, live_server.url).new_page()
    login(page, hr.email, PASSWORD)
    page.goto(f"/programmes/{programme.pk}/")
    with page.expect_navigation():
        page.click("text=Ledergruppeforløp")
    with page.expect_navigation():
        page.click("text=Opprett forløp fra en mal")
    shot(page, "courses-1-form")
    page.select_option("#id_groups", [str(g.pk) for g in groups])
    start = timezone.localtime(timezone.now() + timedelta(days=14)).replace(hour=13, minute=0)
    page.fill("#id_first_starts_at", start.strftime("%Y-%m-%dT%H:%M"))
    # No place for sessions held in person: refused, with the message by the field, nothing made.
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "trenger et sted" in page.inner_text("main")
    assert not Course.objects.exists()
    shot(page, "courses-2-error")
    page.fill("#id_place", "Rådhuset, møterom 5")
    page.check("#id_publish")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert Course.objects.count() == 3 and Session.objects.filter(status="published").count() == 9
    shot(page, "courses-3-list")
    with page.expect_navigation():
        page.click("text=Ledergruppeutvikling – Toppledergruppen i Bydel Alna")
    assert "Oppmøte i Toppledergruppen i Bydel Alna" in page.inner_text("main")
    shot(page, "courses-4-course")

    # Networks by interest: HR opens a theme choice; the leader chooses on the front page's link.
    now = timezone.now()
    window = group_services.theme_window_open(
        programme=programme,
        title="Nettverksgrupper 2027",
        themes=["Fra strategi til handling", "Digitalisering og digital transformasjon", "Styringsdialogen"],
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=7),
        by=hr,
    )
    leader_page = new_context(browser, live_server.url).new_page()
    login(leader_page, me.user.email, PASSWORD)
    assert "du har ikke valgt ennå" in leader_page.inner_text("main")
    shot(leader_page, "networks-1-front")
    with leader_page.expect_navigation():
        leader_page.click("text=Nettverksgrupper 2027")
    leader_page.select_option("#id_choice_1", "Styringsdialogen")
    leader_page.select_option("#id_choice_2", "Fra strategi til handling")
    shot(leader_page, "networks-2-choose")
    with leader_page.expect_navigation():
        leader_page.click("main form button[type=submit]")
    assert "du valgte Styringsdialogen, Fra strategi til handling" in leader_page.inner_text("main")
    assert ThemeChoice.objects.get(window=window).themes == ["Styringsdialogen", "Fra strategi til handling"]
    # The course is on the leader's front page too.
    assert "Ledergruppeutvikling – Toppledergruppen i Bydel Alna" in leader_page.inner_text("main")
    shot(leader_page, "networks-3-saved")

    page.goto(f"/networks/themes/{window.pk}/")
    assert "1 (av dem 0 uten preferanse)" in page.inner_text("main")
    shot(page, "networks-4-hr")
