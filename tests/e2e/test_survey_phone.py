"""Answering a survey end to end on a phone-sized screen (390 × 844), by touch-sized taps.

The link from the e-mail is the only credential: no sign-in. The test pauses half-way,
comes back through the same link, finishes, and checks that exactly one anonymous
response was stored and the link is then used up.
"""

import pytest

from surveys.models import Answer, Invitation, Response
from tests.e2e.conftest import format_violations, run_axe
from tests.surveys.factories import InvitationFactory

PHONE = {"width": 390, "height": 844}


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.django_db(transaction=True)
def test_leader_answers_a_survey_on_a_phone(live_server, page):
    inv = InvitationFactory()
    questions = list(inv.survey.questionnaire.questions.order_by("order"))
    page.set_viewport_size(PHONE)
    url = f"{live_server.url}/surveys/answer/{inv.token}/"
    page.goto(url)
    assert page.locator("h1").count() == 1
    assert _no_horizontal_scroll(page)
    violations = run_axe(page)
    assert not violations, format_violations(violations)

    # First page: answer by tapping the labels (the big targets), then pause.
    first_page = page.locator("fieldset.tl-likert")
    assert first_page.count() == 4
    progress = page.locator(".tl-answer__progress-text").inner_text()
    assert f"{len(questions)}" in progress
    # Each option is a touch target of at least 44 × 44 CSS px (WCAG 2.5.5).
    target = page.locator(f"label[for='q{questions[0].pk}-4']").locator("xpath=..").bounding_box()
    assert target["height"] >= 44 and target["width"] >= 44
    for q in questions[:4]:
        page.locator(f"label[for='q{q.pk}-4']").click()
    page.locator("button[value=pause]").click()
    page.wait_for_load_state("load")
    assert Response.objects.count() == 0

    # Resume from the link: the first answers are still chosen.
    page.goto(url)
    assert page.locator(f"#q{questions[0].pk}-4").is_checked()

    pages = [questions[i : i + 4] for i in range(0, len(questions), 4)]
    for n, group in enumerate(pages, start=1):
        for q in group:
            if q.is_likert:
                page.locator(f"label[for='q{q.pk}-4']").click()
            else:
                page.locator(f"#q{q.pk}").fill("Flere felles møteplasser på tvers")
        assert _no_horizontal_scroll(page)
        button = "submit" if n == len(pages) else "next"
        with page.expect_navigation():
            page.locator(f"button[value={button}]").click()

    assert "/surveys/thanks/" in page.url
    assert page.locator("h1").count() == 1
    violations = run_axe(page)
    assert not violations, format_violations(violations)
    assert Response.objects.count() == 1
    assert Answer.objects.filter(value=4).count() == sum(1 for q in questions if q.is_likert)
    assert Invitation.objects.get(pk=inv.pk).answered

    # The link is used up: a clear page with 410 Gone.
    response = page.goto(url)
    assert response.status == 410
    assert page.locator("h1").count() == 1
