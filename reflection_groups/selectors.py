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
from django.db.models import CharField, Count, F, FilteredRelation, Min, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from reflection_groups.models import (
    GroupMeeting,
    GroupMembership,
    GroupNote,
    MentorPair,
    OnboardingPath,
    PairAppointment,
    PairMeeting,
    ReflectionGroup,
    ThemeChoice,
    ThemeWindow,
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
    """A leader's published groups (the dashboard panel): `pk`, `name`, `member_count`,
    `next_meeting` and `is_new_for_me`. One query over the leader's own memberships, the
    group's member count and next meeting as subqueries (no member rows are read)."""
    next_meeting = (
        GroupMeeting.objects.filter(group=OuterRef("group_id"), starts_at__gte=timezone.now())
        .order_by("starts_at")
        .values("starts_at")[:1]
    )
    members = (
        GroupMembership.objects.filter(group=OuterRef("group_id")).order_by().values("group").annotate(n=Count("pk"))
    )
    rows = (
        GroupMembership.objects.filter(leader=leader, group__status=ReflectionGroup.Status.PUBLISHED)
        .annotate(next_meeting=Subquery(next_meeting), member_count=Subquery(members.values("n")))
        .order_by("group__programme_id", "group__kind", "group__name", "group_id")
        .values("group_id", "group__name", "seen_at", "next_meeting", "member_count")
    )
    return [
        {
            "pk": row["group_id"],
            "name": row["group__name"],
            "member_count": row["member_count"] or 0,
            "next_meeting": row["next_meeting"],
            "is_new_for_me": row["seen_at"] is None,
        }
        for row in rows
    ]


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
    """The leader's active mentor pair (the dashboard panel: the two names and the last meeting),
    as a plain record of what the panel shows: `pk`, `mentor_id`, `mentor_name`, `mentee_name`,
    `mentor_seen_at`, `mentee_seen_at`, `inactivity_warned_at`, `last_meeting` (or None). Only
    the two users' names are joined: with programme and both organisations too, PostgreSQL spent
    8 ms planning the eight-table join for a 0.4 ms query."""
    from types import SimpleNamespace

    from django.db.models.functions import Coalesce, NullIf

    def name(side):
        return Coalesce(NullIf(f"{side}__user__name", Value("")), f"{side}__user__email", output_field=CharField())

    row = (
        MentorPair.objects.for_leader(leader)
        .filter(status=MentorPair.Status.ACTIVE)
        .annotate(
            mentor_name=name("mentor"),
            mentee_name=name("mentee"),
            last_meeting=Subquery(PairMeeting.objects.filter(pair=OuterRef("pk")).order_by("-date").values("date")[:1]),
        )
        .order_by("-published_at")
        .values(
            "pk",
            "mentor_id",
            "mentor_name",
            "mentee_name",
            "mentor_seen_at",
            "mentee_seen_at",
            "inactivity_warned_at",
            "last_meeting",
        )
        .first()
    )
    return SimpleNamespace(**row) if row else None


# --------------------------------------------------------------------------- networks by interest
def theme_windows_visible_to(user):
    """HR: every theme choice. A leader: those of the programmes they can see. Others: none."""
    from programmes.selectors import programmes_visible_to

    if is_hr(user):
        return ThemeWindow.objects.all()
    if leader_of(user) is None:
        return ThemeWindow.objects.none()
    return ThemeWindow.objects.filter(programme__in=programmes_visible_to(user))


def theme_window_for(user, pk, *, manage: bool = False) -> ThemeWindow:
    if manage:
        require_hr(user)
    return get_object_or_404(theme_windows_visible_to(user).select_related("programme"), pk=pk)


def open_theme_windows_for(leader: Leader, now=None):
    """The open theme choices of the leader's programmes, with the leader's answer (one query)."""
    from programmes.models import ProgrammeEnrolment

    now = now or timezone.now()
    return (
        ThemeWindow.objects.filter(
            opens_at__lte=now,
            closes_at__gt=now,
            programme__enrolments__leader=leader,
            programme__enrolments__status=ProgrammeEnrolment.Status.ENROLLED,
        )
        # The leader's answer (at most one per window: a unique constraint) as one LEFT JOIN.
        .annotate(
            mine=FilteredRelation("choices", condition=Q(choices__leader=leader)),
            my_themes=F("mine__themes"),
            my_no_preference=F("mine__no_preference"),
        )
        .order_by("closes_at", "pk")
    )


def theme_window_figures(window: ThemeWindow) -> dict:
    """What HR sees of a theme choice: per theme how many chose it first and at all, the
    answers, and after the networks were proposed who got which choice (two queries)."""
    answers = list(
        ThemeChoice.objects.filter(window=window)
        .select_related("leader__user", "leader__organisation")
        .order_by("leader__user__name", "pk")
    )
    themes = [
        {
            "theme": t,
            "first": sum(1 for a in answers if a.themes[:1] == [t]),
            "any": sum(1 for a in answers if t in a.themes),
            "got": sum(1 for a in answers if a.got_theme == t),
        }
        for t in window.themes
    ]
    placed = [a for a in answers if a.got_theme]
    return {
        "answers": answers,
        "themes": themes,
        "n_answers": len(answers),
        "n_no_preference": sum(1 for a in answers if a.no_preference),
        "n_placed": len(placed),
        "n_first": sum(1 for a in placed if a.got_rank == 1),
        "n_other_choice": sum(1 for a in placed if a.got_rank and a.got_rank > 1),
        "n_not_chosen": sum(1 for a in placed if a.got_rank is None and not a.no_preference),
    }


# --------------------------------------------------------------------------- onboarding of new top leaders
# Days after becoming top leader by which each step is expected (HR sees who is behind).
ONBOARDING_DUE_DAYS = {"contact": 30, "mentor": 60, "intro": 120, "restructuring": 240}


def onboarding_step_labels() -> dict:
    return {
        "contact": _("Meet your named contact"),
        "mentor": _("A mentor in the Partner programme"),
        "intro": _("The introduction session"),
        "restructuring": _("The restructuring-rules course"),
    }


def restructuring_measure_text() -> str:
    """The measure "Skolering av ledere i omstillingsregelverk" (reference.yaml: the first
    measure of the area competence_support): sessions serving it are the restructuring course."""
    from toppleder import reference

    area = next(a for a in reference.entries("measure_areas") if a["key"] == "competence_support")
    return area["measures"][0]["nb"]


def new_top_leaders(today=None):
    """Active top leaders for less than twelve months (`Leader.is_new_top_leader`, as a query)."""
    from datetime import timedelta

    today = today or timezone.localdate()
    return (
        Leader.objects.with_org()
        .active()
        .filter(level=Leader.Level.TOP, top_leader_since__gt=today - timedelta(days=365))
    )


def onboarding_for(user, leader_pk) -> Leader:
    """A new top leader's onboarding path: HR sees anyone's, a leader only their own (404 else)."""
    leader = leader_of(user)
    if not is_hr(user) and (leader is None or leader.pk != leader_pk):
        raise Http404
    return get_object_or_404(new_top_leaders(), pk=leader_pk)


def onboarding_rows(leaders, today=None) -> list[dict]:
    """Each leader's steps: done (ticked, or shown by the data: an active Partner pair, an
    attended session serving the restructuring-rules measure), due date and whether it is
    overdue. Three queries for any number of leaders."""
    from datetime import timedelta

    from programmes.models import Registration

    today = today or timezone.localdate()
    leaders = list(leaders)
    ids = [le.pk for le in leaders]
    paths = {p.leader_id: p for p in OnboardingPath.objects.filter(leader__in=ids).select_related("contact")}
    mentors = {
        p.mentee_id: p.mentor
        for p in MentorPair.objects.filter(
            scheme=MentorPair.Scheme.PARTNER, mentee__in=ids, status=MentorPair.Status.ACTIVE
        ).select_related("mentor__user")
    }
    course = set(
        Registration.objects.filter(
            leader__in=ids,
            attendance=Registration.Attendance.ATTENDED,
            session__measures__text=restructuring_measure_text(),
        ).values_list("leader_id", flat=True)
    )
    labels = onboarding_step_labels()
    rows = []
    for le in leaders:
        path = paths.get(le.pk)
        mentor = mentors.get(le.pk)
        shown = {"mentor": mentor is not None, "restructuring": le.pk in course}
        steps = []
        for key in OnboardingPath.STEPS:
            ticked = getattr(path, f"{key}_at", None) if path else None
            done = bool(ticked) or shown.get(key, False)
            due = le.top_leader_since + timedelta(days=ONBOARDING_DUE_DAYS[key])
            steps.append(
                {
                    "key": key,
                    "label": labels[key],
                    "done": done,
                    "ticked": bool(ticked),
                    "done_at": ticked,
                    "due": due,
                    "overdue": not done and due < today,
                }
            )
        rows.append(
            {
                "leader": le,
                "path": path,
                "contact": path.contact if path else None,
                "mentor": mentor,
                "steps": steps,
                "done": sum(1 for st in steps if st["done"]),
                "behind": any(st["overdue"] for st in steps),
            }
        )
    return rows
