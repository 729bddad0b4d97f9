"""iCalendar for sessions: one .ics per session, and a leader's personal feed.

Times are written in Europe/Oslo with a VTIMEZONE (icalendar builds it from zoneinfo),
the UID is stable for a session (`session-<uuid>@toppleder`) and SEQUENCE is the
session's `sequence`, so calendar clients update the entry instead of adding a copy.
E-mails use METHOD:REQUEST for invitations/confirmations and METHOD:CANCEL when a
session or a registration is cancelled.
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


def _event(session: Session, *, cancelled: bool = False, attendee=None, tentative: bool = False) -> Event:
    event = Event()
    event.add("uid", session_uid(session))
    event.add("sequence", session.sequence)
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
        address.params["partstat"] = vText("ACCEPTED")
        event.add("attendee", address)
    return event


def _finish(cal: Calendar) -> bytes:
    cal.add_missing_timezones(first_date=_TZ_FIRST, last_date=_TZ_LAST)
    return cal.to_ical()


def session_ics(session: Session, method: str = "PUBLISH", *, attendee=None) -> bytes:
    """The session as a one-event calendar.

    method: PUBLISH for the download link, REQUEST for invitation/confirmation e-mails,
    CANCEL when the session (or the leader's registration) is cancelled.
    """
    method = method.upper()
    cal = _calendar(method)
    cal.add_component(_event(session, cancelled=(method == "CANCEL"), attendee=attendee))
    return _finish(cal)


def leader_feed_ics(leader) -> bytes:
    """A leader's personal feed: every session they are confirmed or waitlisted for.

    Cancelled sessions stay in the feed as STATUS:CANCELLED so calendars remove them;
    waiting-list places are STATUS:TENTATIVE.
    """
    regs = (
        Registration.objects.filter(
            leader=leader,
            status__in=[Registration.Status.CONFIRMED, Registration.Status.WAITLISTED],
            session__status__in=[Session.Status.PUBLISHED, Session.Status.COMPLETED, Session.Status.CANCELLED],
        )
        .select_related("session")
        .order_by("session__starts_at")
    )
    cal = _calendar(None, name="Toppleder")
    for reg in regs:
        # On the waiting list: in the calendar as tentative, so the time is kept free.
        cal.add_component(_event(reg.session, tentative=reg.status == Registration.Status.WAITLISTED))
    return _finish(cal)
