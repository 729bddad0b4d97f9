"""A guest (a participant who is not a leader) cannot sign in: every e-mail they get links to
their own signed page about the session (details, status, calendar file, give up the place),
never to a page behind the sign-in; a leader's e-mails still link to the session page."""

import html
import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail as django_mail
from django.utils import timezone

from programmes import email_actions, notifications, services
from programmes.models import GuestInvitation, Participant, Registration, Session
from tests.programmes.factories import ProgrammeFactory, SessionFactory, enrolled_leader
from toppleder.audit import AuditEntry
from toppleder.models import OutboxMessage
from toppleder.outbox.rendering import get_renderer

pytestmark = pytest.mark.django_db
S = Registration.Status
Kind = OutboxMessage.Kind
OSLO = timezone.get_default_timezone()
NOW = timezone.datetime(2026, 9, 1, 9, 0, tzinfo=OSLO)
STARTS = timezone.datetime(2026, 9, 10, 13, 0, tzinfo=OSLO)

# Every kind of e-mail about sessions a guest can get (they get no survey, group or pair mail).
GUEST_KINDS = {
    Kind.SESSION_INVITATION,
    Kind.INVITATION_NUDGE,
    Kind.REGISTRATION_CONFIRMED,
    Kind.REGISTRATION_WAITLISTED,
    Kind.REGISTRATION_PROMOTED,
    Kind.REGISTRATION_CANCELLED,
    Kind.WAITLIST_OFFER,
    Kind.SEAT_OPEN,
    Kind.SESSION_CHANGED,
    Kind.SESSION_CANCELLED,
    Kind.SESSION_REMINDER,
}


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def hr():
    from tests.factories import HRUserFactory

    return HRUserFactory()


def conference(**kw):
    kw.setdefault("starts_at", STARTS)
    kw.setdefault("ends_at", kw["starts_at"] + timedelta(hours=3))
    return SessionFactory(
        programme=kw.pop("programme", None) or ProgrammeFactory(),
        kind="leader_conference",
        title="Byrådets ledersamling høst",
        **kw,
    )


def guest(session, hr, email="pia@byr.oslo.kommune.no", name="Pia Politiker"):
    services.guest_invite(
        programme=session.programme, session=session, by=hr, name=name, email=email, category="politician"
    )
    return Participant.objects.get(user__email=email)


def render(kind, person, obj, **params):
    message = OutboxMessage(kind=kind, recipient=person.user, object_id=obj.pk, params=params, language="nb")
    return get_renderer(kind)(message)


def links(email) -> set[str]:
    found = set(re.findall(r'href="([^"]+)"', email.html)) | set(re.findall(r"https?://\S+", email.text))
    return {html.unescape(u) for u in found if u.startswith(settings.SITE_URL)}


def page_url(participant, session) -> str:
    return email_actions.guest_page_link(participant, session)[0].removeprefix(settings.SITE_URL)


# --- 1. the links in a guest's e-mails ---------------------------------------------------
def test_every_email_a_guest_can_get_has_only_links_that_open_without_signing_in(hr, client):
    session = conference(capacity=1, video_link="https://meet.example/x")
    pia = guest(session, hr)
    ola = guest(session, hr, email="ola@lo.example.no", name="Ola Tillitsvalgt")
    emails = {}
    emails[Kind.SESSION_INVITATION] = render(Kind.SESSION_INVITATION, pia, session)
    emails[Kind.INVITATION_NUDGE] = render(Kind.INVITATION_NUDGE, pia, session)
    emails["changed_invited"] = render(Kind.SESSION_CHANGED, pia, session, sequence=session.sequence, invited=True)
    seat = services.registration_create(session=session, participant=pia)
    session.refresh_from_db()
    emails[Kind.REGISTRATION_CONFIRMED] = render(
        Kind.REGISTRATION_CONFIRMED, pia, seat, status=S.CONFIRMED, sequence=session.sequence
    )
    emails[Kind.SESSION_REMINDER] = render(Kind.SESSION_REMINDER, pia, seat, sequence=session.sequence)
    emails[Kind.SESSION_CHANGED] = render(Kind.SESSION_CHANGED, pia, seat, sequence=session.sequence)
    emails[Kind.REGISTRATION_PROMOTED] = render(Kind.REGISTRATION_PROMOTED, pia, seat)
    waiting = services.registration_create(session=session, participant=ola)
    assert waiting.status == S.WAITLISTED
    emails[Kind.REGISTRATION_WAITLISTED] = render(
        Kind.REGISTRATION_WAITLISTED, ola, waiting, status=S.WAITLISTED, sequence=session.sequence
    )
    emails[Kind.SEAT_OPEN] = render(Kind.SEAT_OPEN, ola, waiting)
    services.registration_cancel(registration=seat, by=pia.user)
    waiting.refresh_from_db()
    assert waiting.status == S.OFFERED
    emails[Kind.REGISTRATION_CANCELLED] = render(Kind.REGISTRATION_CANCELLED, pia, seat)
    emails[Kind.WAITLIST_OFFER] = render(
        Kind.WAITLIST_OFFER, ola, waiting, offered_at=notifications._ts(waiting.offered_at)
    )
    services.offer_accept(registration=waiting, by=ola.user)
    services.session_cancel(session=session, by=hr)
    emails[Kind.SESSION_CANCELLED] = render(Kind.SESSION_CANCELLED, ola, waiting)
    assert GUEST_KINDS <= set(emails)

    for kind, email in emails.items():
        found = links(email)
        if kind != Kind.SESSION_CANCELLED:  # that one has no "See the session" (nothing to see)
            assert any("/guest/" in u for u in found), kind  # "See the session" is their own page
        for url in found:
            response = client.get(url.removeprefix(settings.SITE_URL))
            assert response.status_code == 200, (kind, url, response.status_code, response.get("Location"))
        assert "/sessions/" not in email.text + email.html, kind
        assert "/preferences/" not in email.text + email.html, kind  # a page behind the sign-in
        # The personal link is sent, never stored in the outbox.
        assert "/guest/e" not in email.redacted(email.text), kind


