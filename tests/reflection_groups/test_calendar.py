"""One calendar: group meetings and the meetings a mentor pair plans are invited (REQUEST, the
recipient an accepted attendee), moved (REQUEST, same UID, higher SEQUENCE) and called off
(CANCEL), and sit in the personal feed with the same UID; logged pair meetings are in the feed
too, next to the sessions and the waiting-list places (tentative). Read with icalendar and vobject."""

from datetime import timedelta

import icalendar
import vobject
from django.core import mail as django_mail
from django.urls import reverse
from django.utils import timezone

from programmes.calendar import leader_feed_ics
from reflection_groups import services
from tests.programmes.factories import RegistrationFactory
from tests.reflection_groups.conftest import GROUP_SECRET, PAIR_SECRET


def _calendar_part(message):
    for part in message.attachments:
        if hasattr(part, "get_content_type") and part.get_content_type() == "text/calendar":
            return part.get_param("method"), part.get_payload(decode=True)
    return None, None


def test_a_scheduled_meeting_is_a_calendar_request_to_each_member_and_the_facilitator(
    world, django_capture_on_commit_callbacks
):
    starts = (timezone.now() + timedelta(days=10)).replace(microsecond=0)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = services.meeting_schedule(
            group=world.group, actor=world.facilitator, starts_at=starts, place="Rådhuset, møterom 3"
        )
    people = {m.user.email for m in world.members} | {world.facilitator.email}
    assert sorted(m.to[0] for m in django_mail.outbox) == sorted(people)
    for message in django_mail.outbox:
        method, raw = _calendar_part(message)
        assert method == "REQUEST"
        event = icalendar.Calendar.from_ical(raw).walk("VEVENT")[0]
        v = vobject.readOne(raw.decode())
        assert v.method.value == "REQUEST"
        assert str(event["UID"]) == v.vevent.uid.value == f"group-meeting-{meeting.pk}@toppleder"
        assert str(event["ATTENDEE"]) == v.vevent.attendee.value == f"mailto:{message.to[0]}"
        assert event["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED" and event["ATTENDEE"].params["RSVP"] == "FALSE"
        assert event.decoded("DTSTART") == starts
        # vobject keeps one time zone per TZID for the whole process (the first VTIMEZONE it read),
        # so its UTC offset depends on which test ran before; the wall-clock time and the TZID
        # are what it reads from this file, and what Outlook and Google map.
        assert v.vevent.dtstart.value.replace(tzinfo=None) == timezone.localtime(starts).replace(tzinfo=None)
        assert v.vevent.dtstart.params["X-VOBJ-ORIGINAL-TZID"] == ["Europe/Oslo"]
        assert GROUP_SECRET not in message.body and GROUP_SECRET not in raw.decode()
    # The task again: nobody gets a second invitation.
    from reflection_groups.tasks import meeting_scheduled

    meeting_scheduled(meeting.pk)
    assert len(django_mail.outbox) == len(people)


def test_the_feed_holds_sessions_group_meetings_and_pair_meetings_with_the_e_mails_uids(
    client, world, django_capture_on_commit_callbacks
):
    leader = world.members[0]  # in the group, and the mentee of the pair
    confirmed = RegistrationFactory(leader=leader)
    waiting = RegistrationFactory(leader=leader, status="waitlisted", waitlist_position=1)
    with django_capture_on_commit_callbacks(execute=True):
        upcoming = services.meeting_schedule(
            group=world.group, actor=world.facilitator, starts_at=timezone.now() + timedelta(days=3), place="Rådhuset"
        )
    (invitation,) = [m for m in django_mail.outbox if m.to == [leader.user.email]]
    invited_uid = str(icalendar.Calendar.from_ical(_calendar_part(invitation)[1]).walk("VEVENT")[0]["UID"])

    raw = client.get(reverse("programmes:calendar_feed", args=[leader.calendar_token])).content
    events = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(raw).walk("VEVENT")}
    v_uids = {e.uid.value for e in vobject.readOne(raw.decode()).vevent_list}
    assert (
        set(events)
        == v_uids
        == {
            f"session-{confirmed.session.uid}@toppleder",
            f"session-{waiting.session.uid}@toppleder",
            f"group-meeting-{world.meeting.pk}@toppleder",
            invited_uid,
            f"pair-meeting-{world.pair_meeting.pk}@toppleder",
        }
    )
    assert invited_uid == f"group-meeting-{upcoming.pk}@toppleder"
    assert str(events[f"session-{waiting.session.uid}@toppleder"]["STATUS"]) == "TENTATIVE"
    pair_entry = events[f"pair-meeting-{world.pair_meeting.pk}@toppleder"]
    assert pair_entry.decoded("DTSTART") == world.pair_meeting.date  # all day
    assert PAIR_SECRET.encode() not in raw and GROUP_SECRET.encode() not in raw
    # Someone outside the group and the pair sees none of it.
    outsider = icalendar.Calendar.from_ical(leader_feed_ics(world.outsider))
    assert outsider.walk("VEVENT") == []


