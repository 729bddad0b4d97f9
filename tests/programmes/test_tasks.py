"""Session and registration e-mails: who gets what, once, with the right calendar entry."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.core import mail as django_mail
from django.utils import timezone

from programmes import notifications, services, tasks
from programmes.models import Registration, Session
from tests.factories import LeaderFactory, LeaderGroupFactory
from tests.programmes.factories import ProgrammeFactory, RegistrationFactory, SessionFactory, enrolled_leader
from toppleder.models import NotificationPreference, OutboxMessage

Kind = OutboxMessage.Kind
Status = OutboxMessage.Status


def _calendar(message):
    """The text/calendar part of a sent django message, parsed."""
    for part in message.attachments:
        if hasattr(part, "get_content_type") and part.get_content_type() == "text/calendar":
            return part.get_param("method"), icalendar.Calendar.from_ical(part.get_payload(decode=True))
    return None, None


def _sent_to(address):
    return [m for m in django_mail.outbox if m.to == [address]]


@pytest.fixture
def programme(db):
    return ProgrammeFactory()


@pytest.fixture
def draft(programme):
    return SessionFactory(programme=programme, status=Session.Status.DRAFT, title="Tillit i styringen")


def test_publish_invites_each_eligible_leader_once_with_calendar(
    programme, draft, hr_user, django_capture_on_commit_callbacks
):
    leaders = [enrolled_leader(programme) for _ in range(3)]
    outsider = LeaderFactory()  # not enrolled
    with django_capture_on_commit_callbacks(execute=True):
        services.session_publish(session=draft, by=hr_user)
    assert sorted(m.to[0] for m in django_mail.outbox) == sorted(leader.user.email for leader in leaders)
    assert not _sent_to(outsider.user.email)
    method, cal = _calendar(django_mail.outbox[0])
    # Nothing to accept or decline in the calendar before anyone has signed up.
    assert method == "PUBLISH"
    event = cal.walk("VEVENT")[0]
    assert "ATTENDEE" not in event
    assert str(event["UID"]) == f"session-{draft.uid}@toppleder"
    assert event["DTSTART"].params["TZID"] == "Europe/Oslo"
    assert event.decoded("DTSTART") == draft.starts_at.replace(microsecond=0)
    # Running the task again (a retry) sends nothing new.
    tasks.session_published(draft.pk)
    assert len(django_mail.outbox) == 3
    assert OutboxMessage.objects.filter(kind=Kind.SESSION_INVITATION, status=Status.SENT).count() == 3


def test_reserved_session_invites_only_its_groups(programme, draft, hr_user, django_capture_on_commit_callbacks):
    member, other = enrolled_leader(programme), enrolled_leader(programme)
    group = LeaderGroupFactory(members=[member])
    draft.reserved_for_groups.add(group)
    with django_capture_on_commit_callbacks(execute=True):
        services.session_publish(session=draft, by=hr_user)
    assert [m.to[0] for m in django_mail.outbox] == [member.user.email]
    assert not _sent_to(other.user.email)


def test_invitations_are_chunked(programme, draft, monkeypatch):
    monkeypatch.setattr(notifications, "INVITATION_CHUNK", 2)
    for _ in range(5):
        enrolled_leader(programme)
    draft.status = Session.Status.PUBLISHED
    draft.save()
    chunks = notifications.session_invitations_queue(session_id=draft.pk)
    assert [len(c) for c in chunks] == [2, 2, 1]


def test_signup_confirms_with_request_and_attendee(programme, django_capture_on_commit_callbacks):
    session = SessionFactory(programme=programme)
    leader = enrolled_leader(programme)
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_create(session=session, leader=leader)
    (sent,) = _sent_to(leader.user.email)
    assert session.title in sent.subject
    method, cal = _calendar(sent)
    assert method == "REQUEST"
    event = cal.walk("VEVENT")[0]
    assert int(event["SEQUENCE"]) == session.sequence
    assert leader.user.email in str(event["ATTENDEE"])
    # The task run twice: still one e-mail.
    tasks.registration_confirmed(Registration.objects.get().pk)
    assert len(_sent_to(leader.user.email)) == 1


def test_signup_when_full_confirms_waiting_list_without_calendar(programme, django_capture_on_commit_callbacks):
    session = SessionFactory(programme=programme, capacity=1)
    first, second = enrolled_leader(programme), enrolled_leader(programme)
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_create(session=session, leader=first)
        services.registration_create(session=session, leader=second)
    (sent,) = _sent_to(second.user.email)
    assert _calendar(sent) == (None, None)
    assert OutboxMessage.objects.get(recipient=second.user).kind == Kind.REGISTRATION_WAITLISTED


def test_cancel_offers_the_seat_to_the_first_waiting_without_a_calendar_until_accepted(
    programme, django_capture_on_commit_callbacks
):
    session = SessionFactory(programme=programme, capacity=1)
    first, second = enrolled_leader(programme), enrolled_leader(programme)
    with django_capture_on_commit_callbacks(execute=True):
        reg = services.registration_create(session=session, leader=first)
        services.registration_create(session=session, leader=second)
    django_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(registration=reg)
    (cancelled,) = _sent_to(first.user.email)
    assert _calendar(cancelled)[0] == "CANCEL"
    (offer,) = _sent_to(second.user.email)
    assert _calendar(offer) == (None, None)  # nothing in the calendar before they say yes
    assert "Behold plassen" in offer.body and "Gi fra meg plassen" in offer.body
    assert OutboxMessage.objects.get(kind=Kind.WAITLIST_OFFER).recipient == second.user


def test_cancel_then_sign_up_again_confirms_again(programme, django_capture_on_commit_callbacks):
    session = SessionFactory(programme=programme)
    leader = enrolled_leader(programme)
    with django_capture_on_commit_callbacks(execute=True):
        reg = services.registration_create(session=session, leader=leader)
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(registration=reg)
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_create(session=session, leader=leader)
    kinds = list(OutboxMessage.objects.order_by("pk").values_list("kind", "status"))
    assert kinds == [
        (Kind.REGISTRATION_CONFIRMED, Status.SENT),
        (Kind.REGISTRATION_CANCELLED, Status.SENT),
        (Kind.REGISTRATION_CONFIRMED, Status.SENT),
    ]


def test_change_sends_update_with_new_sequence_and_supersedes_queued_confirmation(
    programme, hr_user, django_capture_on_commit_callbacks
):
    session = SessionFactory(programme=programme)
    leader = enrolled_leader(programme)
    # The confirmation is queued but its delivery task has not run yet ...
    with django_capture_on_commit_callbacks(execute=False):  # the outbox row, its delivery not run
        services.registration_create(session=session, leader=leader)
    queued = OutboxMessage.objects.get()
    assert queued.status == Status.QUEUED
    # ... when HR moves the session.
    new_start = session.starts_at + timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.session_update(
            session=session, by=hr_user, starts_at=new_start, ends_at=new_start + timedelta(hours=2)
        )
    tasks_deliver = __import__("toppleder.tasks", fromlist=["deliver"]).deliver
    tasks_deliver(queued.pk)
    queued.refresh_from_db()
    assert queued.status == Status.SUPERSEDED
    (sent,) = _sent_to(leader.user.email)  # only the update, never the old time
    assert OutboxMessage.objects.get(status=Status.SENT).kind == Kind.SESSION_CHANGED
    event = _calendar(sent)[1].walk("VEVENT")[0]
    assert int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == new_start.replace(microsecond=0)


def test_cancelled_session_sends_cancel_and_skips_pending_invitations_and_reminders(
    programme, draft, hr_user, django_capture_on_commit_callbacks
):
    registered, invited = enrolled_leader(programme), enrolled_leader(programme)
    draft.status = Session.Status.PUBLISHED
    draft.save()
    RegistrationFactory(session=draft, leader=registered)
    for chunk in notifications.session_invitations_queue(session_id=draft.pk):
        with django_capture_on_commit_callbacks(execute=False):
            notifications.session_invitations_send(session_id=draft.pk, leader_ids=chunk)
    invitation = OutboxMessage.objects.get(kind=Kind.SESSION_INVITATION)
    with django_capture_on_commit_callbacks(execute=True):
        services.session_cancel(session=draft, by=hr_user)
    mail_task = __import__("toppleder.tasks", fromlist=["deliver"]).deliver
    mail_task(invitation.pk)
    invitation.refresh_from_db()
    assert invitation.status == Status.SUPERSEDED
    assert not _sent_to(invited.user.email)
    (notice,) = _sent_to(registered.user.email)
    assert _calendar(notice)[0] == "CANCEL"
    assert notifications.session_reminders_queue(now=draft.starts_at - timedelta(hours=30)) == 0


def test_reminder_48_hours_before_once_and_respects_preference(programme, django_capture_on_commit_callbacks):
    session = SessionFactory(programme=programme, starts_at=timezone.now() + timedelta(hours=40))
    keen, muted = RegistrationFactory(session=session), RegistrationFactory(session=session)
    NotificationPreference.objects.create(user=muted.leader.user, session_reminders=False)
    far = SessionFactory(programme=programme, starts_at=timezone.now() + timedelta(days=5))
    RegistrationFactory(session=far)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.session_reminders_send()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.session_reminders_send()  # the next beat run: nothing new
    assert [m.to[0] for m in django_mail.outbox] == [keen.leader.user.email]
    assert OutboxMessage.objects.get().key == f"reminder48:{keen.pk}:{session.sequence}"


@pytest.mark.parametrize("language", ["nb", "en"])
def test_email_is_in_the_recipients_language_and_oslo_time(programme, language, django_capture_on_commit_callbacks):
    starts = timezone.make_aware(datetime(2030, 3, 4, 9, 30), ZoneInfo("Europe/Oslo"))
    session = SessionFactory(programme=programme, starts_at=starts, ends_at=starts + timedelta(hours=2))
    leader = enrolled_leader(programme, user__language=language)
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_create(session=session, leader=leader)
    (sent,) = django_mail.outbox
    html = sent.alternatives[0][0]
    assert f'lang="{language}"' in html
    # Django's own month and weekday names, rendered in the recipient's language.
    # One format everywhere (toppleder/dates.py), in Oslo time, not UTC.
    expected = "mandag 4. mars 2030 kl. 09.30–11.30" if language == "nb" else "Monday 4 March 2030 at 09:30–11:30"
    assert expected in sent.body
    assert f"/sessions/{session.pk}/" in sent.body
    if language == "en":
        assert sent.subject.startswith("You are signed up")


def test_change_tells_invitees_who_got_the_old_time_but_not_those_still_queued(
    programme, draft, hr_user, django_capture_on_commit_callbacks
):
    told, pending = enrolled_leader(programme), enrolled_leader(programme)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.session_publish(session=draft, by=hr_user)
    for callback in callbacks:
        callback()  # session_published: the invitations are queued, none delivered yet
    from toppleder.tasks import deliver

    deliver(OutboxMessage.objects.get(recipient=told.user).pk)  # one went out with the old time
    django_mail.outbox.clear()
    new_start = draft.starts_at + timedelta(hours=3)
    with django_capture_on_commit_callbacks(execute=True):
        services.session_update(session=draft, by=hr_user, starts_at=new_start, ends_at=new_start + timedelta(hours=2))
    (notice,) = _sent_to(told.user.email)
    assert OutboxMessage.objects.get(recipient=told.user, kind=Kind.SESSION_CHANGED).status == Status.SENT
    event = _calendar(notice)[1].walk("VEVENT")[0]
    assert int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == new_start.replace(microsecond=0)
    # The pending invitation is written when sent: it carries the new time, and no notice.
    deliver(OutboxMessage.objects.get(recipient=pending.user, kind=Kind.SESSION_INVITATION).pk)
    (invitation,) = _sent_to(pending.user.email)
    assert _calendar(invitation)[1].walk("VEVENT")[0].decoded("DTSTART") == new_start.replace(microsecond=0)
    assert not OutboxMessage.objects.filter(recipient=pending.user, kind=Kind.SESSION_CHANGED).exists()


def test_leader_enrolled_after_publishing_is_invited_once(
    programme, draft, hr_user, django_capture_on_commit_callbacks
):
    enrolled_leader(programme)
    with django_capture_on_commit_callbacks(execute=True):
        services.session_publish(session=draft, by=hr_user)
    latecomer = LeaderFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_add(programme=programme, leaders=[latecomer], by=hr_user)
    assert len(_sent_to(latecomer.user.email)) == 1
    # Withdrawn and enrolled again: still only the one invitation to that session.
    enrolment = latecomer.enrolments.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_withdraw(enrolment=enrolment, by=hr_user)
        services.enrolment_add(programme=programme, leaders=[latecomer], by=hr_user)
    assert len(_sent_to(latecomer.user.email)) == 1
    assert OutboxMessage.objects.filter(kind=Kind.SESSION_INVITATION, recipient=latecomer.user).count() == 1


OSLO = ZoneInfo("Europe/Oslo")


def test_reminders_count_real_hours_across_the_start_of_summer_time(programme, django_capture_on_commit_callbacks):
    """Summer time starts at 02:00 on Sunday 28 March 2027. On Friday at 09:30 a session at
    Sunday 09:00 is 46.5 real hours ahead (its wall clock says 47.5): inside the 24–48 h window;
    one at Sunday 11:00 is 48.5 real hours ahead: the next beat run reminds it."""
    import time_machine

    friday = datetime(2027, 3, 26, 9, 30, tzinfo=OSLO)
    inside = SessionFactory(programme=programme, starts_at=datetime(2027, 3, 28, 9, 0, tzinfo=OSLO), title="Innenfor")
    outside = SessionFactory(programme=programme, starts_at=datetime(2027, 3, 28, 11, 0, tzinfo=OSLO), title="Utenfor")
    RegistrationFactory(session=inside)
    RegistrationFactory(session=outside)
    with time_machine.travel(friday, tick=False):
        assert notifications.session_reminders_queue() == 1
        assert OutboxMessage.objects.get().object_ref == "Innenfor"
    with time_machine.travel(friday + timedelta(minutes=45), tick=False):
        notifications.session_reminders_queue()
    # One reminder each: the first is keyed, so the second run adds only the newly due one.
    assert sorted(OutboxMessage.objects.values_list("object_ref", flat=True)) == ["Innenfor", "Utenfor"]


def test_a_session_across_the_change_shows_its_local_times_in_the_email_and_calendar(
    programme, django_capture_on_commit_callbacks
):
    """A night session from Saturday 22:00 (winter time) to Sunday 06:00 (summer time) lasts
    seven real hours; the e-mail and the calendar file say 22.00 and 06.00."""
    import time_machine

    starts = datetime(2027, 3, 27, 22, 0, tzinfo=OSLO)
    ends = datetime(2027, 3, 28, 6, 0, tzinfo=OSLO)
    assert ends.astimezone(ZoneInfo("UTC")) - starts.astimezone(ZoneInfo("UTC")) == timedelta(hours=7)
    with time_machine.travel(datetime(2027, 3, 20, 12, 0, tzinfo=OSLO), tick=False):
        session = SessionFactory(programme=programme, starts_at=starts, ends_at=ends)
        leader = enrolled_leader(programme)
        with django_capture_on_commit_callbacks(execute=True):
            services.registration_create(session=session, leader=leader)
    (sent,) = django_mail.outbox
    assert "lørdag 27. mars 2027 kl. 22.00 – søndag 28. mars 2027 kl. 06.00" in sent.body
    event = _calendar(sent)[1].walk("VEVENT")[0]
    assert event.decoded("DTSTART") == starts and event.decoded("DTEND") == ends
    assert event.decoded("DTEND").utcoffset() == timedelta(hours=2)  # CEST
    assert event.decoded("DTSTART").utcoffset() == timedelta(hours=1)  # CET
