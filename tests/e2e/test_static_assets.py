"""Every file a page loads is there: Punkt's icons (a ticked checkbox's tick, a select's
chevron) load from our own static files, not a CDN the CSP blocks and not a wrong path."""

import pytest

from tests.e2e.conftest import login, new_context
from tests.factories import HRUserFactory
from tests.programmes.factories import ProgrammeFactory

PASSWORD = "Static-assets-2026"


@pytest.mark.django_db(transaction=True)
def test_a_form_with_a_ticked_checkbox_and_a_select_loads_every_icon(live_server, browser, staff_without_mfa):
    HRUserFactory(email="ikon@toppleder.example", password=PASSWORD)
    programme = ProgrammeFactory()
    page = new_context(browser, live_server.url).new_page()
    answers = {}
    page.on("response", lambda r: answers.__setitem__(r.url.removeprefix(live_server.url), r.status))
    # A request the browser aborts because the page moves on (net::ERR_ABORTED) is not a missing file.
    page.on(
        "requestfailed",
        lambda r: (
            "ERR_ABORTED" in (r.failure or "") or answers.__setitem__(r.url.removeprefix(live_server.url), "failed")
        ),
    )
    login(page, "ikon@toppleder.example", PASSWORD)
    page.goto("/preferences/")
    box = page.locator("main input[type=checkbox]").first
    box.uncheck()
    box.check()  # a ticked box draws Punkt's tick
    page.wait_for_load_state("networkidle")
    page.goto(f"/programmes/{programme.pk}/sessions/new/")  # selects draw Punkt's chevron
    page.wait_for_load_state("networkidle")
    icons = {path: status for path, status in answers.items() if "/icons/" in path}
    assert icons.get("/static/punkt/icons/check-medium.svg") == 200, icons
    assert icons.get("/static/punkt/icons/chevron-thin-down.svg") == 200, icons
    broken = {path: status for path, status in answers.items() if status != 200 and status != 302}
    assert not broken, broken
