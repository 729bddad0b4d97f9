"""Form errors and messages a screen-reader user hears, tried with the keyboard only.

A failed submit puts an error summary at the top of main ("Skjemaet har N feil"), focused, the
title starts with "Feil: ", and each link in the summary moves focus to its field (radio groups
included). A success message after a redirect lands in a live region that was empty at load.
"""

import pytest

from tests.e2e.conftest import format_violations, login, new_context, run_axe
from tests.factories import HRUserFactory
from tests.surveys.factories import InvitationFactory

PASSWORD = "Form-errors-2026"


def _tab_to(page, element_id: str, limit: int = 60) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == element_id:
            return
    raise AssertionError(f"Tab never reached #{element_id}")


def _follow_each_summary_link(page) -> list[str]:
    """Keyboard only: from the focused summary, Tab to the n-th link, Enter, and note where focus is."""
    targets = page.eval_on_selector_all("#tl-error-summary a", "links => links.map(a => a.dataset.errorTarget)")
    reached = []
    for n in range(len(targets)):
        page.focus("#tl-error-summary")  # back to the summary, as Shift+Tab from the field would
        for _ in range(n + 1):
            page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('#tl-error-summary') !== null")
        page.keyboard.press("Enter")
        reached.append(page.evaluate("document.activeElement.id"))
    assert reached == targets
    return reached


@pytest.mark.django_db(transaction=True)
def test_failed_form_focuses_the_summary_and_its_links_move_focus_to_the_fields(
    live_server, browser, staff_without_mfa
):
    HRUserFactory(email="hr-feil@toppleder.example", password=PASSWORD)
    context = new_context(browser, live_server.url)
    page = context.new_page()
    login(page, "hr-feil@toppleder.example", PASSWORD)
    page.goto("/programmes/new/")
    title = page.title()
    # Keyboard only: into the name field, clear the form's required fields and submit with Enter.
    _tab_to(page, "id_name")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.title().startswith("Feil: ") and page.title() == f"Feil: {title}"
    assert page.evaluate("document.activeElement.id") == "tl-error-summary"
    summary = page.locator("#tl-error-summary")
    count = summary.locator("a").count()
    assert count >= 2
    assert summary.get_by_role("heading").inner_text() == f"Skjemaet har {count} feil"
    # The summary comes first in main, before the heading.
    assert page.evaluate("document.querySelector('main').firstElementChild.id") == "tl-error-summary"
    name = page.locator("#id_name")
    assert name.get_attribute("aria-invalid") == "true"
    assert "id_name_error" in name.get_attribute("aria-describedby")

    reached = _follow_each_summary_link(page)
    assert reached[0] == "id_name"
    print("\nfailed form, accessibility snapshot of main:\n" + page.locator("main").aria_snapshot())
    violations = run_axe(page)
    assert not violations, format_violations(violations)

    # Fill it in and save: the success message arrives in a live region empty at load.
    page.fill("#id_name", "Lederløft Oslo")
    for field_id in reached[1:]:
        field = page.locator(f"#{field_id}")
        if field.get_attribute("type") in ("date", "text", None) and field.evaluate("e => e.tagName") != "SELECT":
            field.fill("2026-10-19" if field.get_attribute("type") == "date" else "Lederløft Oslo")
    statuses = []
    page.expose_function("noteStatus", lambda text: statuses.append(text))
    page.add_init_script(
        "document.addEventListener('DOMContentLoaded', () => noteStatus("
        "document.getElementById('tl-live-status').textContent.trim()))"
    )
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    assert not page.title().startswith("Feil"), page.locator("#tl-error-summary").inner_text()
    page.get_by_role("status").filter(has_text="Programmet er opprettet.").wait_for()
    assert page.locator("h1").inner_text().startswith("Lederløft Oslo")
    assert statuses == [""]  # empty when the page loaded, filled after: screen readers announce it
    print("success message, accessibility snapshot:\n" + page.locator(".tl-messages").aria_snapshot())
    context.close()


@pytest.mark.django_db(transaction=True)
def test_unanswered_survey_question_links_to_its_first_radio(live_server, page):
    inv = InvitationFactory()
    first = inv.survey.questionnaire.questions.order_by("order").first()
    page.goto(f"{live_server.url}/surveys/answer/{inv.token}/")
    # Answer nothing; the required questions are now errors.
    with page.expect_navigation():
        page.locator("button[value=next]").press("Enter")
    assert page.title().startswith("Feil: ")
    assert page.evaluate("document.activeElement.id") == "tl-error-summary"
    reached = _follow_each_summary_link(page)
    assert reached[0] == f"q{first.pk}-1"
    radio = page.locator(f"#q{first.pk}-1")
    assert radio.get_attribute("aria-invalid") == "true"
    assert page.evaluate("document.activeElement.type") == "radio"
