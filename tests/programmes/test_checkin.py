"""Self check-in at the venue: the QR code's link and the short code mark a leader with a seat
as attended while the session is on; a wrong or expired code changes nothing."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from programmes import checkin, services
from programmes.models import Registration
from tests.programmes.factories import RegistrationFactory, SessionFactory, enrolled_leader
from tests.programmes.web import *  # noqa: F403
from tests.programmes.web import login
from toppleder.audit import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def seat(programme, me):
    session = SessionFactory(programme=programme, starts_at=timezone.now() + timedelta(days=2))
    return RegistrationFactory(session=session, leader=me)


def during(session, minutes=10):
    return time_machine.travel(session.starts_at + timedelta(minutes=minutes))


def test_the_code_is_short_readable_and_changes_when_the_session_moves(seat):
    session = seat.session
    code = checkin.code(session)
    assert len(code) == 6 and not set(code) & set("01IO")
    assert checkin.matches(session, f" {code.lower()[:3]} {code.lower()[3:]} ")
    session.starts_at += timedelta(days=1)
    assert checkin.code(session) != code


def test_a_leader_with_a_seat_checks_in_by_the_qr_link(client, me, seat):
    session = seat.session
    login(client, me.user)
    link = checkin.link(session).removeprefix(settings.SITE_URL)
    with during(session):
        page = client.get(link)
        assert page.status_code == 200
        seat.refresh_from_db()
        assert seat.attendance == "unknown"  # the GET (a phone's link preview) changed nothing
        r = client.post(reverse("programmes:checkin", args=[session.pk]), {"code": checkin.code(session)}, follow=True)
    seat.refresh_from_db()
    assert seat.attendance == "attended"
    assert "Du er sjekket inn" in str(list(r.context["messages"])[-1])
    entry = AuditEntry.objects.get(event="attendance_check_in")
    assert entry.actor == me.user and entry.changes == {"attendance": ["unknown", "attended"]}


@pytest.mark.parametrize(
    "when,code,message",
    [
        (timedelta(minutes=10), "WRONG1", "Koden er ikke riktig"),
        (-timedelta(hours=2), None, "Innsjekkingen åpner 30 minutter før"),
        (timedelta(hours=6), None, "Innsjekkingen for denne samlingen er stengt"),
    ],
    ids=["wrong-code", "too-early", "long-after-the-end"],
)
def test_a_wrong_code_or_the_wrong_time_changes_nothing(client, me, seat, when, code, message):
    session = seat.session
    login(client, me.user)
    with time_machine.travel(session.starts_at + when):
        r = client.post(reverse("programmes:checkin", args=[session.pk]), {"code": code or checkin.code(session)})
    assert r.status_code == 400 and message in r.content.decode()
    seat.refresh_from_db()
    assert seat.attendance == "unknown"
    assert not AuditEntry.objects.filter(event="attendance_check_in").exists()


def test_no_seat_no_check_in(programme, seat):
    waiting = RegistrationFactory(
        session=seat.session, leader=enrolled_leader(programme), status="waitlisted", waitlist_position=1
    )
    with during(seat.session), pytest.raises(ValidationError, match="Du har ikke plass"):
        services.attendance_check_in(session=seat.session, leader=waiting.leader, code=checkin.code(seat.session))
    assert Registration.objects.get(pk=waiting.pk).attendance == "unknown"


def test_hr_shows_the_qr_code_and_the_code_on_the_session_page(hr_client, seat):
    html = hr_client.get(reverse("programmes:session_detail", args=[seat.session.pk])).content.decode()
    assert 'src="data:image/svg+xml' in html
    assert checkin.code(seat.session) in html


def test_a_leader_sees_the_check_in_button_only_while_it_is_open(client, me, seat):
    login(client, me.user)
    url = reverse("programmes:session_detail", args=[seat.session.pk])
    checkin_url = reverse("programmes:checkin", args=[seat.session.pk])
    assert checkin_url not in client.get(url).content.decode()
    with during(seat.session):
        assert checkin_url in client.get(url).content.decode()
        assert checkin.code(seat.session) not in client.get(url).content.decode()  # the code is the room's
