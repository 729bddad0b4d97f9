"""A leader at a hybrid session in Chromium: the room is full, so she signs up online; a seat in
the room frees and she moves there in one click; moving back online works while places are free.
Every screen is checked with axe. Screenshots go to $TOPPLEDER_SHOTS when it is set."""

import pytest

from programmes import services
from programmes.models import Registration, Session
from tests.e2e.conftest import login, new_context
from tests.e2e.test_group_booking_journey import said
from tests.e2e.test_hr_journey import click, shot
from tests.factories import TEST_PASSWORD
from tests.programmes.factories import ProgrammeFactory, SessionFactory, enrolled_leader


@pytest.mark.django_db(transaction=True)
def test_leader_signs_up_online_when_the_room_is_full_and_moves_to_the_room(live_server, browser):
    programme = ProgrammeFactory(name="Tilbud til toppledere")
    session = SessionFactory(
        programme=programme,
        title="Hybrid ledersamling",
        format=Session.Format.HYBRID,
        video_link="https://teams.example.no/hybrid",
        capacity=1,
        online_capacity=None,
    )
    holder = services.registration_create(session=session, leader=enrolled_leader(programme))
    me = enrolled_leader(programme, user__name="Kari Hybrid", user__email="kari@toppleder.example")
    page = new_context(browser, live_server.url).new_page()
    login(page, "kari@toppleder.example", TEST_PASSWORD)

    page.goto(f"/sessions/{session.pk}/")
    assert "1 påmeldt, ubegrenset" not in page.inner_text("main")  # nobody online yet
    shot(page, "hybrid-1-full-room")
    click(page, "text=Meld meg på digitalt til «Hybrid ledersamling»")
    said(page, "Du er påmeldt «Hybrid ledersamling».")
    mine = Registration.objects.get(session=session, leader=me)
    assert (mine.status, mine.mode) == ("confirmed", "online")
    assert "Du deltar digitalt." in page.inner_text("main")
    shot(page, "hybrid-2-online")

    # The seat in the room frees (nobody waits for it): she moves there in one click.
    services.registration_cancel(registration=holder)
    page.goto(f"/sessions/{session.pk}/")
    click(page, "text=Ta heller en plass i salen")
    said(page, "Du deltar nå i salen.")
    mine.refresh_from_db()
    assert (mine.status, mine.mode) == ("confirmed", "room")
    shot(page, "hybrid-3-room")
