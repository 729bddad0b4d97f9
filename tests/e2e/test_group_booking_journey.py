"""A top leader books their leader group "all or none" for a full session in Chromium: the group
goes on the waiting list as one unit; HR moves the session to a bigger room; the group is
offered the seats together; one member gives up her own seat, and the top leader keeps the
rest for the group in one click. Every screen is checked with axe.

Screenshots go to $TOPPLEDER_SHOTS when it is set (for a person to look at)."""

import re

import pytest

from programmes.models import GroupBooking, Registration
from tests.e2e.conftest import login, new_context
from tests.e2e.test_hr_journey import click, shot
from tests.factories import TEST_PASSWORD, HRUserFactory, LeaderGroupFactory, OrganisationFactory
from tests.programmes.factories import ProgrammeFactory, SessionFactory, enrolled_leader


def said(page, text):
    """The message after a redirect, as the live region announces it."""
    page.locator(".tl-messages").filter(has_text=text).first.wait_for()


@pytest.mark.django_db(transaction=True)
def test_group_waits_as_one_unit_and_is_promoted_together(live_server, browser, staff_without_mfa):
    programme = ProgrammeFactory(name="Tilbud til toppledere")
    session = SessionFactory(programme=programme, capacity=2, title="Høstens ledersamling")
    from programmes import services

    for _ in range(2):
        services.registration_create(session=session, leader=enrolled_leader(programme))
    org = OrganisationFactory(name="Bydel Sagene", kind="district")
    head = enrolled_leader(
        programme, organisation=org, user__name="Hege Hovedleder", user__email="hege@toppleder.example"
    )
    anna, bo = (
        enrolled_leader(programme, organisation=org, level=2, user__name=name, user__email=email)
        for name, email in (("Anna Avdeling", "anna@toppleder.example"), ("Bo Bydel", "bo@toppleder.example"))
    )
    LeaderGroupFactory(organisation=org, name="Ledergruppen i Bydel Sagene", members=[head, anna, bo])
    HRUserFactory(email="hr.gruppe@toppleder.example")

    # The top leader signs up the whole group, all or none: the session is full.
    page = new_context(browser, live_server.url).new_page()
    login(page, "hege@toppleder.example", TEST_PASSWORD)
    page.goto(f"/sessions/{session.pk}/")
    click(page, "text=Meld på medlemmer av Ledergruppen i Bydel Sagene")
    assert page.get_by_role(
        "radio", name="Alle eller ingen: vi venter sammen og får tilbud om plassene sammen"
    ).is_checked()
    for name in ("Hege Hovedleder", "Anna Avdeling", "Bo Bydel"):
        assert page.get_by_role("checkbox", name=re.compile(name)).is_checked()
    shot(page, "group-1-form")
    click(page, "main form button[type=submit]")
    said(page, "venter på ventelisten sammen og får tilbud om plassene sammen")
    booking = GroupBooking.objects.get()
    assert set(booking.registrations.values_list("status", flat=True)) == {"waitlisted"}
    assert page.inner_text("#groupbook-h + .tl-table-wrap").count("På venteliste") == 3
    shot(page, "group-2-waiting")

    # HR moves the session to a bigger room (five seats): the group is offered three together.
    hr = new_context(browser, live_server.url).new_page()
    login(hr, "hr.gruppe@toppleder.example", TEST_PASSWORD)
    hr.goto(f"/sessions/{session.pk}/edit/")
    hr.fill("#id_capacity", "5")
    click(hr, "main form.tl-form >> nth=0 >> button[type=submit]")
    assert set(booking.registrations.values_list("status", flat=True)) == {"offered"}

    # Anna cannot come: she gives up her own seat; the others keep their offer.
    member = new_context(browser, live_server.url).new_page()
    login(member, "anna@toppleder.example", TEST_PASSWORD)
    member.goto(f"/sessions/{session.pk}/")
    shot(member, "group-3-member-offer")
    click(member, "text=Gi fra meg plassen")
    assert Registration.objects.get(session=session, leader=anna).status == "cancelled"

    # The top leader keeps the seats for the group in one click.
    page.goto(f"/sessions/{session.pk}/")
    shot(page, "group-4-offered")
    click(page, "text=Behold plassene for Ledergruppen i Bydel Sagene")
    said(page, "2 plasser er beholdt for Ledergruppen i Bydel Sagene.")
    assert dict(booking.registrations.values_list("leader__user__name", "status")) == {
        "Hege Hovedleder": "confirmed",
        "Anna Avdeling": "cancelled",
        "Bo Bydel": "confirmed",
    }
    shot(page, "group-5-kept")
