"""Two-factor authentication for staff, end to end in the browser, on the portal's own pages.

HR must set up TOTP before using the portal (MFA_REQUIRED_FOR_STAFF): signing in sends
them to the set-up page; entering the app's code activates it and the next sign-in asks
for a code. Every page on the way passes axe-core.
"""

import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

from tests.e2e.conftest import format_violations, login, new_context, run_axe
from tests.factories import TEST_PASSWORD, HRUserFactory


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def assert_accessible(page):
    violations = run_axe(page)
    assert not violations, f"{page.url}\n{format_violations(violations)}"
    assert page.locator("h1").count() == 1


@pytest.mark.django_db(transaction=True)
def test_hr_sets_up_totp_when_required_then_signs_in_with_a_code(live_server, browser, settings):
    settings.MFA_REQUIRED_FOR_STAFF = True
    HRUserFactory(email="hanne.hr@toppleder.example", name="Hanne Hansen")
    context = new_context(browser, live_server.url)
    page = context.new_page()

    login(page, "hanne.hr@toppleder.example", TEST_PASSWORD)
    page.goto("/")
    # Straight to setting up the app: the password typed a moment ago is not asked for again.
    assert "/accounts/2fa/totp/activate/" in page.url, page.url
    assert page.locator("h1").inner_text() == "Sett opp autentiseringsappen"
    assert_accessible(page)

    secret = page.input_value("#authenticator_secret")
    page.fill("#id_code", current_code(secret))
    page.click("main form button[type=submit]")
    page.wait_for_load_state("load")
    assert "/accounts/2fa/totp/activate/" not in page.url
    assert_accessible(page)

    page.goto("/")
    assert page.locator("h1").inner_text() == "Oversikt"

    # Signing in again now asks for the code, on the portal's Norwegian page.
    context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("#id_login", "hanne.hr@toppleder.example")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state("load")
    assert "/accounts/2fa/authenticate/" in page.url
    assert page.locator("h1").inner_text() == "Tofaktorautentisering"
    assert_accessible(page)
    page.fill("#id_code", "000000" if current_code(secret) != "000000" else "111111")
    page.click("main form button[type=submit]:not([form])")
    page.wait_for_load_state("load")
    assert "/accounts/2fa/authenticate/" in page.url  # a wrong code is refused
    assert page.locator("[aria-invalid=true]").count() == 1
    page.fill("#id_code", current_code(secret))
    page.click("main form button[type=submit]:not([form])")
    page.wait_for_load_state("load")
    assert page.url == f"{live_server.url}/"
    context.close()
