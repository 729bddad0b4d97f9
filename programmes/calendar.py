"""iCalendar for sessions: one .ics per session, and a leader's personal feed.

Times are written in Europe/Oslo with a VTIMEZONE (icalendar builds it from zoneinfo),
the UID is stable for a session (`session-<uuid>@toppleder`), so calendar clients update
the entry instead of adding a copy. What each e-mail carries (RFC 5546, as Outlook and
Google read it):

- an invitation: METHOD:PUBLISH, no ATTENDEE (nothing to "accept": signing up is a link);
- a confirmation or a promotion: METHOD:REQUEST, the portal as ORGANIZER and the leader as
  ATTENDEE with PARTSTAT=ACCEPTED and RSVP=FALSE (already accepted, no reply wanted);
- a cancellation (the leader's or the session's): METHOD:CANCEL, the same UID, a higher
  SEQUENCE.

SEQUENCE for a leader's entry is the session's `sequence` (bumped when time or place
changes, or the session is cancelled) plus the registration's `calendar_sequence` (bumped
at every change of the registration's status), so every message about the entry is
newer than the one before it.
"""

from __future__ import annotations

import datetime as dt
from email.utils import parseaddr
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from programmes.models import Registration, Session
from toppleder import dates

OSLO = ZoneInfo("Europe/Oslo")
PRODID = "-//Oslo kommune//Toppleder//NO"
# The VTIMEZONE covers the years a programme can plausibly span, not 1970–2038.
_TZ_FIRST = dt.date(2020, 1, 1)
_TZ_LAST = dt.date(2035, 1, 1)


def session_uid(session: Session) -> str:
    return f"session-{session.uid}@toppleder"


def _session_url(session: Session) -> str:
    try:
        path = reverse("programmes:session_detail", args=[session.pk])
    except NoReverseMatch:
        path = f"/sessions/{session.pk}/"
    return f"{getattr(settings, 'SITE_URL', '')}{path}"


def _calendar(method: str | None, name: str | None = None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
        cal.add("x-wr-timezone", "Europe/Oslo")
    return cal


def registration_sequence(registration: Registration) -> int:
    """The SEQUENCE of a leader's calendar entry for a session (see the module docstring)."""
    return registration.session.sequence + registration.calendar_sequence


def _event(
    session: Session, *, cancelled: bool = False, attendee=None, tentative: bool = False, sequence: int | None = None
) -> Event:
    event = Event()
    event.add("uid", session_uid(session))
    event.add("sequence", session.sequence if sequence is None else sequence)
    event.add("dtstamp", timezone.now().astimezone(dt.UTC))
    event.add("dtstart", session.starts_at.astimezone(OSLO))
    event.add("dtend", session.ends_at.astimezone(OSLO))
    event.add("summary", session.title)
    when = dates.span(session.starts_at, session.ends_at)
    description = "\n\n".join(x for x in (when, session.theme, session.description, _session_url(session)) if x)
    event.add("description", description)
    location = session.place or ""
    if session.video_link:
        location = f"{location} – {session.video_link}" if location else session.video_link
    if location:
        event.add("location", location)
    event.add("url", _session_url(session))
    is_cancelled = cancelled or session.status == Session.Status.CANCELLED
    event.add("status", "CANCELLED" if is_cancelled else "TENTATIVE" if tentative else "CONFIRMED")
    from_address = parseaddr(getattr(settings, "DEFAULT_FROM_EMAIL", ""))[1] or "toppleder@oslo.kommune.no"
    organizer = vCalAddress(f"mailto:{from_address}")
    organizer.params["cn"] = vText("Oslo kommune – Toppleder")
    event.add("organizer", organizer)
    if attendee is not None:
        address = vCalAddress(f"mailto:{attendee.user.email}")
        address.params["cn"] = vText(attendee.name)
        address.params["cutype"] = vText("INDIVIDUAL")
        address.params["role"] = vText("REQ-PARTICIPANT")
        address.params["partstat"] = vText("ACCEPTED")
        address.params["rsvp"] = vText("FALSE")
        event.add("attendee", address)
    return event


def _finish(cal: Calendar) -> bytes:
    cal.add_missing_timezones(first_date=_TZ_FIRST, last_date=_TZ_LAST)
    return cal.to_ical()


def session_ics(session: Session, method: str = "PUBLISH") -> bytes:
    """The session as a one-event calendar without attendees: the download link and
    invitations (PUBLISH)."""
    method = method.upper()
    cal = _calendar(method)
    cal.add_component(_event(session, cancelled=(method == "CANCEL")))
    return _finish(cal)


def registration_ics(registration: Registration, method: str) -> bytes:
    """A leader's own entry: REQUEST (a confirmed seat, the leader as accepted ATTENDEE) or
    CANCEL (the seat or the session is gone), with the registration's SEQUENCE."""
    method = method.upper()
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"registration_ics: REQUEST or CANCEL, not {method}")
    cal = _calendar(method)
    cal.add_component(
        _event(
            registration.session,
            cancelled=(method == "CANCEL"),
            attendee=registration.person,
            sequence=registration_sequence(registration),
        )
    )
    return _finish(cal)


