"""Group meetings and mentor-pair meetings in calendars: the leader's personal feed (through
programmes.calendar's `@feed_source`) and the meeting invitation e-mails, with the same UIDs.

A group meeting has a start and no end in the model: its entry lasts GROUP_MEETING_HOURS.
A pair meeting is logged with a date only: an all-day entry. Nothing confidential (notes,
agenda answers) goes into a calendar: the group's name, the place, the link to the page.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils.translation import gettext as _

from programmes.calendar import attendee_ics, feed_source, meeting_event
from reflection_groups.models import GroupMeeting, MentorPair, PairMeeting, ReflectionGroup
from toppleder.outbox.rendering import absolute_url

GROUP_MEETING_HOURS = 2


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


def group_meeting_ics(meeting: GroupMeeting, *, name: str, email: str, method: str = "REQUEST") -> str:
    """An e-mail's calendar part: REQUEST (the recipient as accepted attendee) or CANCEL."""
    return attendee_ics(group_meeting_event(meeting), method, name=name, email=email).decode()


@feed_source
def meetings_for(leader) -> list:
    """The leader's group meetings (published groups they belong to or facilitate) and the
    meetings of their active or closed mentor pairs. Two queries, whatever the number."""
    groups = ReflectionGroup.objects.filter(status=ReflectionGroup.Status.PUBLISHED).filter(
        Q(members=leader) | Q(facilitator_id=leader.user_id)
    )
    group_meetings = GroupMeeting.objects.filter(group__in=groups).select_related("group").distinct()
    pair_meetings = PairMeeting.objects.filter(
        Q(pair__mentor=leader) | Q(pair__mentee=leader),
        pair__status__in=[MentorPair.Status.ACTIVE, MentorPair.Status.CLOSED],
    ).select_related("pair__mentor__user", "pair__mentee__user")
    events = []
    for meeting in group_meetings:
        event = group_meeting_event(meeting)
        if meeting.cancelled_at is not None:
            event["status"] = "CANCELLED"  # stays in the feed, so calendars remove it
        events.append(event)
    return events + [pair_meeting_event(m) for m in pair_meetings]
