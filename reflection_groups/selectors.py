"""Reads for groups and pairs, and the access helpers that scope them to the person asking.

Confidentiality lives here: `notes_for(user, group)` and `pair_meetings_for(user, pair)` are
the only reads of note text, and they return nothing to anyone outside the group or pair.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Min, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from reflection_groups.models import (
    GroupMeeting,
    GroupMembership,
    GroupNote,
    MentorPair,
    PairMeeting,
    ReflectionGroup,
)
from toppleder.models import Leader
from toppleder.permissions import is_hr, leader_of


# --------------------------------------------------------------------------- groups
def groups_visible_to(user):
    """HR: every group. Others: published/closed groups they belong to or facilitate."""
    qs = ReflectionGroup.objects.all()
    if is_hr(user):
        return qs
    return qs.visible_to_members().filter(Q(memberships__leader__user=user) | Q(facilitator=user)).distinct()


def group_list(user, *, programme=None, kind="", status=""):
    qs = groups_visible_to(user).select_related("programme", "facilitator")
    if programme:
        qs = qs.filter(programme=programme)
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    now = timezone.now()
    return qs.annotate(
        member_count=Count("memberships", distinct=True),
        meeting_count=Count("meetings", distinct=True),
        next_meeting=Min("meetings__starts_at", filter=Q(meetings__starts_at__gte=now)),
    ).order_by("-created_at", "name")


def get_group_for_user(user, pk) -> ReflectionGroup:
    """The group if the user may see it; 404 for someone else's group (no leak that it exists)."""
    try:
        return groups_visible_to(user).select_related("programme", "facilitator").get(pk=pk)
    except ReflectionGroup.DoesNotExist:
        raise Http404 from None


def get_hr_group(user, pk) -> ReflectionGroup:
    if not is_hr(user):
        raise PermissionDenied
    try:
        return ReflectionGroup.objects.select_related("programme", "facilitator").get(pk=pk)
    except ReflectionGroup.DoesNotExist:
        raise Http404 from None


def can_take_part(user, group: ReflectionGroup) -> bool:
    """Members and the facilitator: they read and write the confidential notes."""
    if not user.is_authenticated or group.status == ReflectionGroup.Status.PROPOSED:
        return False
    if group.facilitator_id == user.pk:
        return True
    return GroupMembership.objects.filter(group=group, leader__user=user).exists()


def group_members(group):
    return list(
        GroupMembership.objects.filter(group=group)
        .select_related("leader__user", "leader__organisation__sector")
        .order_by("leader__user__name")
    )


def group_meetings(group):
    """Meetings with who attended: what HR may see (never the notes)."""
    return list(
        GroupMeeting.objects.filter(group=group)
        .prefetch_related(
            Prefetch("attendance__leader", queryset=Leader.objects.select_related("user")),
        )
        .order_by("-starts_at")
    )


def notes_for(user, group, *, meeting=None):
    """Note text for members and the facilitator only; an empty list for everyone else."""
    if not can_take_part(user, group):
        return []
    qs = GroupNote.objects.filter(group=group).select_related("author", "meeting")
    if meeting is not None:
        qs = qs.filter(meeting=meeting)
    return list(qs.order_by("-created_at"))


def get_note_for_user(user, group, note_pk) -> GroupNote:
    if not can_take_part(user, group):
        raise PermissionDenied
    try:
        return GroupNote.objects.select_related("author", "meeting").get(group=group, pk=note_pk)
    except GroupNote.DoesNotExist:
        raise Http404 from None


def get_meeting(group, pk) -> GroupMeeting:
    try:
        return GroupMeeting.objects.get(group=group, pk=pk)
    except GroupMeeting.DoesNotExist:
        raise Http404 from None


def proposals(programme, kind):
    """Proposed groups of a programme and kind with their members, for HR's compose page."""
    return list(
        ReflectionGroup.objects.filter(programme=programme, kind=kind, status=ReflectionGroup.Status.PROPOSED)
        .select_related("facilitator")
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=GroupMembership.objects.select_related(
                    "leader__user", "leader__organisation__sector"
                ).order_by("leader__user__name"),
            )
        )
        .order_by("name")
    )