def test_a_leaders_emails_still_link_to_the_session_page(hr):
    session = conference()
    leader = enrolled_leader(session.programme)
    seat = services.registration_create(session=session, leader=leader)
    session.refresh_from_db()
    for email in (
        render(Kind.REGISTRATION_CONFIRMED, leader, seat, status=S.CONFIRMED, sequence=session.sequence),
        render(Kind.SESSION_REMINDER, leader, seat, sequence=session.sequence),
    ):
        assert f"{settings.SITE_URL}/sessions/{session.pk}/" in email.text
        assert f'href="{settings.SITE_URL}/sessions/{session.pk}/"' in email.html
        assert "/guest/" not in email.text + email.html
        assert "/preferences/" in email.text


# --- the page ------------------------------------------------------------------------------
def test_the_page_shows_the_session_the_status_and_the_calendar_file_and_a_get_changes_nothing(hr, client):
    session = conference(place="Rådhuset, bystyresalen")
    pia = guest(session, hr)
    services.registration_create(session=session, participant=pia)
    entries = AuditEntry.objects.count()

    response = client.get(page_url(pia, session))

    assert response.status_code == 200
    text = response.content.decode()
    assert "Byrådets ledersamling høst" in text
    assert "kl. 13.00" in text and "10. september 2026" in text
    assert "Rådhuset, bystyresalen" in text
    assert "Du har plass." in text
    assert "Gi fra meg plassen" in text
    assert AuditEntry.objects.count() == entries
    assert Registration.objects.get(participant=pia).status == S.CONFIRMED

    ics = client.get(f"{page_url(pia, session)}calendar.ics")
    assert ics.status_code == 200 and ics["Content-Type"].startswith("text/calendar")
    assert b"PARTSTAT=ACCEPTED" in ics.content and b"BEGIN:VEVENT" in ics.content


def test_a_digital_session_shows_the_video_link_not_a_place(hr, client):
    session = conference(format=Session.Format.DIGITAL, place="", video_link="https://meet.example/abc")
    pia = guest(session, hr)
    text = client.get(page_url(pia, session)).content.decode()
    assert "https://meet.example/abc" in text
    assert "Du er invitert og har ikke svart ennå." in text


def test_a_tampered_or_a_leaders_token_is_refused(hr, client):
    session = conference()
    pia = guest(session, hr)
    url = page_url(pia, session)
    assert client.get(url[:-5] + "xxxx/").status_code == 400
    leader = enrolled_leader(session.programme)
    token = email_actions.make_token(
        email_actions.GUEST_PAGE, leader=leader, session=session, expires_at=session.ends_at
    )
    assert client.get(f"/guest/{token}/").status_code == 400


# --- 2. giving up the place --------------------------------------------------------------
def test_a_guest_gives_up_a_confirmed_place_before_the_start_and_the_waiting_list_moves_up(hr, client, clock):
    session = conference(capacity=1)
    pia = guest(session, hr)
    seat = services.registration_create(session=session, participant=pia)
    waiting = services.registration_create(session=session, leader=enrolled_leader(session.programme))
    clock.move_to(STARTS - timedelta(days=3))
    url = page_url(pia, session)

    response = client.post(url, {"do": "cancel"})

    assert response.status_code == 302
    seat.refresh_from_db()
    waiting.refresh_from_db()
    assert seat.status == S.CANCELLED
    assert waiting.status == S.OFFERED  # the freed seat goes to the waiting list
    assert AuditEntry.objects.filter(event="registration_cancel", object_id=str(seat.pk)).exists()
    page = client.get(response["Location"]).content.decode()
    assert "Du har gitt fra deg plassen." in page


