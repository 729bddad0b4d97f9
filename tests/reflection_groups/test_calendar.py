"""One calendar: group meetings are invited (REQUEST, the recipient an accepted attendee) and
sit in the personal feed with the same UID; pair meetings are in the feed too, next to the
sessions and the waiting-list places (tentative). Read with icalendar and vobject."""

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
    with django_assert_max_num_queries(3):
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
