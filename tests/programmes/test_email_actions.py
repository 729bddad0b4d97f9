"""One-click links from e-mails: the GET only shows, the POST does that one thing, once."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail as django_mail
from django.urls import reverse
from django.utils import timezone

from programmes import email_actions, services
from programmes.models import EmailActionUse, Registration, Session, SessionDecline
from tests.factories import LeaderFactory
from tests.programmes.factories import ProgrammeFactory, SessionFactory, enrolled_leader
from toppleder.audit import AuditEntry
from toppleder.models import OutboxMessage

LINK = re.compile(r"http://[^/\s]+(/e/([a-z]+)/([A-Za-z0-9_:\-]+)/)")


@pytest.fixture
def programme(db):
    return ProgrammeFactory()


def _invite(session, hr_user, capture):
    session.status = Session.Status.DRAFT
    session.save()
    with capture(execute=True):
        services.session_publish(session=session, by=hr_user)


def _links(message) -> dict:
    return {action: path for path, action, _ in LINK.findall(message.body)}


def _main(response) -> str:
    text = response.content.decode()
    return text[text.index("<main") : text.index("</main>")]


def _state():
    return (
        list(Registration.objects.values_list("pk", "status", "calendar_sequence")),
        SessionDecline.objects.count(),
        EmailActionUse.objects.count(),
    )


def test_invitation_sign_up_link_shows_then_signs_up_once_without_a_password(
    client, programme, hr_user, django_capture_on_commit_callbacks
):
    session = SessionFactory(programme=programme, title="Tillit i styringen")
    leader = enrolled_leader(programme)
    _invite(session, hr_user, django_capture_on_commit_callbacks)
    (invitation,) = django_mail.outbox
    links = _links(invitation)
    assert set(links) == {"signup", "decline"}
    assert "Meld meg på" in invitation.body and "Jeg kan ikke" in invitation.body
    # The secret links are sent but not kept in the outbox's copy.
    stored = OutboxMessage.objects.get(kind=OutboxMessage.Kind.SESSION_INVITATION)
    token = links["signup"].rsplit("/", 2)[-2]
    assert token not in stored.body_text and token not in stored.body_html
    assert "/e/signup/[…]/" in stored.body_text

    before = _state()
    page = client.get(links["signup"])
    client.head(links["signup"])
    assert page.status_code == 200
    text = _main(page)
    assert "Meld meg på" in text and "får du plass" in text
    assert text.count('type="submit"') == 1
    assert _state() == before  # a mail scanner opening the link changes nothing

    django_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(links["signup"])
    assert done.status_code == 200
    assert "Du er påmeldt" in done.content.decode()
    reg = Registration.objects.get(session=session, leader=leader)
    assert reg.status == Registration.Status.CONFIRMED
    entries = AuditEntry.objects.filter(event__in=["email_action", "registration_create"])
    assert {e.event for e in entries} == {"email_action", "registration_create"}
    assert {e.actor_id for e in entries} == {leader.user_id}
    (confirmation,) = django_mail.outbox
    assert confirmation.to == [leader.user.email]

    # Used once: the second POST (a refresh, a second click) changes nothing.
    before = _state()
    again = client.post(links["signup"])
    assert again.status_code == 410
    assert "allerede brukt" in again.content.decode()
    assert reverse("account_login") in again.content.decode()
    assert _state() == before
    assert client.get(links["signup"]).status_code == 410
    # Cancelled on the session page since: the old link does not sign the leader up again.
    services.registration_cancel(registration=reg, by=leader.user)
    assert client.post(links["signup"]).status_code == 410
    assert Registration.objects.get(pk=reg.pk).status == Registration.Status.CANCELLED


def test_full_session_offers_the_waiting_list_and_puts_the_leader_on_it(
    client, programme, hr_user, django_capture_on_commit_callbacks
):
    session = SessionFactory(programme=programme, capacity=1)
    holder, leader = enrolled_leader(programme), enrolled_leader(programme)
    services.registration_create(session=session, leader=holder)
    _invite(session, hr_user, django_capture_on_commit_callbacks)
    (invitation,) = [m for m in django_mail.outbox if m.to == [leader.user.email]]
    links = _links(invitation)
    assert set(links) == {"waitlist", "decline"}
    assert "Sett meg på ventelisten" in invitation.body
    assert "nummer 1" in client.get(links["waitlist"]).content.decode()
    client.post(links["waitlist"])
    reg = Registration.objects.get(session=session, leader=leader)
    assert (reg.status, reg.waitlist_position) == (Registration.Status.WAITLISTED, 1)


def test_i_cannot_come_is_recorded_once(client, programme, hr_user, django_capture_on_commit_callbacks):
    session = SessionFactory(programme=programme)
    leader = enrolled_leader(programme)
    _invite(session, hr_user, django_capture_on_commit_callbacks)
    links = _links(django_mail.outbox[0])
    assert client.get(links["decline"]).status_code == 200
    assert not SessionDecline.objects.exists()
    assert client.post(links["decline"]).status_code == 200
    assert SessionDecline.objects.get().leader == leader
    assert not Registration.objects.exists()
    assert AuditEntry.objects.filter(event="invitation_decline", actor=leader.user).count() == 1


def _token(action, leader, session, **kwargs):
    kwargs.setdefault("expires_at", session.starts_at)
    return email_actions.make_token(action, leader=leader, session=session, **kwargs)


def _url(action, token):
    return reverse("programmes:email_action", args=[action, token])


def test_tampered_swapped_expired_and_other_person_s_links_change_nothing(client, programme):
    session = SessionFactory(programme=programme)
    leader, other = enrolled_leader(programme), enrolled_leader(programme)
    token = _token("signup", leader, session)
    before = _state()
    # One character changed in the payload or the signature.
    flipped = token[:5] + ("A" if token[5] != "A" else "B") + token[6:]
    for url in (_url("signup", flipped), _url("signup", token[:-1] + ("x" if token[-1] != "x" else "y"))):
        response = client.post(url)
        assert response.status_code == 400
        assert "Lenken virker ikke" in response.content.decode()
    # A token made for "decline" does not work as "signup" (salt per action), nor the reverse.
    assert client.post(_url("decline", token)).status_code == 400
    assert client.post(_url("nonsense", token)).status_code == 400
    # Someone else signed in: the link is not theirs to use.
    client.force_login(other.user)
    response = client.post(_url("signup", token))
    assert response.status_code == 403
    assert "sendt til en annen" in response.content.decode()
    client.logout()
    # Expired: the deadline has passed.
    with time_machine.travel(session.starts_at + timedelta(minutes=1)):
        response = client.post(_url("signup", token))
        assert response.status_code == 410
        assert "utløpt" in response.content.decode()
    assert _state() == before


def test_link_for_a_session_that_closed_since_shows_why_and_does_nothing(client, programme, hr_user):
    session = SessionFactory(programme=programme)
    leader = enrolled_leader(programme)
    token = _token("signup", leader, session)
    services.session_cancel(session=session, by=hr_user)
    before = _state()
    page = client.get(_url("signup", token))
    assert page.status_code == 200
    assert 'type="submit"' not in _main(page)
    assert "Påmeldingen til denne samlingen er stengt" in _main(page)
    response = client.post(_url("signup", token))
    assert response.status_code == 409
    assert "avlyst" in response.content.decode()
    assert _state() == before  # refused: the link stays unused, nothing changed


def test_a_leader_who_is_no_longer_enrolled_is_refused(client, programme):
    session = SessionFactory(programme=programme)
    outsider = LeaderFactory()
    token = _token("signup", outsider, session)
    response = client.post(_url("signup", token))
    assert response.status_code == 409
    assert not Registration.objects.exists()


def test_links_never_outlive_the_maximum_age(client, programme):
    session = SessionFactory(programme=programme, starts_at=timezone.now() + timedelta(days=200))
    session.ends_at = session.starts_at + timedelta(hours=2)
    session.save()
    token = _token("signup", enrolled_leader(programme), session)
    with time_machine.travel(timezone.now() + email_actions.MAX_AGE + timedelta(days=1)):
        assert client.get(_url("signup", token)).status_code == 410


def test_the_reminder_gives_up_the_seat_with_one_click_and_the_next_on_the_list_is_offered_it(
    client, programme, django_capture_on_commit_callbacks
):
    """ "Gi fra meg plassen" in the 48-hour reminder: the GET shows what will happen, the POST
    records apologies (excused, not a no-show) and the seat goes to the first on the list."""
    from programmes import notifications

    session = SessionFactory(programme=programme, capacity=1, title="Tillit i styringen")
    holder, waiting = enrolled_leader(programme), enrolled_leader(programme)
    with django_capture_on_commit_callbacks(execute=True):
        reg = services.registration_create(session=session, leader=holder, by=holder.user)
        services.registration_create(session=session, leader=waiting, by=waiting.user)
    django_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        notifications.session_reminders_queue(now=session.starts_at - timedelta(hours=40))
    (reminder,) = django_mail.outbox
    links = _links(reminder)
    assert set(links) == {"giveup"} and "Gi fra meg plassen" in reminder.body
    stored = OutboxMessage.objects.get(kind=OutboxMessage.Kind.SESSION_REMINDER)
    assert links["giveup"].rsplit("/", 2)[-2] not in stored.body_text

    before = _state()
    page = client.get(links["giveup"])
    assert page.status_code == 200 and "gyldig fravær" in _main(page)
    assert _state() == before
    django_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(links["giveup"])
    assert done.status_code == 200 and "Du har gitt fra deg plassen" in done.content.decode()
    reg.refresh_from_db()
    assert (reg.status, reg.attendance) == (Registration.Status.CANCELLED, Registration.Attendance.EXCUSED)
    offered = Registration.objects.get(session=session, leader=waiting)
    assert offered.status == Registration.Status.OFFERED
    assert sorted(m.to[0] for m in django_mail.outbox) == sorted([holder.user.email, waiting.user.email])
    assert client.post(links["giveup"]).status_code == 410  # once
