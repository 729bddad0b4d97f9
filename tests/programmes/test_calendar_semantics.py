"""What each e-mail's calendar part says, read by two independent parsers (icalendar and
vobject), checking the fields Outlook and Google act on: METHOD, UID, SEQUENCE, ORGANIZER,
ATTENDEE with PARTSTAT/RSVP, STATUS, and the time in Europe/Oslo."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import time_machine
import vobject
from django.core import mail as django_mail

from programmes import services
from programmes.models import Session
from tests.programmes.factories import ProgrammeFactory, SessionFactory, enrolled_leader

OSLO = ZoneInfo("Europe/Oslo")


def _parts(message):
    for part in message.attachments:
        if hasattr(part, "get_content_type") and part.get_content_type() == "text/calendar":
            return part.get_param("method"), part.get_payload(decode=True)
    return None, None


def _read(message) -> dict:
    """The facts both parsers must agree on; fails if they do not."""
    mime_method, raw = _parts(message)
    assert raw is not None, f"no calendar in {message.subject!r}"
    ical = icalendar.Calendar.from_ical(raw)
    (event,) = ical.walk("VEVENT")
    vcal = vobject.readOne(raw.decode())
    vevent = vcal.vevent
    facts = {
        "mime_method": mime_method,
        "method": str(ical["METHOD"]),
        "uid": str(event["UID"]),
        "sequence": int(event["SEQUENCE"]),
        "status": str(event["STATUS"]),
        "organizer": str(event["ORGANIZER"]),
        "start": event.decoded("DTSTART"),
        "attendees": [
            (str(a), a.params.get("PARTSTAT"), a.params.get("RSVP"))
            for a in (event.get("ATTENDEE") if isinstance(event.get("ATTENDEE"), list) else [event.get("ATTENDEE")])
            if a is not None
        ],
    }
    other = {
        "mime_method": mime_method,
        "method": vcal.method.value,
        "uid": vevent.uid.value,
        "sequence": int(vevent.sequence.value),
        "status": vevent.status.value,
        "organizer": vevent.organizer.value,
        "start": vevent.dtstart.value,
        "attendees": [
            (a.value, a.params.get("PARTSTAT", [None])[0], a.params.get("RSVP", [None])[0])
            for a in vevent.contents.get("attendee", [])
        ],
    }
    assert facts == other
    assert facts["mime_method"] == facts["method"]
    assert event["DTSTART"].params["TZID"] == "Europe/Oslo"
    assert vevent.dtstart.value.utcoffset() == facts["start"].astimezone(OSLO).utcoffset()
    return facts


@pytest.fixture
def programme(db):
    return ProgrammeFactory()


def test_one_leader_s_calendar_through_invitation_signup_change_cancel_and_session_cancel(
    programme, hr_user, django_capture_on_commit_callbacks
):
    start = datetime(2026, 12, 10, 9, 0, tzinfo=OSLO)
    session = SessionFactory(
        programme=programme, status=Session.Status.DRAFT, starts_at=start, ends_at=start + timedelta(hours=3)
    )
    leader = enrolled_leader(programme)
    me = f"mailto:{leader.user.email}"
    uid = f"session-{session.uid}@toppleder"

    def step(action):
        django_mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            action()
        (message,) = [m for m in django_mail.outbox if m.to == [leader.user.email]]
        return _read(message)

    with time_machine.travel(datetime(2026, 12, 1, 12, 0, tzinfo=OSLO), tick=False):
        invitation = step(lambda: services.session_publish(session=session, by=hr_user))
        # Nothing to accept before anyone has signed up: PUBLISH, no attendee.
        assert invitation["method"] == "PUBLISH"
        assert invitation["attendees"] == []
        assert invitation["uid"] == uid
        assert invitation["start"] == start

        holder = {}

        def sign_up():
            holder["reg"] = services.registration_create(session=session, leader=leader)

        confirmed = step(sign_up)
        assert confirmed["method"] == "REQUEST"
        assert confirmed["organizer"].startswith("mailto:")
        assert confirmed["organizer"] != me
        # Already accepted, and no reply wanted (Outlook shows no "Godta/Avslå").
        assert confirmed["attendees"] == [(me, "ACCEPTED", "FALSE")]
        assert confirmed["status"] == "CONFIRMED"

        moved = start + timedelta(days=1)
        changed = step(
            lambda: services.session_update(
                session=session, by=hr_user, starts_at=moved, ends_at=moved + timedelta(hours=3)
            )
        )
        assert changed["method"] == "REQUEST"
        assert changed["start"] == moved
        assert changed["sequence"] > confirmed["sequence"]

        cancelled = step(lambda: services.registration_cancel(registration=holder["reg"]))
        assert cancelled["method"] == "CANCEL"
        assert cancelled["status"] == "CANCELLED"
        assert cancelled["uid"] == uid
        # Higher than the REQUEST before it: calendars ignore a CANCEL that is not newer.
        assert cancelled["sequence"] > changed["sequence"]
        assert [address for address, _, _ in cancelled["attendees"]] == [me]

        again = step(sign_up)
        assert again["method"] == "REQUEST"
        assert again["sequence"] > cancelled["sequence"]

        session_gone = step(lambda: services.session_cancel(session=session, by=hr_user))
        assert session_gone["method"] == "CANCEL"
        assert session_gone["uid"] == uid
        assert session_gone["sequence"] > again["sequence"]
