"""One seat, followed end to end on the real stack (Redis broker, a Celery worker process, an
SMTP sink): A cancels → B is offered the seat → B lets the offer pass → C keeps it from the
e-mail link (the GET only shows, the POST confirms) → C's calendar gets a REQUEST with C as
accepted attendee and A's gets a CANCEL with a higher SEQUENCE. Exactly one e-mail per step.
"""

import re
from datetime import timedelta
from email.header import decode_header, make_header

import icalendar
import pytest
import vobject
from django.test import Client
from django.utils import timezone

from programmes import services
from programmes.models import Registration
from tests.integration.conftest import wait_for
from tests.programmes.factories import ProgrammeFactory, SessionFactory, enrolled_leader
from toppleder.models import OutboxMessage

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
LINK = re.compile(r"https?://[^/\s]+(/e/([a-z]+)/([A-Za-z0-9_:\-]+)/)")
DONE = (OutboxMessage.Status.SENT, OutboxMessage.Status.FAILED, OutboxMessage.Status.SUPERSEDED)


def _text(message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode()
    raise AssertionError("no text part")


def _calendar(message):
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            raw = part.get_payload(decode=True)
            return part.get_param("method"), icalendar.Calendar.from_ical(raw), vobject.readOne(raw.decode())
    return None, None, None


def test_one_seat_from_a_cancellation_through_a_lapsed_offer_to_a_link_accepted(celery_worker, smtp_sink):
    programme = ProgrammeFactory()
    session = SessionFactory(programme=programme, capacity=1, title="Styring & tillit")
    a, b, c = (enrolled_leader(programme) for _ in range(3))
    reg_a = services.registration_create(session=session, leader=a)
    reg_b = services.registration_create(session=session, leader=b)
    reg_c = services.registration_create(session=session, leader=c)

    def settled(n):
        wait_for(lambda: smtp_sink.count() >= n, what=f"{n} e-mails", worker=celery_worker)
        wait_for(
            lambda: not OutboxMessage.objects.exclude(status__in=DONE).exists(),
            what="outbox settled",
            worker=celery_worker,
        )
        assert smtp_sink.count() == n, [m["X-Toppleder-Key"] for m in smtp_sink.messages]

    def to(leader):
        return [m for m in smtp_sink.messages if m["To"] == leader.user.email]

    settled(3)  # the three confirmations (a seat, two waiting-list places)
    _, a_request, _ = _calendar(to(a)[0])

    # 1. A cancels: A's calendar gets the CANCEL, B gets the offer (and nobody else anything).
    services.registration_cancel(registration=reg_a, by=a.user)
    settled(5)
    assert len(to(a)) == 2 and len(to(b)) == 2 and len(to(c)) == 1
    method, cancel, vcancel = _calendar(to(a)[1])
    assert method == "CANCEL" == vcancel.method.value
    event, first = cancel.walk("VEVENT")[0], a_request.walk("VEVENT")[0]
    assert str(event["UID"]) == str(first["UID"]) == vcancel.vevent.uid.value
    assert int(event["SEQUENCE"]) > int(first["SEQUENCE"])
    offer_b = to(b)[1]
    assert offer_b["X-Toppleder-Key"].startswith("waitlist_offer:")
    assert _calendar(offer_b)[0] is None
    reg_b.refresh_from_db()
    assert reg_b.status == Registration.Status.OFFERED

    # 2. B lets it pass: the beat after the window passes the seat to C, and sends C one offer.
    assert services.offers_expire(now=reg_b.offer_expires_at + timedelta(minutes=1)) == 1
    settled(6)
    reg_b.refresh_from_db()
    assert reg_b.status == Registration.Status.CANCELLED
    assert len(to(b)) == 2  # nothing more to B
    offer_c = to(c)[1]
    links = {action: path for path, action, _ in LINK.findall(_text(offer_c))}
    assert set(links) == {"keep", "release"}

    # 3. C opens "Behold plassen": the page shows what will happen and changes nothing ...
    browser = Client()
    page = browser.get(links["keep"])
    assert page.status_code == 200
    assert "Behold plassen" in page.content.decode()
    reg_c.refresh_from_db()
    assert reg_c.status == Registration.Status.OFFERED
    assert smtp_sink.count() == 6
    # ... and the button confirms, without a password.
    assert browser.post(links["keep"]).status_code == 200
    settled(7)
    reg_c.refresh_from_db()
    assert reg_c.status == Registration.Status.CONFIRMED
    method, request, vrequest = _calendar(to(c)[2])
    assert method == "REQUEST" == vrequest.method.value
    attendee = request.walk("VEVENT")[0]["ATTENDEE"]
    assert str(attendee) == f"mailto:{c.user.email}"
    assert attendee.params["PARTSTAT"] == "ACCEPTED" and attendee.params["RSVP"] == "FALSE"
    assert vrequest.vevent.attendee.params["PARTSTAT"] == ["ACCEPTED"]
    assert str(request.walk("VEVENT")[0]["UID"]) == str(first["UID"])
    assert "Styring & tillit" in str(make_header(decode_header(to(c)[2]["Subject"])))  # plain, not &amp;

    # The link works once; exactly one e-mail per step, each under its own key.
    assert browser.post(links["keep"]).status_code == 410
    assert set(smtp_sink.keys().values()) == {1}
    assert smtp_sink.count() == 7
    assert timezone.now() < session.starts_at
