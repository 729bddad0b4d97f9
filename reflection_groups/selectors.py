"""Reads for groups and pairs, and the access helpers and predicates that scope them.

Access: every view gets a group, meeting, note or pair through `group_for`, `meeting_for`,
`note_for` or `pair_for`. They return the object, or raise Http404 when the user may not see
it at all and PermissionDenied (403) when they may see it but not do what is asked.

Confidentiality lives here, once: `can_take_part` (a group's members and facilitator) and
`is_pair_party` (the mentor and the mentee) decide who reads and writes notes; services ask
the same two functions, and `note_readers(group)` says it in words (naming the facilitator)
wherever a page, an e-mail or a PDF promises confidentiality. HR and administrator roles add
nothing here: HR sees a group's members, meetings and attendance, never its notes, unless the
HR adviser is the group's named facilitator (then that group's only). `notes_for(user, group)` and `pair_meetings_for(user, pair)` are the
only reads of note text, and they return nothing to anyone else.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Min, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from reflection_groups.models import (
    GroupMeeting,
    GroupMembership,
    GroupNote,
    MentorPair,
    PairAppointment,
    PairMeeting,
    ReflectionGroup,
)
from toppleder.models import ROLE_FACILITATOR, ROLE_HR, Leader, User
from toppleder.permissions import is_hr, leader_of, require_hr


# --------------------------------------------------------------------------- who takes part
def can_take_part(user, group: ReflectionGroup) -> bool:
    """Members and the facilitator of a published (or closed) group: they read and write its notes."""
    if user is None or not user.is_authenticated or group.status == ReflectionGroup.Status.PROPOSED:
        return False
    if group.facilitator_id == user.pk:
        return True
    return GroupMembership.objects.filter(group=group, leader__user=user).exists()


def note_readers(group: ReflectionGroup) -> str:
    """The promise every page, e-mail and PDF makes about a group's notes, naming exactly who
    can read them: the same people `can_take_part` lets in (its members and the named facilitator)."""
    if group.facilitator_id is None:
        return _("Only the group's members can read the notes.")
    return _("Only the group's members and the facilitator, %(name)s, can read the notes.") % {
        "name": group.facilitator.get_full_name()
    }


def is_pair_party(user, pair: MentorPair) -> bool:
    """The mentor and the mentee of a published pair: they read and write its meeting notes."""
    leader = leader_of(user)
    return bool(leader and pair.status != MentorPair.Status.PROPOSED and leader.pk in (pair.mentor_id, pair.mentee_id))


def facilitator_accounts():
    """HR's list of facilitator accounts: name, whether they are HR too, how many open groups each
    facilitates (one query)."""
    return (
        User.objects.filter(groups__name=ROLE_FACILITATOR)
        .annotate(
            open_groups=Count(
                "facilitated_groups",
                filter=Q(facilitated_groups__status=ReflectionGroup.Status.PUBLISHED),
                distinct=True,
            ),
            is_hr_too=Count("groups", filter=Q(groups__name=ROLE_HR), distinct=True),
        )
        .order_by("name", "email")
    )


# --------------------------------------------------------------------------- groups
def groups_visible_to(user):
    """HR: every group. Others: published/closed groups they belong to or facilitate."""
    qs = ReflectionGroup.objects.all()
    if is_hr(user):
        return qs
    return qs.visible_to_members().filter(Q(memberships__leader__user=user) | Q(facilitator=user)).distinct()


def group_for(user, pk, *, manage: bool = False, take_part: bool = False) -> ReflectionGroup:
    """A group the user may see (404 otherwise). `manage`: HR's right to change it; `take_part`:
    a member's or the facilitator's right to meet and write notes (403 otherwise)."""
    if manage:
        require_hr(user)
    group = get_object_or_404(groups_visible_to(user).select_related("programme", "facilitator"), pk=pk)
    if take_part and not can_take_part(user, group):
        raise PermissionDenied
    return group


def meeting_for(user, group_pk, pk, *, take_part: bool = False) -> GroupMeeting:
    group = group_for(user, group_pk, take_part=take_part)
    meeting = get_object_or_404(GroupMeeting, group=group, pk=pk)
    meeting.group = group
    return meeting


def note_for(user, group_pk, pk) -> GroupNote:
    """A confidential note: only for those who take part in the group (HR: 403, others: 404)."""
    group = group_for(user, group_pk, take_part=True)
    note = get_object_or_404(GroupNote.objects.select_related("author", "meeting"), group=group, pk=pk)
    note.group = group
    return note


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


def pair_for(user, pk, *, manage: bool = False, party: bool = False) -> MentorPair:
    """A pair the user may see (404 otherwise). `manage`: HR's right to change it; `party`: the
    mentor's and the mentee's right to log meetings and change their agreement (403 otherwise)."""
    if manage:
        require_hr(user)
    pair = get_object_or_404(pairs_visible_to(user).with_details(), pk=pk)
    if party and not is_pair_party(user, pair):
        raise PermissionDenied
    return pair


def appointment_for(user, pair_pk, pk) -> PairAppointment:
    """A meeting the pair planned: only the mentor and the mentee may open it (others as for the pair)."""
    pair = pair_for(user, pair_pk, party=True)
    appointment = get_object_or_404(PairAppointment, pair=pair, pk=pk)
    appointment.pair = pair
    return appointment


def upcoming_appointments(pair) -> list[PairAppointment]:
    """The pair's planned meetings that have not started and are not called off (for the two)."""
    return list(pair.appointments.filter(starts_at__gt=timezone.now(), cancelled_at__isnull=True))


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
