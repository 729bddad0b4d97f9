"""Keyboard use: the skip link comes first and moves focus; the login form works without a mouse."""

import pytest

from tests.factories import LeaderFactory

PASSWORD = "Keyboard-only-2026"


@pytest.mark.django_db(transaction=True)
def test_first_tab_reaches_skip_link_and_enter_moves_focus_to_main(live_server, page):
    page.goto(f"{live_server.url}/accounts/login/")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "({cls: document.activeElement.className, href: document.activeElement.getAttribute('href')})"
    )
    assert focused == {"cls": "tl-skip-link", "href": "#main"}
    assert page.locator(".tl-skip-link").is_visible()  # visible when focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


@pytest.mark.django_db(transaction=True)
def test_login_form_can_be_filled_and_submitted_by_keyboard_only(live_server, page):
    LeaderFactory(user__email="tastatur@toppleder.example", user__name="Tove Tastatur", user__password=PASSWORD)
    page.goto(f"{live_server.url}/accounts/login/")
    for _ in range(15):  # Tab forward until the e-mail field has focus
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "id_login":
            break
    assert page.evaluate("document.activeElement.id") == "id_login"
    page.keyboard.type("tastatur@toppleder.example")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_password"
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == f"{live_server.url}/"
    assert page.locator("h1").inner_text() == "Mitt program"


@pytest.mark.django_db(transaction=True)
def test_user_menu_opens_with_enter_and_closes_with_escape(live_server, page):
    LeaderFactory(user__email="meny@toppleder.example", user__name="Mona Meny", user__password=PASSWORD)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", "meny@toppleder.example")
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state("load")
    for _ in range(10):  # skip link, logo, language button, then the user menu
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.tagName") == "SUMMARY":
            break
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    page.keyboard.press("Enter")
    assert page.locator(".tl-usermenu__panel").is_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('.tl-usermenu__panel') !== null")
    page.keyboard.press("Escape")
    assert not page.locator(".tl-usermenu__panel").is_visible()
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
