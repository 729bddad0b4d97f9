"""In Chromium: HR sets up a programme and a session, enrols a leader; the leader signs up
from the dashboard and cancels again. Buttons are found by their form's action, so the
walk-through does not depend on the wording of the current language.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from programmes.models import Programme, Registration, Session
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, login, new_context
from tests.factories import TEST_PASSWORD, HRUserFactory, LeaderFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


def submit(page, selector):
    with page.expect_navigation():
        page.click(selector)


def test_hr_sets_up_and_a_leader_signs_up_and_cancels(live_server, browser, settings):
    settings.MFA_REQUIRED_FOR_STAFF = False
    hr = HRUserFactory(email="hr.walk@toppleder.example")
    leader = LeaderFactory(user__email="leder.walk@toppleder.example", user__name="Vilde Vandrer")

    # HR: a programme, opened for enrolment.
    ctx = new_context(browser, live_server.url)
    page = ctx.new_page()
    login(page, hr.email, TEST_PASSWORD)
    page.goto("/programmes/new/")
    page.fill("#id_name", "Tilbud til toppledere")
    page.fill("#id_period", "2026/27")
    submit(page, "main form.tl-form button[type=submit]")
    programme = Programme.objects.get(period="2026/27")
    assert page.url.endswith(f"/programmes/{programme.pk}/")
    submit(page, 'a[href$="status=open"]')  # the confirmation: a status never goes back
    submit(page, "main form button[type=submit]")
    programme.refresh_from_db()
    assert programme.status == "open"

    # HR: a session, published.
    starts = timezone.localtime() + timedelta(days=10)
    page.goto(f"/programmes/{programme.pk}/sessions/new/")
    # The kind is a searchable pick list (eleven kinds): typed and chosen by keyboard.
    kind = page.locator("#id_kind[role=combobox]")
    kind.fill("")
    kind.focus()
    page.keyboard.type("Temasam")
    page.locator("#id_kind__listbox [role=option]", has_text="Temasamling").wait_for()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert kind.input_value() == "Temasamling"
    page.fill("#id_title", "Frokostmøte om samhandling")
    page.fill("#id_starts_at", starts.strftime("%Y-%m-%dT09:00"))
    page.fill("#id_ends_at", starts.strftime("%Y-%m-%dT11:00"))
    page.select_option("#id_format", "in_person")
    page.fill("#id_place", "Rådhuset")
    page.fill("#id_capacity", "12")
    submit(page, 'form[action$="/sessions/new/"] button[type=submit]')
    session = Session.objects.get(title="Frokostmøte om samhandling")
    assert session.kind == "theme_gathering"
    assert re.search(rf"/sessions/{session.pk}/edit/$", page.url)
    page.goto(f"/sessions/{session.pk}/")
    submit(page, 'a[href$="/publish/"]')  # the confirmation page: who is invited, the e-mail
    assert page.locator("h1").inner_text() == "Publisere samlingen?"
    submit(page, 'form[action$="/publish/"] button[type=submit]')
    session.refresh_from_db()
    assert session.status == "published"

    # HR: find the leader and enrol them.
    page.goto(f"/programmes/{programme.pk}/enrolments/")
    page.fill("#id_find", "Vandrer")
    submit(page, "form[role=search]:has(#id_find) button[type=submit]")
    submit(page, 'form[action$="/enrolments/add/"] button')
    assert programme.enrolments.filter(leader=leader, status="enrolled").exists()
    ctx.close()

    # The leader: sign up from the dashboard in one click, then cancel.
    ctx = new_context(browser, live_server.url)
    page = ctx.new_page()
    login(page, leader.user.email, TEST_PASSWORD)
    page.goto("/")
    submit(page, f'form[action="/sessions/{session.pk}/register/"] button')
    assert Registration.objects.get(session=session, leader=leader).status == "confirmed"
    assert page.locator(f'form[action="/sessions/{session.pk}/unregister/"] button').count() >= 1
    page.goto(f"/sessions/{session.pk}/")
    submit(page, f'form[action="/sessions/{session.pk}/unregister/"] button')
    assert Registration.objects.get(session=session, leader=leader).status == "cancelled"
    assert page.locator(f'form[action="/sessions/{session.pk}/register/"] button').count() == 1
    ctx.close()