def test_the_feed_reads_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    leader = world.members[0]
    for _ in range(5):
        RegistrationFactory(leader=leader)
        services.meeting_schedule(
            group=world.group, actor=world.facilitator, starts_at=timezone.now() + timedelta(days=3), place="Rådhuset"
        )
        services.pair_appointment_plan(
            pair=world.pair, actor=leader.user, starts_at=timezone.now() + timedelta(days=4), place="Kafé"
        )
    with django_assert_max_num_queries(4):
        leader_feed_ics(leader)


def test_a_cancelled_meeting_sends_cancel_with_the_same_uid_and_a_higher_sequence(
    client, world, django_capture_on_commit_callbacks
):
    leader = world.members[0]
    with django_capture_on_commit_callbacks(execute=True):
        meeting = services.meeting_schedule(
            group=world.group, actor=world.facilitator, starts_at=timezone.now() + timedelta(days=5), place="Rådhuset"
        )
    (invitation,) = [m for m in django_mail.outbox if m.to == [leader.user.email]]
    request = icalendar.Calendar.from_ical(_calendar_part(invitation)[1]).walk("VEVENT")[0]
    django_mail.outbox.clear()
    client.force_login(leader.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reflection_groups:meeting_cancel", args=[world.group.pk, meeting.pk]))
    assert response.status_code == 302
    people = {m.user.email for m in world.members} | {world.facilitator.email}
    assert sorted(m.to[0] for m in django_mail.outbox) == sorted(people)
    (notice,) = [m for m in django_mail.outbox if m.to == [leader.user.email]]
    method, raw = _calendar_part(notice)
    cancel = icalendar.Calendar.from_ical(raw).walk("VEVENT")[0]
    v = vobject.readOne(raw.decode())
    assert method == "CANCEL" == v.method.value
    assert str(cancel["UID"]) == str(request["UID"]) == v.vevent.uid.value
    assert int(cancel["SEQUENCE"]) == int(v.vevent.sequence.value) > int(request["SEQUENCE"])
    assert str(cancel["STATUS"]) == "CANCELLED"
    # The feed keeps it, cancelled, with the same SEQUENCE; a second cancel changes nothing.
    feed = icalendar.Calendar.from_ical(leader_feed_ics(leader))
    entry = next(e for e in feed.walk("VEVENT") if str(e["UID"]) == str(request["UID"]))
    assert (str(entry["STATUS"]), int(entry["SEQUENCE"])) == ("CANCELLED", int(cancel["SEQUENCE"]))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reflection_groups:meeting_cancel", args=[world.group.pk, meeting.pk]))
    assert len(django_mail.outbox) == len(people)


def test_a_past_meeting_cannot_be_cancelled(client, world):
    client.force_login(world.members[0].user)
    client.post(reverse("reflection_groups:meeting_cancel", args=[world.group.pk, world.meeting.pk]))
    world.meeting.refresh_from_db()
    assert world.meeting.cancelled_at is None and world.meeting.sequence == 0


def _entry(message):
    method, raw = _calendar_part(message)
    return method, icalendar.Calendar.from_ical(raw).walk("VEVENT")[0], vobject.readOne(raw.decode())


def test_a_moved_meeting_sends_everyone_the_entry_again_with_the_same_uid_and_a_higher_sequence(
    client_nb, world, django_capture_on_commit_callbacks
):
    leader = world.members[0]
    starts = (timezone.now() + timedelta(days=5)).replace(second=0, microsecond=0)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = services.meeting_schedule(
            group=world.group, actor=world.facilitator, starts_at=starts, place="Rådhuset"
        )
    (invitation,) = [m for m in django_mail.outbox if m.to == [leader.user.email]]
    _, first, _ = _entry(invitation)
    django_mail.outbox.clear()
    client_nb.force_login(leader.user)
    url = reverse("reflection_groups:meeting_change", args=[world.group.pk, meeting.pk])
    page = client_nb.get(url)
    assert page.status_code == 200 and "Avlys møtet" in page.content.decode()
    moved = starts + timedelta(days=1, hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_nb.post(
            url, {"starts_at": timezone.localtime(moved).strftime("%Y-%m-%dT%H:%M"), "place": "Rådhuset, sal 2"}
        )
    assert response.status_code == 302
    people = {m.user.email for m in world.members} | {world.facilitator.email}
    assert sorted(m.to[0] for m in django_mail.outbox) == sorted(people)
    (update,) = [m for m in django_mail.outbox if m.to == [leader.user.email]]
    assert update.subject.startswith("Endret: gruppemøte i Refleksjonsgruppe 1")
    method, event, v = _entry(update)
    assert method == "REQUEST" == v.method.value
    assert str(event["UID"]) == str(first["UID"]) == v.vevent.uid.value
    assert int(event["SEQUENCE"]) == int(v.vevent.sequence.value) == int(first["SEQUENCE"]) + 1
    assert event.decoded("DTSTART") == moved and str(event["LOCATION"]) == "Rådhuset, sal 2"
    # The feed has the new time and the same SEQUENCE as the e-mail.
    feed = icalendar.Calendar.from_ical(leader_feed_ics(leader))
    entry = next(e for e in feed.walk("VEVENT") if str(e["UID"]) == str(first["UID"]))
    assert (entry.decoded("DTSTART"), int(entry["SEQUENCE"])) == (moved, int(event["SEQUENCE"]))
    # Saving the same time and place again sends nothing and bumps nothing.
    with django_capture_on_commit_callbacks(execute=True):
        client_nb.post(
            url, {"starts_at": timezone.localtime(moved).strftime("%Y-%m-%dT%H:%M"), "place": "Rådhuset, sal 2"}
        )
    meeting.refresh_from_db()
    assert meeting.sequence == 1 and len(django_mail.outbox) == len(people)


def test_an_invitation_overtaken_by_a_change_is_not_sent(world, django_capture_on_commit_callbacks):
    """The first invitation is still queued when the meeting moves: only the newer entry goes out."""
    from toppleder.models import OutboxMessage
    from toppleder.outbox.delivery import outbox_deliver

    starts = timezone.now() + timedelta(days=5)
    meeting = services.meeting_schedule(group=world.group, actor=world.facilitator, starts_at=starts, place="Rådhuset")
    from reflection_groups.notifications import meeting_invitations_queue

    meeting_invitations_queue(meeting_id=meeting.pk)  # queued, not yet delivered
    services.meeting_change(
        meeting=meeting, actor=world.facilitator, starts_at=starts + timedelta(hours=1), place="Rådhuset"
    )
    meeting_invitations_queue(meeting_id=meeting.pk)
    for pk in OutboxMessage.objects.filter(status="queued").values_list("pk", flat=True):
        outbox_deliver(message_id=pk)
    people = len(world.members) + 1
    sent = OutboxMessage.objects.filter(object_id=meeting.pk, kind="meeting_invitation", status="sent")
    assert sent.count() == people and {m.params["sequence"] for m in sent} == {1}
    assert OutboxMessage.objects.filter(object_id=meeting.pk, status="superseded").count() == people
    assert len(django_mail.outbox) == people


def test_a_meeting_cannot_be_moved_into_the_past_or_after_it_was_cancelled(client_nb, world):
    meeting = services.meeting_schedule(
        group=world.group, actor=world.facilitator, starts_at=timezone.now() + timedelta(days=2), place="Rådhuset"
    )
    client_nb.force_login(world.facilitator)
    url = reverse("reflection_groups:meeting_change", args=[world.group.pk, meeting.pk])
    past = timezone.localtime(timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client_nb.post(url, {"starts_at": past, "place": "Rådhuset"})
    assert response.status_code == 400 and "Velg et tidspunkt som ikke har passert." in response.content.decode()
    services.meeting_cancel(meeting=meeting, actor=world.facilitator)
    later = timezone.localtime(timezone.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = client_nb.post(url, {"starts_at": later, "place": "Rådhuset"})
    assert response.status_code == 400
    meeting.refresh_from_db()
    assert meeting.sequence == 1 and meeting.starts_at < timezone.now() + timedelta(days=2, minutes=1)


def test_a_planned_pair_meeting_reaches_both_calendars_and_is_moved_and_cancelled_there(
    client_nb, world, django_capture_on_commit_callbacks
):
    mentee, mentor = world.pair.mentee, world.pair.mentor
    client_nb.force_login(mentee.user)
    starts = (timezone.now() + timedelta(days=6)).replace(second=0, microsecond=0)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_nb.post(
            reverse("reflection_groups:pair_appointment_create", args=[world.pair.pk]),
            {"plan-starts_at": timezone.localtime(starts).strftime("%Y-%m-%dT%H:%M"), "plan-place": "Kafé Oslo"},
        )
    assert response.status_code == 302
    assert sorted(m.to[0] for m in django_mail.outbox) == sorted([mentee.user.email, mentor.user.email])
    (to_mentor,) = [m for m in django_mail.outbox if m.to == [mentor.user.email]]
    assert to_mentor.subject.startswith(f"Mentormøte med {mentee.name}")
    method, request, v = _entry(to_mentor)
    assert method == "REQUEST" == v.method.value
    assert str(request["ATTENDEE"]) == v.vevent.attendee.value == f"mailto:{mentor.user.email}"
    assert request["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED" and request.decoded("DTSTART") == starts
    assert PAIR_SECRET not in to_mentor.body
    page = client_nb.get(reverse("reflection_groups:pair_detail", args=[world.pair.pk])).content.decode()
    assert "Kafé Oslo" in page
    (appointment,) = world.pair.appointments.all()
    # Moved by the mentor: both get the entry again, same UID, higher SEQUENCE.
    django_mail.outbox.clear()
    client_nb.force_login(mentor.user)
    change = reverse("reflection_groups:pair_appointment_change", args=[world.pair.pk, appointment.pk])
    moved = starts + timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        client_nb.post(
            change, {"starts_at": timezone.localtime(moved).strftime("%Y-%m-%dT%H:%M"), "place": "Kafé Oslo"}
        )
    (update,) = [m for m in django_mail.outbox if m.to == [mentee.user.email]]
    _, changed, _ = _entry(update)
    assert str(changed["UID"]) == str(request["UID"]) and int(changed["SEQUENCE"]) == int(request["SEQUENCE"]) + 1
    assert changed.decoded("DTSTART") == moved and len(django_mail.outbox) == 2
    # Cancelled: CANCEL, same UID, higher SEQUENCE again; the feed keeps it as cancelled.
    django_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client_nb.post(reverse("reflection_groups:pair_appointment_cancel", args=[world.pair.pk, appointment.pk]))
    (notice,) = [m for m in django_mail.outbox if m.to == [mentee.user.email]]
    method, cancel, v = _entry(notice)
    assert method == "CANCEL" == v.method.value and str(cancel["STATUS"]) == "CANCELLED"
    assert str(cancel["UID"]) == str(request["UID"]) and int(cancel["SEQUENCE"]) > int(changed["SEQUENCE"])
    feed = icalendar.Calendar.from_ical(leader_feed_ics(mentee))
    entry = next(e for e in feed.walk("VEVENT") if str(e["UID"]) == str(request["UID"]))
    assert (str(entry["STATUS"]), int(entry["SEQUENCE"])) == ("CANCELLED", int(cancel["SEQUENCE"]))
    assert len(django_mail.outbox) == 2


def test_a_logged_meeting_on_a_planned_day_is_one_entry_in_the_feed(world):
    """The planned entry (timed) stands for the meeting; the log's all-day copy would double it."""
    from django.utils import timezone as tz

    mentee = world.pair.mentee
    appointment = services.pair_appointment_plan(
        pair=world.pair, actor=mentee.user, starts_at=tz.now() + timedelta(hours=2), place="Kafé"
    )
    logged = world.pair.meetings.create(date=tz.localtime(appointment.starts_at).date(), author=mentee.user)
    uids = {str(e["UID"]) for e in icalendar.Calendar.from_ical(leader_feed_ics(mentee)).walk("VEVENT")}
    assert f"pair-appointment-{appointment.pk}@toppleder" in uids
    assert f"pair-meeting-{logged.pk}@toppleder" not in uids
    assert f"pair-meeting-{world.pair_meeting.pk}@toppleder" in uids


def test_only_the_pair_plans_its_meetings_and_not_in_the_past(client_nb, world):
    import pytest
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.pair_appointment_plan(
            pair=world.pair, actor=world.outsider.user, starts_at=timezone.now() + timedelta(days=1), place="Kafé"
        )
    client_nb.force_login(world.pair.mentee.user)
    past = timezone.localtime(timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = client_nb.post(
        reverse("reflection_groups:pair_appointment_create", args=[world.pair.pk]),
        {"plan-starts_at": past, "plan-place": "Kafé"},
        follow=True,
    )
    assert "Velg et tidspunkt som ikke har passert." in response.content.decode()
    response = client_nb.post(
        reverse("reflection_groups:pair_appointment_create", args=[world.pair.pk]), {"plan-place": "Kafé"}, follow=True
    )
    assert "Starter: Feltet er påkrevet." in response.content.decode()
    assert not world.pair.appointments.exists()