# Other apps put their own entries in a leader's feed (group and pair meetings) through
# `@feed_source` in their `<app>/calendar.py`, found by convention: programmes never names them.
_feed_sources: list = []
_sources_found = False


def feed_source(func):
    """Register `func(leader) -> list[Event]`: more entries for the leader's personal feed."""
    _feed_sources.append(func)
    return func


def _other_sources() -> list:
    global _sources_found
    if not _sources_found:
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("calendar")
        _sources_found = True
    return _feed_sources


def meeting_event(
    *, uid: str, sequence: int, summary: str, starts_at=None, ends_at=None, day=None, location: str = "", url: str = ""
) -> Event:
    """A calendar entry for a meeting that is not a session (a group or pair meeting):
    timed in Europe/Oslo, or an all-day entry on `day`."""
    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", timezone.now().astimezone(dt.UTC))
    if day is not None:
        event.add("dtstart", day)
        event.add("dtend", day + dt.timedelta(days=1))
    else:
        event.add("dtstart", starts_at.astimezone(OSLO))
        event.add("dtend", ends_at.astimezone(OSLO))
    event.add("summary", summary)
    if location:
        event.add("location", location)
    if url:
        event.add("url", url)
    event.add("status", "CONFIRMED")
    return event


def attendee_ics(event: Event, method: str, *, name: str, email: str) -> bytes:
    """One event as REQUEST (the recipient an accepted attendee, RSVP=FALSE) or CANCEL, from the portal."""
    cal = _calendar(method.upper())
    from_address = parseaddr(getattr(settings, "DEFAULT_FROM_EMAIL", ""))[1] or "toppleder@oslo.kommune.no"
    organizer = vCalAddress(f"mailto:{from_address}")
    organizer.params["cn"] = vText("Oslo kommune – Toppleder")
    event.add("organizer", organizer)
    address = vCalAddress(f"mailto:{email}")
    address.params["cn"] = vText(name)
    address.params["cutype"] = vText("INDIVIDUAL")
    address.params["role"] = vText("REQ-PARTICIPANT")
    address.params["partstat"] = vText("ACCEPTED")
    address.params["rsvp"] = vText("FALSE")
    event.add("attendee", address)
    if method.upper() == "CANCEL":
        event["status"] = "CANCELLED"
    cal.add_component(event)
    return _finish(cal)


def leader_feed_ics(leader) -> bytes:
    """A leader's personal feed: every session they are confirmed, offered or waitlisted for,
    and the entries of the other apps' feed sources (group and pair meetings).

    Cancelled sessions stay in the feed as STATUS:CANCELLED so calendars remove them;
    waiting-list places and open offers are STATUS:TENTATIVE.
    """
    regs = (
        Registration.objects.filter(
            leader=leader,
            status__in=[Registration.Status.CONFIRMED, Registration.Status.WAITLISTED, Registration.Status.OFFERED],
            session__status__in=[Session.Status.PUBLISHED, Session.Status.COMPLETED, Session.Status.CANCELLED],
        )
        .select_related("session")
        .order_by("session__starts_at")
    )
    cal = _calendar(None, name="Toppleder")
    for reg in regs:
        # On the waiting list: in the calendar as tentative, so the time is kept free.
        cal.add_component(
            _event(
                reg.session,
                tentative=reg.status != Registration.Status.CONFIRMED,
                sequence=registration_sequence(reg),
            )
        )
    for source in _other_sources():
        for event in source(leader):
            cal.add_component(event)
    return _finish(cal)
