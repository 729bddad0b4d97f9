"""Waiting-list offers: a freed seat is offered, not sprung on people; it passes on when
unanswered; close to the start the whole list is told and the first to accept wins."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail as django_mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from programmes import services
from programmes.models import Registration
from tests.programmes.factories import ProgrammeFactory, SessionFactory, enrolled_leader
from toppleder.audit import AuditEntry
from toppleder.models import OutboxMessage

OSLO = ZoneInfo("Europe/Oslo")
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=OSLO)
LINK = re.compile(r"http://[^/\s]+(/e/([a-z]+)/([A-Za-z0-9_:\-]+)/)")
Kind = OutboxMessage.Kind


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def programme(db):
    return ProgrammeFactory()


def _full_session(programme, starts_in: timedelta, waiting: int = 2):
    session = SessionFactory(programme=programme, capacity=1, starts_at=NOW + starts_in)
    session.ends_at = session.starts_at + timedelta(hours=3)
    session.save()
    a = enrolled_leader(programme)
    holder = services.registration_create(session=session, leader=a)
    others = [services.registration_create(session=session, leader=enrolled_leader(programme)) for _ in range(waiting)]
    return session, holder, others


def _to(leader):
    return [m for m in django_mail.outbox if m.to == [leader.user.email]]


def _links(message) -> dict:
    return {action: path for path, action, _ in LINK.findall(message.body)}


def _status(reg):
    reg.refresh_from_db()
    return reg.status


def test_a_freed_seat_is_offered_for_24_hours_and_passes_on_when_unanswered(
    programme, clock, django_capture_on_commit_callbacks
):
    session, holder, (b, c) = _full_session(programme, timedelta(days=7))
    django_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(registration=holder, by=holder.leader.user)
    assert _status(b) == Registration.Status.OFFERED
    assert b.offer_expires_at == NOW + timedelta(hours=24)
    (offer,) = _to(b.leader)
    assert set(_links(offer)) == {"keep", "release"}
    assert "Behold plassen" in offer.body and "Gi fra meg plassen" in offer.body
    assert "3. november 2026 09:00" in offer.body  # held until (Oslo time)
    # The seat is held: a newcomer goes to the waiting list behind C.
    late = services.registration_create(session=session, leader=enrolled_leader(programme))
    assert (late.status, late.waitlist_position) == (Registration.Status.WAITLISTED, 2)

    # Nothing happens before the window ends; after it, the beat passes the seat to C.
    clock.move_to(NOW + timedelta(hours=23, minutes=59))
    assert services.offers_expire() == 0
    clock.move_to(NOW + timedelta(hours=24))
    django_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.offers_expire() == 1
    assert _status(b) == Registration.Status.CANCELLED  # left the list, as the offer said
    assert _status(c) == Registration.Status.OFFERED
    assert [m.to for m in django_mail.outbox] == [[c.leader.user.email]]
    # Running the beat again changes nothing and sends nothing.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.offers_expire() == 0
    assert len(django_mail.outbox) == 1


def test_the_window_never_reaches_past_the_cut_off_before_the_start(programme, django_capture_on_commit_callbacks):
    session, holder, (b, _c) = _full_session(programme, timedelta(hours=60))
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(registration=holder)
    b.refresh_from_db()
    assert b.offer_expires_at == session.starts_at - timedelta(hours=48)  # 12 hours, not 24


def test_accepting_by_link_confirms_with_a_calendar_request(client, programme, django_capture_on_commit_callbacks):
    session, holder, (b, c) = _full_session(programme, timedelta(days=7))
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(registration=holder)
    links = _links(_to(b.leader)[0])
    page = client.get(links["keep"])
    assert page.status_code == 200 and "er plassen din" in page.content.decode()
    assert _status(b) == Registration.Status.OFFERED
    django_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(links["keep"]).status_code == 200
    assert _status(b) == Registration.Status.CONFIRMED
    (confirmation,) = _to(b.leader)
    assert confirmation.attachments[0].get_param("method") == "REQUEST"
    # The other link of the same e-mail no longer gives the seat away by accident.
    assert client.get(links["release"]).status_code == 200
    assert 'type="submit"' not in client.get(links["release"]).content.decode().split("<main")[1]
    assert _status(c) == Registration.Status.WAITLISTED


def test_giving_up_the_offer_passes_it_on_at_once(client, programme, django_capture_on_commit_callbacks):
    _session, holder, (b, c) = _full_session(programme, timedelta(days=7))
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(registration=holder)
    links = _links(_to(b.leader)[0])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(links["release"])
    assert _status(b) == Registration.Status.CANCELLED
    assert _status(c) == Registration.Status.OFFERED


def test_an_offer_accepted_after_it_ran_out_confirms_nobody(
    client, programme, clock, django_capture_on_commit_callbacks
):
    _session, holder, (b, c) = _full_session(programme, timedelta(days=7))
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(registration=holder)
    links = _links(_to(b.leader)[0])
    clock.move_to(NOW + timedelta(hours=24, minutes=1))  # the beat has not run yet
    response = client.post(links["keep"])
    assert response.status_code == 410  # the link ran out with the offer
    with pytest.raises(ValidationError) as exc:
        services.offer_accept(registration=b)
    assert exc.value.code == "expired"
    assert _status(b) == Registration.Status.OFFERED  # until the beat passes it on
    assert Registration.objects.filter(status=Registration.Status.CONFIRMED).count() == 0


def test_inside_the_cut_off_the_whole_list_is_told_and_the_first_to_accept_wins(
    client, programme, django_capture_on_commit_callbacks
):
    session, holder, (b, c) = _full_session(programme, timedelta(hours=30))
    django_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(registration=holder)
    assert _status(b) == _status(c) == Registration.Status.WAITLISTED  # nobody holds the seat
    assert sorted(m.to[0] for m in django_mail.outbox if "keep" in _links(m)) == sorted(
        [b.leader.user.email, c.leader.user.email]
    )
    assert OutboxMessage.objects.filter(kind=Kind.SEAT_OPEN).count() == 2
    c_link = _links(_to(c.leader)[0])["keep"]
    b_link = _links(_to(b.leader)[0])["keep"]
    # An edit of the session (a new description) re-sends nothing.
    with django_capture_on_commit_callbacks(execute=True):
        services.session_update(session=session, by=None, description="Ny tekst")
    assert OutboxMessage.objects.filter(kind=Kind.SEAT_OPEN).count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(c_link).status_code == 200
    assert _status(c) == Registration.Status.CONFIRMED
    late = client.post(b_link)
    assert late.status_code == 409
    assert "Noen andre tok plassen først" in late.content.decode()
    assert _status(b) == Registration.Status.WAITLISTED
    assert b.waitlist_position == 1


def test_a_leader_on_the_list_sees_an_open_offer_and_hr_sees_offers_in_flight(
    client, programme, hr_user, django_capture_on_commit_callbacks
):
    session, holder, (b, c) = _full_session(programme, timedelta(days=7))
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(registration=holder)
    from django.urls import reverse

    client.force_login(b.leader.user)
    page = client.get(reverse("programmes:session_detail", args=[session.pk])).content.decode()
    assert "En plass er holdt av til deg til" in page
    assert "Behold plassen" in page
    client.force_login(c.leader.user)
    page = client.get(reverse("programmes:session_detail", args=[session.pk])).content.decode()
    assert "nummer 1 på ventelisten" in page
    client.force_login(hr_user)
    page = client.get(reverse("programmes:session_detail", args=[session.pk])).content.decode()
    assert "Tilbud ute" in page
    assert b.leader.user.name in page


def test_kan_ikke_komme_is_an_excused_absence_and_the_seat_goes_to_an_offer(
    client, programme, hr_user, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from reports.content.session import session_report_data

    session, holder, (b, _c) = _full_session(programme, timedelta(days=7))
    client.force_login(holder.leader.user)
    page = client.get(reverse("programmes:session_detail", args=[session.pk])).content.decode()
    assert "Kan ikke komme" in page
    django_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("programmes:registration_apologies", args=[session.pk]))
    assert response.status_code == 302
    holder.refresh_from_db()
    assert (holder.status, holder.attendance) == (Registration.Status.CANCELLED, Registration.Attendance.EXCUSED)
    assert _status(b) == Registration.Status.OFFERED
    assert _to(holder.leader)[0].attachments[0].get_param("method") == "CANCEL"
    counts = session_report_data(session, hr_version=True)["counts"]
    assert (counts["excused"], counts["no_show"]) == (1, 0)
    # Only a confirmed seat can send apologies; a waiting leader is told so and nothing changes.
    client.force_login(_c.leader.user)
    client.post(reverse("programmes:registration_apologies", args=[session.pk]))
    assert _status(_c) == Registration.Status.WAITLISTED


def test_apologies_after_the_start_change_nothing(programme, clock):
    session, holder, (b, _c) = _full_session(programme, timedelta(days=1))
    clock.move_to(session.starts_at + timedelta(minutes=5))
    with pytest.raises(ValidationError):
        services.registration_cancel(registration=holder, apologies=True)
    assert _status(holder) == Registration.Status.CONFIRMED
    assert _status(b) == Registration.Status.WAITLISTED


@pytest.fixture
def signed_up(programme, client):
    """A leader (signed in, Norwegian) with the only seat of a session a week ahead."""
    session = SessionFactory(programme=programme, capacity=1, starts_at=NOW + timedelta(days=7))
    leader = enrolled_leader(programme)
    services.registration_create(session=session, leader=leader, by=leader.user)
    client.force_login(leader.user)
    return client, leader, session


def test_a_cancelled_seat_can_be_taken_back_within_minutes_while_it_is_free(signed_up, clock):
    """Undo: the session page offers it for UNDO_WINDOW after the cancellation, only while the
    seat is free; after that, or once the seat was offered to the waiting list, it is refused."""
    client, leader, session = signed_up
    response = client.post(reverse("programmes:registration_cancel", args=[session.pk]), follow=True)
    assert "angre det på siden for samlingen i 10 minutter" in response.content.decode()
    reg = Registration.objects.get(session=session, leader=leader)
    assert reg.status == Registration.Status.CANCELLED
    page = client.get(reverse("programmes:session_detail", args=[session.pk])).content.decode()
    assert "Angre avmeldingen" in page and "kl. 09.10" in page
    clock.move_to(NOW + timedelta(minutes=9))
    response = client.post(reverse("programmes:registration_restore", args=[session.pk]), follow=True)
    assert "er din igjen" in response.content.decode()
    reg.refresh_from_db()
    session.refresh_from_db()
    assert reg.status == Registration.Status.CONFIRMED and session.confirmed_count == 1
    assert AuditEntry.objects.filter(event="registration_restore", actor=leader.user).count() == 1
    # Too late: refused, nothing changed.
    clock.move_to(NOW + timedelta(minutes=20))
    client.post(reverse("programmes:registration_cancel", args=[session.pk]))
    clock.move_to(NOW + timedelta(minutes=31))
    page = client.get(reverse("programmes:session_detail", args=[session.pk])).content.decode()
    assert "Angre avmeldingen" not in page
    response = client.post(reverse("programmes:registration_restore", args=[session.pk]), follow=True)
    assert "kan ikke lenger angres" in response.content.decode()
    reg.refresh_from_db()
    assert reg.status == Registration.Status.CANCELLED


def test_undo_never_takes_a_seat_offered_to_the_waiting_list(signed_up):
    client, leader, session = signed_up
    waiting = enrolled_leader(session.programme)
    services.registration_create(session=session, leader=waiting, by=waiting.user)  # capacity 1: waits
    response = client.post(reverse("programmes:registration_cancel", args=[session.pk]), follow=True)
    assert "angre" not in response.content.decode().split("<main")[1]
    assert Registration.objects.get(session=session, leader=waiting).status == Registration.Status.OFFERED
    page = client.get(reverse("programmes:session_detail", args=[session.pk])).content.decode()
    assert "Angre avmeldingen" not in page
    response = client.post(reverse("programmes:registration_restore", args=[session.pk]), follow=True)
    assert "har i mellomtiden gått til noen på ventelisten" in response.content.decode()
    assert Registration.objects.get(session=session, leader=leader).status == Registration.Status.CANCELLED
    session.refresh_from_db()
    assert (session.confirmed_count, session.offered_count) == (0, 1)
