"""The HR survey pages and the leader's survey panel pass axe (WCAG 2.1 A/AA) with real data,
including suppressed cells, the wave chart and an editable questionnaire."""

from datetime import timedelta

import pytest
from django.utils import timezone

from surveys import services
from tests.e2e.conftest import format_violations, login, new_context, run_axe
from tests.factories import HRUserFactory, LeaderFactory
from tests.surveys.factories import InvitationFactory, QuestionnaireFactory, SurveyFactory, add_responses

PASSWORD = "Survey-pages-2026"


def _closed(**kw):
    now = timezone.now()
    return SurveyFactory(opens_at=now - timedelta(days=30), closes_at=now - timedelta(days=1), **kw)


def _check(page, url):
    response = page.goto(url)
    assert response.status == 200, url
    assert page.locator("h1").count() == 1, url
    violations = run_axe(page)
    assert not violations, f"{url}\n{format_violations(violations)}"
    # Reflow (WCAG 1.4.10): no horizontal scrolling at 320 CSS px.
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), url
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.django_db(transaction=True)
def test_hr_survey_pages_pass_axe(live_server, browser, staff_without_mfa):
    HRUserFactory(email="hr-survey@toppleder.example", password=PASSWORD)
    base = _closed(kind="baseline", wave=1)
    follow = _closed(kind="follow_up", wave=2, programme=base.programme)
    for survey, values in ((base, [2, 3]), (follow, [3, 4])):
        add_responses(survey, 12, sector_code="HEL", values=values, text="Mer samarbeid")
        add_responses(survey, 8, sector_code="MOS", values=values)
        add_responses(survey, 2, sector_code="BLK", values=values)
    editable = QuestionnaireFactory()
    services.questions_replace(
        questionnaire=editable, questions=[{"kind": "likert", "text": "Tillit", "dimension": "trust"}]
    )
    page = new_context(browser, live_server.url).new_page()
    login(page, "hr-survey@toppleder.example", PASSWORD)
    s = live_server.url
    for url in (
        f"{s}/surveys/",
        f"{s}/surveys/new/",
        f"{s}/surveys/{follow.pk}/",
        f"{s}/surveys/{follow.pk}/results/",
        f"{s}/surveys/{follow.pk}/results/?segment=sector",
        f"{s}/surveys/{follow.pk}/results/?segment=sector&value=HEL",
        f"{s}/surveys/{follow.pk}/results/?segment=sector&value=BLK",
        f"{s}/surveys/questionnaires/",
        f"{s}/surveys/questionnaires/{base.questionnaire.pk}/",
        f"{s}/surveys/questionnaires/{editable.pk}/",
    ):
        _check(page, url)
    page.goto(f"{s}/surveys/{follow.pk}/results/")
    # Two named charts: the means per wave, and the change with its 95 % interval.
    assert page.locator("svg[role=img] title").count() == 2
    assert page.locator("svg[aria-labelledby='ci-title ci-desc'] circle").count() >= 1


@pytest.mark.django_db(transaction=True)
def test_leader_dashboard_survey_panel_passes_axe(live_server, browser):
    leader = LeaderFactory(user__email="svar@toppleder.example", user__password=PASSWORD)
    inv = InvitationFactory(user=leader.user)
    page = new_context(browser, live_server.url).new_page()
    login(page, "svar@toppleder.example", PASSWORD)
    _check(page, f"{live_server.url}/")
    link = page.locator(f"a[href='/surveys/answer/{inv.token}/']")
    assert link.count() == 1
