"""At 320 px the main menu folds behind one "Meny" button that works by keyboard; at desktop
width the menu is open and the button is gone."""

import os

import pytest

from tests.e2e.conftest import format_violations, run_axe
from tests.factories import HRUserFactory

PASSWORD = "Phone-menu-2026"


def sign_in(page, base):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_login", "meny.hr@toppleder.example")
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state("load")


@pytest.mark.django_db(transaction=True)
def test_the_menu_folds_on_a_phone_and_opens_by_keyboard(live_server, page, staff_without_mfa):
    HRUserFactory(email="meny.hr@toppleder.example", password=PASSWORD)  # HR has the longest menu
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in(page, live_server.url)
    nav = page.locator("nav.tl-nav")
    toggle = page.locator(".tl-nav__toggle")
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator(".tl-nav__link").first.is_visible()
    if os.environ.get("TOPPLEDER_SHOTS"):
        page.screenshot(path=f"{os.environ['TOPPLEDER_SHOTS']}/phone-menu-closed.png")
    assert nav.bounding_box()["height"] <= 64  # one row, not a quarter of the screen
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    toggle.focus()
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('tl-nav__link')")
    if os.environ.get("TOPPLEDER_SHOTS"):
        page.screenshot(path=f"{os.environ['TOPPLEDER_SHOTS']}/phone-menu-open.png")
    violations = run_axe(page)
    assert not violations, format_violations(violations)
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    assert not page.locator(".tl-nav__link").first.is_visible()

    page.set_viewport_size({"width": 1280, "height": 800})
    assert not toggle.is_visible()
    assert page.locator(".tl-nav__link").first.is_visible()
