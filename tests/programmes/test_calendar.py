"""iCalendar output: Europe/Oslo with VTIMEZONE, stable UID, SEQUENCE, methods, personal feed."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from programmes import services
from programmes.calendar import leader_feed_ics, session_ics
from tests.factories import HRUserFactory
from tests.programmes.factories import RegistrationFactory, SessionFactory

pytestmark = pytest.mark.django_db
OSLO = ZoneInfo("Europe/Oslo")


@pytest.fixture(autouse=True)
def _english():
    """Assertions read the English source messages; test_imports checks the bokmål ones."""
    from django.utils import translation

    with translation.override("en"):
        yield


def _event(ics: bytes):
    cal = Calendar.from_ical(ics)
    events = [c for c in cal.walk("VEVENT")]
    assert len(events) == 1
    return cal, events[0]


def test_session_ics_has_oslo_timezone_stable_uid_and_sequence():
    start = datetime(2026, 12, 3, 9, 0, tzinfo=OSLO)
    session = SessionFactory(starts_at=start, ends_at=start + timedelta(hours=3), title="Temasamling om tillit")
    cal, event = _event(session_ics(session))
    assert cal["METHOD"] == "PUBLISH"
    tz = cal.walk("VTIMEZONE")
    assert tz and tz[0]["TZID"] == "Europe/Oslo"
    assert event["UID"] == f"session-{session.uid}@toppleder"
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == start
    assert b"DTSTART;TZID=Europe/Oslo:20261203T090000" in session_ics(session)
    assert str(event["SUMMARY"]) == "Temasamling om tillit"
    assert "Rådhuset" in str(event["LOCATION"])
    assert f"/sessions/{session.pk}/" in str(event["URL"])


def test_changing_time_keeps_uid_and_bumps_sequence():
    session = SessionFactory()
    _, before = _event(session_ics(session))
    services.session_update(
        session=session,
        by=HRUserFactory(),
        starts_at=session.starts_at + timedelta(days=1),
        ends_at=session.ends_at + timedelta(days=1),
    )
    _, after = _event(session_ics(session, method="REQUEST"))
    assert after["UID"] == before["UID"]
    assert after["SEQUENCE"] == before["SEQUENCE"] + 1


def test_cancel_method_marks_the_event_cancelled():
    session = SessionFactory()
    cal, event = _event(session_ics(session, method="CANCEL"))
    assert cal["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED"


def test_digital_session_location_is_the_video_link():
    session = SessionFactory(format="digital", place="", video_link="https://teams.example/m/1")
    _, event = _event(session_ics(session))
    assert str(event["LOCATION"]) == "https://teams.example/m/1"


def test_leader_feed_lists_own_active_registrations_only():
    reg = RegistrationFactory()
    leader = reg.leader
    waiting = RegistrationFactory(leader=leader, status="waitlisted", waitlist_position=1)
    RegistrationFactory(leader=leader, status="cancelled")
    RegistrationFactory(leader=leader, session=SessionFactory(status="draft"))
    RegistrationFactory()  # someone else's
    cal = Calendar.from_ical(leader_feed_ics(leader))
    uids = {str(e["UID"]) for e in cal.walk("VEVENT")}
    assert uids == {f"session-{reg.session.uid}@toppleder", f"session-{waiting.session.uid}@toppleder"}
    assert cal.walk("VTIMEZONE")
    assert "METHOD" not in cal
    statuses = {str(e["UID"]): str(e["STATUS"]) for e in cal.walk("VEVENT")}
    assert statuses[f"session-{waiting.session.uid}@toppleder"] == "TENTATIVE"
    assert statuses[f"session-{reg.session.uid}@toppleder"] == "CONFIRMED"


def test_leader_feed_query_count_does_not_grow(django_assert_max_num_queries):
    reg = RegistrationFactory()
    for _ in range(20):
        RegistrationFactory(leader=reg.leader)
    # One for the sessions, one each for group meetings, planned and logged pair meetings
    # (reflection_groups' feed source).
    with django_assert_max_num_queries(4):
        leader_feed_ics(reg.leader)
