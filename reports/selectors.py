"""Reads for the reports: the access helper for a session's report and the lists on the
reports page. Programmes are reached through `programmes.selectors.programme_for`."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from programmes.models import Programme, ProgrammeEnrolment, Registration, Session
from programmes.selectors import session_for
from toppleder.models import Leader
from toppleder.permissions import is_hr, leader_of


def sessions_attended_by(leader: Leader) -> QuerySet:
    """The sessions the leader attended (not just registered for), with their programme."""
    attended = Registration.objects.filter(
        session=OuterRef("pk"), leader=leader, attendance=Registration.Attendance.ATTENDED
    )
    return Session.objects.filter(Exists(attended)).select_related("programme")


def session_report_for(user, pk) -> tuple[Session, bool]:
    """(session, hr_version) for a session report.

    HR: any session, with names. A leader: the participant version of a session they
    attended; any other session is a 404. Anyone else: 403.
    """
    if is_hr(user):
        return session_for(user, pk, manage=True), True
    leader = leader_of(user)
    if leader is None:
        raise PermissionDenied
    return get_object_or_404(sessions_attended_by(leader), pk=pk), False


def programmes_for_reports() -> QuerySet:
    """Every programme, newest first, with its number of sessions and enrolled leaders (HR)."""
    return Programme.objects.annotate(
        n_sessions=Count("sessions", distinct=True),
        n_enrolled=Count("enrolments", filter=Q(enrolments__status=ProgrammeEnrolment.Status.ENROLLED), distinct=True),
    ).order_by("-created_at", "pk")


def sessions_held_latest(limit: int = 30) -> QuerySet:
    """The latest sessions that have begun, drafts and cancelled ones left out (HR)."""
    return (
        Session.objects.filter(starts_at__lte=timezone.now())
        .exclude(status__in=[Session.Status.DRAFT, Session.Status.CANCELLED])
        .select_related("programme")
        .order_by("-starts_at")[:limit]
    )