def test_a_guest_leaves_the_waiting_list(hr, client):
    session = conference(capacity=1)
    services.registration_create(session=session, leader=enrolled_leader(session.programme))
    pia = guest(session, hr)
    waiting = services.registration_create(session=session, participant=pia)
    url = page_url(pia, session)
    page = client.get(url).content.decode()
    assert waiting.status == S.WAITLISTED, waiting.status
    assert "Forlat ventelisten" in page, page[page.find("<main") :]

    client.post(url, {"do": "cancel"})

    waiting.refresh_from_db()
    assert waiting.status == S.CANCELLED


def test_giving_up_the_place_after_the_start_is_refused_in_norwegian_and_nothing_changes(hr, client, clock):
    session = conference()
    pia = guest(session, hr)
    seat = services.registration_create(session=session, participant=pia)
    url = page_url(pia, session)
    clock.move_to(STARTS + timedelta(minutes=1))
    page = client.get(url).content.decode()
    assert "Gi fra meg plassen" not in page
    assert "Samlingen har begynt" in page

    response = client.post(url, {"do": "cancel"})

    assert response.status_code == 409
    assert "Samlingen har allerede startet eller er avsluttet." in response.content.decode()
    seat.refresh_from_db()
    assert seat.status == S.CONFIRMED


def test_an_invited_guest_declines_or_signs_up_on_the_page(hr, client):
    session = conference()
    pia = guest(session, hr)
    ola = guest(session, hr, email="ola@lo.example.no", name="Ola Tillitsvalgt")

    client.post(page_url(pia, session), {"do": "decline"})
    client.post(page_url(ola, session), {"do": "signup"})

    assert GuestInvitation.objects.get(participant=pia).declined_at == NOW
    assert Registration.objects.get(participant=ola).status == S.CONFIRMED
    assert "Du har sagt at du ikke kan komme." in client.get(page_url(pia, session)).content.decode()


def test_the_page_takes_no_other_method_and_no_unknown_action(hr, client):
    session = conference()
    pia = guest(session, hr)
    url = page_url(pia, session)
    assert client.put(url).status_code == 405
    assert client.post(url, {"do": "anything"}).status_code == 409
    assert client.post(url, {"do": "cancel"}).status_code == 409  # no place to give up


# --- 3. the nudge ------------------------------------------------------------------------
def test_a_guest_who_has_not_answered_is_nudged_once_with_working_links_and_one_who_answered_is_not(
    hr, client, clock, django_capture_on_commit_callbacks
):
    deadline = NOW + timedelta(days=5)
    session = conference(registration_deadline=deadline)
    with django_capture_on_commit_callbacks(execute=True):
        silent = guest(session, hr)
        signed_up = guest(session, hr, email="ola@lo.example.no", name="Ola Tillitsvalgt")
        declined = guest(session, hr, email="kari@unio.example.no", name="Kari Unio")
    assert OutboxMessage.objects.filter(kind=Kind.SESSION_INVITATION, status="sent").count() == 3
    services.registration_create(session=session, participant=signed_up)
    services.invitation_decline(session=session, participant=declined)

    clock.move_to(deadline - timedelta(days=3))
    django_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        notifications.invitation_nudges_queue()
        notifications.invitation_nudges_queue()  # the hourly beat again: nothing twice

    assert [m.to for m in django_mail.outbox] == [[silent.user.email]]
    nudge = OutboxMessage.objects.get(kind=Kind.INVITATION_NUDGE)
    email = notifications.render_invitation_nudge(nudge)
    found = links(email)
    assert len(found) >= 3  # sign up, cannot come, their page
    for url in found:
        assert client.get(url.removeprefix(settings.SITE_URL)).status_code == 200, url


def test_the_page_reads_five_queries_whoever_else_is_signed_up(hr, client, django_assert_max_num_queries):
    session = conference(capacity=3)
    pia = guest(session, hr)
    for i in range(5):
        p = guest(session, hr, email=f"g{i}@example.no", name=f"Gjest {i}")
        services.registration_create(session=session, participant=p)
    services.registration_create(session=session, participant=pia)
    url = page_url(pia, session)
    with django_assert_max_num_queries(5):
        assert client.get(url).status_code == 200
