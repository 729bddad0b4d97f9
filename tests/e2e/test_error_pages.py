"""The error pages the crawler cannot reach by following links (500, 503, CSRF failure) pass axe too.

Their HTML is rendered by Django as in production, then shown in the browser at the
live server's origin so the stylesheets load.
"""

import pytest
from django.test import Client, RequestFactory
from django.views import defaults

from tests.e2e.conftest import format_violations, new_context, run_axe


def server_error_html() -> str:
    return defaults.server_error(RequestFactory().get("/")).content.decode()


def database_away_html() -> str:
    """The 503 page shown while the database is away (toppleder.views.server_error)."""
    from django.db import OperationalError

    from toppleder.views import server_error

    try:
        raise OperationalError("connection refused")
    except OperationalError:
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 503
    return response.content.decode()


def csrf_failure_html() -> str:
    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {"login": "x@y.no", "password": "z"})
    assert response.status_code == 403
    return response.content.decode()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "render", [server_error_html, database_away_html, csrf_failure_html], ids=["500", "503-database", "csrf"]
)
def test_error_page_is_accessible_and_reflows(live_server, browser, render):
    context = new_context(browser, live_server.url)
    page = context.new_page()
    page.goto("/accessibility/")  # same origin, so /static/ resolves
    page.set_content(render(), wait_until="load")
    assert page.locator("h1").count() == 1
    # Punkt and the portal's CSS really loaded (the footer is Oslo's dark blue), so axe sees the real page.
    assert page.evaluate("getComputedStyle(document.querySelector('footer')).backgroundColor") == "rgb(42, 40, 89)"
    violations = run_axe(page)
    assert not violations, format_violations(violations)
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    context.close()