def leader_groups(leader):
    """A leader's published groups (the dashboard panel), each with `member_list` (memberships
    by name), `next_meeting` and `is_new_for_me`: one query over the groups' memberships."""
    next_meeting = (
        GroupMeeting.objects.filter(group=OuterRef("group_id"), starts_at__gte=timezone.now())
        .order_by("starts_at")
        .values("starts_at")[:1]
    )
    rows = (
        GroupMembership.objects.filter(
            group__in=GroupMembership.objects.filter(leader=leader).values("group_id"),
            group__status=ReflectionGroup.Status.PUBLISHED,
        )
        .select_related("group__facilitator", "leader__user")
        .annotate(group_next_meeting=Subquery(next_meeting))
        .order_by("group__programme_id", "group__kind", "group__name", "group_id", "leader__user__name")
    )
    groups = {}
    for m in rows:
        group = groups.get(m.group_id)
        if group is None:
            group = groups[m.group_id] = m.group
            group.member_list, group.next_meeting = [], m.group_next_meeting
        group.member_list.append(m)
        if m.leader_id == leader.pk:
            group.is_new_for_me = m.seen_at is None
    return list(groups.values())


# --------------------------------------------------------------------------- pairs
def pairs_visible_to(user):
    qs = MentorPair.objects.all()
    if is_hr(user):
        return qs
    return qs.exclude(status=MentorPair.Status.PROPOSED).filter(Q(mentor__user=user) | Q(mentee__user=user))


def pair_list(user, *, programme=None, scheme="", status="", rematch=False):
    qs = pairs_visible_to(user).with_details()
    if programme:
        qs = qs.filter(programme=programme)
    if scheme:
        qs = qs.filter(scheme=scheme)
    if status:
        qs = qs.filter(status=status)
    if rematch:
        qs = qs.filter(rematch_requested_at__isnull=False)
    return _with_meeting_figures(qs).order_by("-created_at")


def _with_meeting_figures(qs):
    """meeting_count and last_meeting as correlated subqueries: an aggregate over the join
    would GROUP BY every column of the six tables selected with the pair, and planning that
    took PostgreSQL 15 ms of a 16 ms query."""
    meetings = PairMeeting.objects.filter(pair=OuterRef("pk")).order_by()
    return qs.annotate(
        meeting_count=Coalesce(Subquery(meetings.values("pair").annotate(n=Count("pk")).values("n")[:1]), 0),
        last_meeting=Subquery(meetings.order_by("-date").values("date")[:1]),
    )


def get_pair_for_user(user, pk) -> MentorPair:
    try:
        return pairs_visible_to(user).with_details().get(pk=pk)
    except MentorPair.DoesNotExist:
        raise Http404 from None


def is_pair_party(user, pair) -> bool:
    leader = leader_of(user)
    return bool(leader and pair.status != MentorPair.Status.PROPOSED and leader.pk in (pair.mentor_id, pair.mentee_id))


def pair_meetings_for(user, pair):
    """The meeting log. Only the two see note text; for HR the note is removed before it leaves here."""
    meetings = list(PairMeeting.objects.filter(pair=pair).order_by("-date", "-created_at"))
    if not is_pair_party(user, pair):
        for m in meetings:
            m.note = ""
    return meetings


def leader_pair(leader):
    """The leader's active mentor pair (the dashboard panel: the two names and the last meeting).
    Only the two users are joined: with programme and both organisations too, PostgreSQL spent
    8 ms planning the eight-table join for a 0.4 ms query."""
    return (
        MentorPair.objects.for_leader(leader)
        .filter(status=MentorPair.Status.ACTIVE)
        .select_related("mentor__user", "mentee__user")
        .annotate(
            last_meeting=Subquery(PairMeeting.objects.filter(pair=OuterRef("pk")).order_by("-date").values("date")[:1])
        )
        .order_by("-published_at")
        .first()
    )
