"""Long pick lists are searchable by name, by keyboard only (static/js/combobox.js): HR types part
of a name, arrows down, presses Enter and submits, and the form posts the id of the object named,
exactly as the plain <select> does without JavaScript. The page passes axe and HTML_CodeSniffer
with the lists open."""

from urllib.parse import parse_qs

import pytest
from django.core.management import call_command
from django.urls import reverse

from programmes.models import Programme
from tests.e2e.conftest import format_htmlcs, format_violations, login, new_context, run_axe, run_htmlcs
from toppleder.models import LeaderGroup, Organisation

PASSWORD = "Combobox-2026"


def posted(request) -> dict[str, list[str]]:
    return parse_qs(request.post_data or "")


@pytest.fixture
def enrolment_page(live_server, browser, staff_without_mfa):
    call_command("seed_demo", size="small", password=PASSWORD, verbosity=0)
    programme = Programme.objects.order_by("pk").first()
    context = new_context(browser, live_server.url)
    page = context.new_page()
    login(page, "hr@toppleder.example", PASSWORD)
    url = reverse("programmes:enrolment_list", args=[programme.pk])
    page.goto(url)
    yield page, url
    context.close()


@pytest.mark.django_db(transaction=True)
def test_a_group_is_picked_by_typing_part_of_its_name(enrolment_page):
    page, url = enrolment_page
    group = LeaderGroup.objects.get(name="Ledergruppen i Bydel Gamle Oslo")
    field = page.locator("#id_group")
    assert field.get_attribute("role") == "combobox"  # the enhanced text field took the select's id
    assert page.locator("label[for='id_group']").count() == 1
    field.focus()
    page.keyboard.type("gamle")
    options = page.locator("#id_group__listbox [role=option]")
    assert options.all_inner_texts() == ["Ledergruppen i Bydel Gamle Oslo"]
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert field.input_value() == "Ledergruppen i Bydel Gamle Oslo"
    violations = run_axe(page)
    assert not violations, format_violations(violations)
    page.keyboard.press("Tab")  # the hidden select is skipped: next is the form's button
    assert page.evaluate("document.activeElement.textContent.trim()") == "Meld på alle i gruppen"
    with page.expect_request(lambda r: r.method == "POST") as request:
        page.keyboard.press("Enter")
    assert posted(request.value)["group"] == [str(group.pk)]
    page.wait_for_selector("#tl-live-status .pkt-alert")
    assert "Ledergruppen i Bydel Gamle Oslo" in page.locator("#tl-live-status").inner_text()


@pytest.mark.django_db(transaction=True)
def test_organisations_are_picked_by_name_and_posted_as_the_select_would(enrolment_page):
    page, url = enrolment_page
    alna = Organisation.objects.get(name="Bydel Alna")
    frogner = Organisation.objects.get(name="Bydel Frogner")
    field = page.locator("#id_organisations")
    field.focus()
    assert field.get_attribute("role") == "combobox"  # set by u-datalist once the field has focus
    page.keyboard.type("aln")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.keyboard.type("frog")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    chosen = page.locator("u-combobox data").all_inner_texts()
    assert chosen == ["Bydel Alna", "Bydel Frogner"]
    assert field.input_value() == ""  # ready for the next name
    # With the list open, both checkers still find nothing.
    page.keyboard.type("bydel")
    page.wait_for_timeout(100)
    violations = run_axe(page)
    assert not violations, format_violations(violations)
    sniffed = run_htmlcs(page)
    assert not sniffed, format_htmlcs(sniffed)
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Meld på toppledergruppene"
    with page.expect_request(lambda r: r.method == "POST") as request:
        page.keyboard.press("Enter")
    assert sorted(posted(request.value)["organisations"]) == sorted([str(alna.pk), str(frogner.pk)])
    page.wait_for_selector("#tl-live-status .pkt-alert")
    assert "Bydel Alna, Bydel Frogner" in page.locator("#tl-live-status").inner_text()


@pytest.mark.django_db(transaction=True)
def test_without_javascript_the_plain_select_does_the_same(live_server, browser, staff_without_mfa):
    call_command("seed_demo", size="small", password=PASSWORD, verbosity=0)
    programme = Programme.objects.order_by("pk").first()
    group = LeaderGroup.objects.get(name="Ledergruppen i Bydel Gamle Oslo")
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, locale="nb-NO")
    page = context.new_page()
    login(page, "hr@toppleder.example", PASSWORD)
    page.goto(reverse("programmes:enrolment_list", args=[programme.pk]))
    assert page.locator("select#id_group").is_visible()
    page.select_option("#id_group", str(group.pk))
    with page.expect_request(lambda r: r.method == "POST") as request:
        page.click("text=Meld på alle i gruppen")
    assert posted(request.value)["group"] == [str(group.pk)]
    context.close()


@pytest.mark.django_db(transaction=True)
def test_an_error_stays_tied_to_the_text_field(enrolment_page):
    page, url = enrolment_page
    with page.expect_navigation():
        page.click("text=Meld på alle i gruppen")  # nothing chosen
    field = page.locator("#id_group")
    assert field.get_attribute("role") == "combobox"
    assert field.get_attribute("aria-invalid") == "true"
    described = field.get_attribute("aria-describedby").split()
    texts = [page.locator(f"[id='{i}']").inner_text().strip() for i in described]
    assert any("Feltet er påkrevet" in t for t in texts), texts
    field.focus()
    page.keyboard.type("x")  # the library drops its own usage hint once one types; the error stays
    assert "id_group_error" in field.get_attribute("aria-describedby").split()
