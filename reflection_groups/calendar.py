"""Group meetings and mentor-pair meetings in calendars: the leader's personal feed (through
programmes.calendar's `@feed_source`) and the meeting invitation e-mails, with the same UIDs.

A group meeting has a start and no end in the model: its entry lasts GROUP_MEETING_HOURS.
A meeting a pair plans ahead (PairAppointment) is timed and invited like a group meeting; a
meeting in the pair's log has a date only: an all-day entry, unless a planned meeting that
day already stands for it. Nothing confidential (notes,
agenda answers) goes into a calendar: the group's name, the place, the link to the page.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from programmes.calendar import feed_source, meeting_event
from reflection_groups.models import GroupMeeting, MentorPair, PairAppointment, PairMeeting, ReflectionGroup
from toppleder.outbox.rendering import absolute_url

GROUP_MEETING_HOURS = 2
PAIR_MEETING_HOURS = 1


def group_meeting_uid(meeting: GroupMeeting) -> str:
    return f"group-meeting-{meeting.pk}@toppleder"


def pair_meeting_uid(meeting: PairMeeting) -> str:
    return f"pair-meeting-{meeting.pk}@toppleder"


def group_meeting_event(meeting: GroupMeeting):
    location = " – ".join(x for x in (meeting.place, meeting.video_link) if x)
    return meeting_event(
        uid=group_meeting_uid(meeting),
        sequence=meeting.sequence,
        summary=_("Group meeting: %(name)s") % {"name": meeting.group.name},
        starts_at=meeting.starts_at,
        ends_at=meeting.starts_at + timedelta(hours=GROUP_MEETING_HOURS),
        location=location,
        url=absolute_url("reflection_groups:group_detail", meeting.group_id, fallback=f"/groups/{meeting.group_id}/"),
    )


def pair_meeting_event(meeting: PairMeeting):
    pair = meeting.pair
    return meeting_event(
        uid=pair_meeting_uid(meeting),
        sequence=0,
        summary=_("Mentoring: %(mentor)s and %(mentee)s") % {"mentor": pair.mentor.name, "mentee": pair.mentee.name},
        day=meeting.date,
        url=absolute_url("reflection_groups:pair_detail", pair.pk, fallback=f"/mentoring/pairs/{pair.pk}/"),
    )


def pair_appointment_uid(appointment: PairAppointment) -> str:
    return f"pair-appointment-{appointment.pk}@toppleder"


def pair_appointment_event(appointment: PairAppointment):
    """A planned pair meeting: timed, PAIR_MEETING_HOURS long, cancelled ones marked so."""
    pair = appointment.pair
    location = " – ".join(x for x in (appointment.place, appointment.video_link) if x)
    event = meeting_event(
        uid=pair_appointment_uid(appointment),
        sequence=appointment.sequence,
        summary=_("Mentoring: %(mentor)s and %(mentee)s") % {"mentor": pair.mentor.name, "mentee": pair.mentee.name},
        starts_at=appointment.starts_at,
        ends_at=appointment.starts_at + timedelta(hours=PAIR_MEETING_HOURS),
        location=location,
        url=absolute_url("reflection_groups:pair_detail", pair.pk, fallback=f"/mentoring/pairs/{pair.pk}/"),
    )
    if appointment.cancelled_at is not None:
        event["status"] = "CANCELLED"
    return event


@feed_source
def meetings_for(leader) -> list:
    """The leader's group meetings (published groups they belong to or facilitate), the planned
    and the logged meetings of their active or closed mentor pairs. Three queries, whatever
    the number."""
    groups = ReflectionGroup.objects.filter(status=ReflectionGroup.Status.PUBLISHED).filter(
        Q(members=leader) | Q(facilitator_id=leader.user_id)
    )
    group_meetings = GroupMeeting.objects.filter(group__in=groups).select_related("group").distinct()
    pair_meetings = PairMeeting.objects.filter(
        Q(pair__mentor=leader) | Q(pair__mentee=leader),
        pair__status__in=[MentorPair.Status.ACTIVE, MentorPair.Status.CLOSED],
    ).select_related("pair__mentor__user", "pair__mentee__user")
    pairs = Q(pair__mentor=leader) | Q(pair__mentee=leader)
    appointments = PairAppointment.objects.filter(
        pairs, pair__status__in=[MentorPair.Status.ACTIVE, MentorPair.Status.CLOSED]
    ).select_related("pair__mentor__user", "pair__mentee__user")
    events = [pair_appointment_event(a) for a in appointments]
    planned_days = {(a.pair_id, timezone.localtime(a.starts_at).date()) for a in appointments if a.cancelled_at is None}
    for meeting in group_meetings:
        event = group_meeting_event(meeting)
        if meeting.cancelled_at is not None:
            event["status"] = "CANCELLED"  # stays in the feed, so calendars remove it
        events.append(event)
    return events + [pair_meeting_event(m) for m in pair_meetings if (m.pair_id, m.date) not in planned_days]
