"""The session report: what the session was, who came, what was agreed, how it was rated.

Two versions: HR's, with the attendance list and attendance per organisation, and the
participant version for a leader who attended, with counts only (an organisation that sent
one person would name them).
"""

from __future__ import annotations

from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from programmes.models import Commitment, Participant, Registration, Session
from reports.content import kind_label
from surveys.models import Survey
from surveys.results import min_respondents, survey_results
from toppleder import reference


def session_survey_results(session: Session) -> dict:
    """The session's closed evaluation surveys, as `surveys.results` shows them.

    {"rows": [surveys.results.Row, ...], "reasons": [str, ...]}: a row per Likert question
    (its `overall` Cell carries n, mean and whether it is suppressed); a survey that shows
    nothing at all adds the reason instead.
    """
    rows, reasons = [], []
    closed = Survey.objects.filter(
        session=session, kind=Survey.Kind.SESSION_EVALUATION, closes_at__lte=timezone.now()
    ).order_by("closes_at", "pk")
    for survey in closed:
        results = survey_results(survey)
        if results.available:
            rows.extend(results.questions)
        elif results.reason == "open":
            reasons.append(_("The evaluation is still open; results are shown when it has closed."))
        else:
            reasons.append(_("Too few answers to show any result (fewer than %(k)s).") % {"k": results.k})
    return {"rows": rows, "reasons": reasons}


def session_report_data(session: Session, *, hr_version: bool) -> dict:
    """The session report's context. `hr_version` adds the names (attendance list, parties)."""
    session = (
        Session.objects.select_related("programme")
        .prefetch_related("contributors", "measures__area")
        .get(pk=session.pk)
    )
    counts = Registration.objects.filter(session=session).aggregate(
        confirmed=Count("id", filter=Q(status=Registration.Status.CONFIRMED)),
        waitlisted=Count("id", filter=Q(status=Registration.Status.WAITLISTED)),
        cancelled=Count("id", filter=Q(status=Registration.Status.CANCELLED)),
        attended=Count("id", filter=Q(attendance=Registration.Attendance.ATTENDED)),
        no_show=Count("id", filter=Q(attendance=Registration.Attendance.NO_SHOW)),
        excused=Count("id", filter=Q(attendance=Registration.Attendance.EXCUSED)),
        organisations=Count(
            "leader__organisation", distinct=True, filter=Q(attendance=Registration.Attendance.ATTENDED)
        ),
    )
    # Organisations are the leaders' (participants who are not leaders are counted by category).
    by_org = list(
        Registration.objects.filter(session=session, attendance=Registration.Attendance.ATTENDED, leader__isnull=False)
        .values(name=F("leader__organisation__name"))
        .annotate(n=Count("id"))
        .order_by("-n", "name")
    )
    attendance_list = []
    if hr_version:
        attendance_list = list(
            Registration.objects.filter(session=session)
            .exclude(status=Registration.Status.CANCELLED)
            .values(
                "status",
                "attendance",
                "participant__category",
                "participant__union",
                name=Coalesce(F("leader__user__name"), F("participant__user__name")),
                email=Coalesce(F("leader__user__email"), F("participant__user__email")),
                organisation=Coalesce(F("leader__organisation__name"), F("participant__organisation")),
            )
            .order_by("name", "email")
        )
        status_labels = dict(Registration.Status.choices)
        attendance_labels = dict(Registration.Attendance.choices)
        categories = dict(Participant.Category.choices)
        unions = dict(reference.choices("unions"))
        for row in attendance_list:
            row["name"] = row["name"] or row["email"]
            if row["participant__category"]:
                # A participant who is not a leader: their category, and their union if they have one.
                row["organisation"] = unions.get(row["participant__union"]) or row["organisation"]
                row["category"] = categories.get(row["participant__category"])
            row["status_label"] = status_labels.get(row["status"], row["status"])
            row["attendance_label"] = attendance_labels.get(row["attendance"], row["attendance"])
    commitments = list(
        Commitment.objects.filter(session=session).prefetch_related("parties__user", "organisations").order_by("pk")
    )
    return {
        "session": session,
        "programme": session.programme,
        "kind_label": kind_label(session.kind),
        "contributors": list(session.contributors.all()),
        "measures": list(session.measures.all()),
        "counts": counts,
        "by_org": by_org,
        "attendance_list": attendance_list,
        "hr_version": hr_version,
        "commitments": commitments,
        "surveys": session_survey_results(session),
        "k": min_respondents(),
    }
