"""A leader's development record ("utviklingspass"): the programmes they were enrolled in,
the sessions they attended (by activity kind, with hours), upcoming sessions, their
reflection and network groups, mentor pairs and commitments.

The record shows that a meeting took place and whether the leader came, never what was
said: notes and the pair's goals are not read.
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from programmes.models import Commitment, ProgrammeEnrolment, Registration, Session
from reflection_groups.models import GroupMembership, MeetingAttendance, MentorPair, ReflectionGroup
from reports.content import kind_label
from toppleder import reference
from toppleder.models import Leader


def leader_groups(leader: Leader, now) -> list[dict]:
    """The leader's published groups with meetings held so far and how many they attended."""
    attended = {
        r["meeting__group"]: r["n"]
        for r in MeetingAttendance.objects.filter(leader=leader, meeting__starts_at__lte=now)
        .values("meeting__group")
        .annotate(n=Count("id"))
        .order_by()
    }
    memberships = (
        GroupMembership.objects.filter(leader=leader)
        .exclude(group__status=ReflectionGroup.Status.PROPOSED)
        .select_related("group__programme")
        .annotate(held=Count("group__meetings", filter=Q(group__meetings__starts_at__lte=now), distinct=True))
        .order_by("joined")
    )
    return [
        {
            "name": m.group.name,
            "kind": m.group.get_kind_display(),
            "theme": m.group.theme,
            "programme": str(m.group.programme),
            "joined": m.joined,
            "active": m.active,
            "held": m.held,
            "attended": attended.get(m.group_id, 0),
        }
        for m in memberships
    ]


def leader_pairs(leader: Leader) -> list[dict]:
    """The leader's mentor pairs (as mentor or mentee) with the number of meetings logged."""
    pairs = (
        MentorPair.objects.filter(Q(mentor=leader) | Q(mentee=leader))
        .exclude(status=MentorPair.Status.PROPOSED)
        .select_related("mentor__user", "mentee__user", "programme")
        .annotate(n_meetings=Count("meetings"))
        .order_by("period_start", "pk")
    )
    out = []
    for p in pairs:
        as_mentor = p.mentor_id == leader.pk
        out.append(
            {
                "scheme": p.get_scheme_display(),
                "role": _("Mentor") if as_mentor else _("Mentee"),
                "other": str(p.mentee if as_mentor else p.mentor),
                "programme": str(p.programme),
                "start": p.period_start,
                "end": p.period_end,
                "status": p.get_status_display(),
                "meetings": p.n_meetings,
            }
        )
    return out


def leader_record_data(leader: Leader) -> dict:
    """The development record's context."""
    now = timezone.now()
    attended = list(
        Registration.objects.filter(leader=leader, attendance=Registration.Attendance.ATTENDED)
        .select_related("session__programme")
        .order_by("session__starts_at")
    )
    upcoming = list(
        Registration.objects.filter(leader=leader, status=Registration.Status.CONFIRMED, session__starts_at__gt=now)
        .exclude(session__status=Session.Status.CANCELLED)
        .select_related("session__programme")
        .order_by("session__starts_at")
    )
    per_kind_raw = {
        r["session__kind"]: r["n"]
        for r in Registration.objects.filter(leader=leader, attendance=Registration.Attendance.ATTENDED)
        .values("session__kind")
        .annotate(n=Count("id"))
        .order_by()
    }
    per_kind = [
        {"label": kind_label(e["key"]), "n": per_kind_raw[e["key"]]}
        for e in reference.entries("activity_kinds")
        if e["key"] in per_kind_raw
    ]
    sessions = [
        {
            "title": r.session.title,
            "kind": kind_label(r.session.kind),
            "programme": str(r.session.programme),
            "starts_at": r.session.starts_at,
            "hours": round((r.session.ends_at - r.session.starts_at).total_seconds() / 3600, 1),
        }
        for r in attended
    ]
    enrolments = list(
        ProgrammeEnrolment.objects.filter(leader=leader).select_related("programme").order_by("enrolled_at")
    )
    commitments = list(
        Commitment.objects.filter(parties=leader).select_related("programme", "session").order_by("due_date", "pk")
    )
    return {
        "leader": leader,
        "per_kind": per_kind,
        "sessions": sessions,
        "total_hours": round(sum(s["hours"] for s in sessions), 1),
        "upcoming": upcoming,
        "enrolments": enrolments,
        "groups": leader_groups(leader, now),
        "pairs": leader_pairs(leader),
        "commitments": commitments,
    }
