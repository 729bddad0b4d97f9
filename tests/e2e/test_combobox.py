"""Long lists are picked by name: every select with more than a handful of options becomes Punkt's
searchable combobox. By keyboard only, HR types part of a name, picks it with the arrow keys and
Enter, and the form sends exactly that choice; the page passes axe; without JavaScript the plain
select still works."""

import pytest
from django.urls import reverse

from programmes.models import ProgrammeEnrolment
from tests.e2e.conftest import format_violations, login, new_context, run_axe
from tests.factories import HRUserFactory, LeaderFactory, LeaderGroupFactory, OrganisationFactory
from tests.programmes.factories import ProgrammeFactory

PASSWORD = "Combobox-2026"


@pytest.mark.django_db(transaction=True)
def test_hr_picks_an_organisation_by_typing_and_the_arrow_keys(live_server, browser, staff_without_mfa):
    HRUserFactory(email="combo.hr@toppleder.example", password=PASSWORD)
    programme = ProgrammeFactory(name="Tilbud 2027")
    names = [
        f"Bydel {n}" for n in ("Alna", "Bjerke", "Frogner", "Gamle Oslo", "Grorud", "Nordstrand", "Sagene", "Ullern")
    ]
    orgs = {name: OrganisationFactory(name=name) for name in names}
    for org in orgs.values():
        LeaderGroupFactory(organisation=org, members=[LeaderFactory(organisation=org)])
    context = new_context(browser, live_server.url)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, "combo.hr@toppleder.example", PASSWORD)
    page.goto(reverse("programmes:enrolment_list", args=[programme.pk]))
    box = page.locator("pkt-combobox").filter(has_text="Virksomheter")
    box.wait_for()
    assert page.locator("select[name=organisations]").is_hidden()
    field = box.locator("input").first
    field.focus()
    page.keyboard.type("Gamle")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    chosen = page.evaluate("[...document.querySelector('select[name=organisations]').selectedOptions].map(o => o.text)")
    assert chosen == ["Bydel Gamle Oslo"]
    violations = run_axe(page)
    assert not violations, format_violations(violations)
    page.keyboard.press("Escape")  # a multiple choice stays open for more; Escape closes it
    page.locator("form:has(select[name=organisations]) button[type=submit]").press("Enter")
    page.wait_for_load_state("load")
    enrolled = set(
        ProgrammeEnrolment.objects.filter(programme=programme).values_list("leader__organisation__name", flat=True)
    )
    assert enrolled == {"Bydel Gamle Oslo"}
    assert not errors, errors
    context.close()

    # Without JavaScript the select is the form (the combobox is only an enhancement).
    plain = browser.new_context(base_url=live_server.url, java_script_enabled=False, locale="nb-NO")
    page = plain.new_page()
    login(page, "combo.hr@toppleder.example", PASSWORD)
    page.goto(reverse("programmes:enrolment_list", args=[programme.pk]))
    assert page.locator("select[name=organisations]").is_visible()
    plain.close()
