"""Single sign-on for real: Chromium signs in through a real OpenID Connect provider (panva's
`oidc-provider` from npm, tests/e2e/oidc_provider.mjs) and allauth's openid_connect provider.

The provider is started here on a free port with a few accounts; each case uses a fresh
browser profile and goes through the provider's own sign-in and consent pages.
"""

import json
import socket
import subprocess
from pathlib import Path

import pytest
from allauth.socialaccount.models import SocialAccount

from tests.e2e.conftest import format_violations, new_context, run_axe
from tests.factories import HRUserFactory, LeaderFactory
from toppleder.audit import AuditEntry
from toppleder.models import User

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("oidc_provider.mjs")
ACCOUNTS = {
    "astrid": {"email": "astrid@toppleder.example", "email_verified": True, "name": "Astrid Amundsen"},
    # Claims Astrid's address without the provider having verified it: must not get her account.
    "falsk": {"email": "astrid@toppleder.example", "email_verified": False, "name": "Falsk Astrid"},
    "ukjent": {"email": "ukjent@example.org", "email_verified": True, "name": "Ukjent Person"},
    "frida": {
        "email": "frida@toppleder.example",
        "email_verified": True,
        "name": "Frida Fasilitator",
        "groups": ["11111111-aaaa-bbbb-cccc-000000000003"],
    },
    "sluttet": {"email": "sluttet@toppleder.example", "email_verified": True, "name": "Siri Sluttet"},
    "hanne": {"email": "hanne@toppleder.example", "email_verified": True, "name": "Hanne HR", "amr": ["pwd", "mfa"]},
}
FACILITATOR_GROUP = "11111111-aaaa-bbbb-cccc-000000000003"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def provider(live_server, tmp_path, settings):
    accounts = tmp_path / "accounts.json"
    accounts.write_text(json.dumps(ACCOUNTS))
    port = _free_port()
    callback = f"{live_server.url}/accounts/oidc/entra/login/callback/"
    process = subprocess.Popen(
        ["node", str(SCRIPT), str(port), callback, str(accounts)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline()
    assert line.startswith("ready "), process.stderr.read()
    issuer = line.split()[1]
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "entra",
                    "name": "Oslo kommune (Entra ID)",
                    "client_id": "toppleder",
                    "secret": "toppleder-test-secret",
                    "settings": {
                        "server_url": issuer,
                        "token_auth_method": "client_secret_post",
                        "scope": ["openid", "email", "profile", "groups"],
                    },
                }
            ]
        }
    }
    settings.OIDC_GROUP_ROLES = {FACILITATOR_GROUP: "Facilitator"}
    settings.MFA_REQUIRED_FOR_STAFF = False
    yield issuer
    process.terminate()
    process.wait(timeout=10)


def _sign_in_with_sso(browser, live_server, login: str):
    context = new_context(browser, live_server.url)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.click("form.tl-sso button")
    page.wait_for_load_state("load")
    # The provider's own pages: its sign-in form (any password), then consent.
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "passord")
    page.click("button[type=submit]")
    page.wait_for_load_state("load")
    if page.locator("button:has-text('Continue')").count():
        page.click("button:has-text('Continue')")
    page.wait_for_load_state("load")
    return context, page


def _signed_in(page) -> bool:
    return page.evaluate("() => fetch('/healthz/me').then(r => r.status)") == 200


def _accessible(page):
    violations = run_axe(page)
    assert not violations, f"{page.url}\n{format_violations(violations)}"


@pytest.mark.django_db(transaction=True)
def test_sso_signs_in_through_a_real_provider_and_links_by_verified_email_only(live_server, browser, provider):
    astrid = LeaderFactory(user__email="astrid@toppleder.example", user__name="Astrid Amundsen")

    # A provider account that only *claims* her address (not verified) gets nothing.
    context, page = _sign_in_with_sso(browser, live_server, "falsk")
    assert page.locator("h1").inner_text() == "Du har ikke tilgang ennå", page.url
    assert not _signed_in(page)
    assert not SocialAccount.objects.exists()
    context.close()

    # Her own provider account, with a verified address: linked on first sign-in, and in.
    context, page = _sign_in_with_sso(browser, live_server, "astrid")
    assert _signed_in(page), page.url
    assert page.url.rstrip("/") == live_server.url
    assert SocialAccount.objects.get(provider="entra").user_id == astrid.user_id
    assert User.objects.get(pk=astrid.user_id).has_usable_password()  # HR's account keeps its password
    assert AuditEntry.objects.filter(action="login", actor=astrid.user).exists()
    context.close()


@pytest.mark.django_db(transaction=True)
def test_an_unknown_person_gets_a_clear_no_access_page_and_no_account(live_server, browser, provider):
    users_before = User.objects.count()
    context, page = _sign_in_with_sso(browser, live_server, "ukjent")
    assert page.locator("h1").inner_text() == "Du har ikke tilgang ennå"
    assert "HR" in page.locator("main").inner_text()
    _accessible(page)
    assert not _signed_in(page)
    assert User.objects.count() == users_before
    context.close()


@pytest.mark.django_db(transaction=True)
def test_group_claims_give_the_configured_role(live_server, browser, provider):
    frida = User.objects.create_user(email="frida@toppleder.example", name="Frida Fasilitator")
    context, page = _sign_in_with_sso(browser, live_server, "frida")
    assert _signed_in(page)
    assert list(frida.groups.values_list("name", flat=True)) == ["Facilitator"]
    entry = AuditEntry.objects.get(event="roles_from_sso")
    assert entry.changes == {"groups": [[], ["Facilitator"]]}
    context.close()


@pytest.mark.django_db(transaction=True)
def test_a_deactivated_account_is_refused(live_server, browser, provider):
    leader = LeaderFactory(user__email="sluttet@toppleder.example")
    User.objects.filter(pk=leader.user_id).update(is_active=False)
    context, page = _sign_in_with_sso(browser, live_server, "sluttet")
    assert not _signed_in(page)
    assert page.locator("h1").inner_text() == "Denne kontoen er deaktivert"
    context.close()


@pytest.mark.django_db(transaction=True)
def test_a_forged_callback_gets_a_norwegian_page_no_session_and_an_audit_entry(live_server, browser, provider):
    context = new_context(browser, live_server.url)
    page = context.new_page()
    page.goto("/accounts/oidc/entra/login/callback/?code=stjalet-kode&state=forfalsket")
    assert page.locator("h1").inner_text() == "Innloggingen via fellestjenesten virket ikke"
    _accessible(page)
    assert not _signed_in(page)
    entry = AuditEntry.objects.get(action="login_failed", actor_label="single sign-on")
    assert entry.changes["sso"] == "entra"
    context.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("trusted", [False, True])
def test_staff_need_two_factor_under_the_production_profile_unless_the_providers_is_trusted(
    live_server, browser, provider, settings, trusted
):
    """DJANGO_DEBUG=false: staff signing in through SSO are sent to set up TOTP, unless the
    provider's own MFA (`amr`) is trusted by configuration."""
    settings.DEBUG = False
    settings.MFA_REQUIRED_FOR_STAFF = True
    settings.OIDC_TRUSTED_AMR = ["mfa"] if trusted else []
    HRUserFactory(email="hanne@toppleder.example", name="Hanne HR")
    context, page = _sign_in_with_sso(browser, live_server, "hanne")
    page.goto("/programmes/")
    if trusted:
        assert page.url.endswith("/programmes/"), page.url
    else:
        assert "/accounts/" in page.url and "/programmes/" not in page.url, page.url
    context.close()
