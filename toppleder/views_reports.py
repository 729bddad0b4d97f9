"""The PDF reports (issue 7): thin views over programmes/reports.py.

Who gets what:
- HR and administrators: session reports (HR version, with the attendance list) and
  programme progress reports; administrators also the summary export (PDF, CSV, XLSX).
- A leader: their own development record, and the participant version (counts only) of
  the report for a session they attended. Another session is a 404, an HR report a 403.

Small reports stream at once. Large ones (see reports.is_large) are built by the Celery
task `programmes.tasks.report_build` into the cache while the page shows a progress bar;
the same URL then delivers the cached PDF until the data under it changes.
"""

import csv
import io
import logging

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from programmes import reports
from programmes.models import Programme, Registration, Session
from toppleder.permissions import is_admin as can_export_summary
from toppleder.permissions import is_hr as can_view_programme_reports
from toppleder.permissions import leader_of

logger = logging.getLogger(__name__)

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class ReportPeriodForm(forms.Form):
    """The date range of a report, from GET `from` and `to` (both optional, inclusive)."""

    def clean(self):
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        if start and end and start > end:
            raise forms.ValidationError(gettext_lazy("The start date must be on or before the end date."))
        return data

    def period(self) -> reports.Period:
        return reports.Period(self.cleaned_data.get("from"), self.cleaned_data.get("to"))


# "from" is a Python keyword, so the fields are declared here rather than as attributes.
ReportPeriodForm.base_fields = {
    "from": forms.DateField(label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})),
    "to": forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})),
}


# ---------------------------------------------------------------------------
# Access helpers: 404 for another person's object, 403 for a missing role
# ---------------------------------------------------------------------------


def get_session_for_report(user, pk: int) -> tuple[Session, bool]:
    """(session, hr_version). HR: any session. Leader: a session they attended. Else 404/403."""
    if can_view_programme_reports(user):
        return get_object_or_404(Session, pk=pk), True
    leader = leader_of(user)
    if leader is None:
        raise PermissionDenied
    session = (
        Session.objects.filter(
            pk=pk, registrations__leader=leader, registrations__attendance=Registration.Attendance.ATTENDED
        )
        .distinct()
        .first()
    )
    if session is None:
        raise Http404
    return session, False


def require_hr(user) -> None:
    if not can_view_programme_reports(user):
        raise PermissionDenied


def require_admin(user) -> None:
    if not can_export_summary(user):
        raise PermissionDenied


# ---------------------------------------------------------------------------
# Responses
# ---------------------------------------------------------------------------


def pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def report_failed(request):
    """A clear page instead of a 500 when WeasyPrint cannot build a report."""
    return render(request, "reports/failed.html", status=503)


def _build_or_fail(request, build):
    """Run a report build; (result, None) or (None, the failure page). The error is logged."""
    try:
        return build(), None
    except Exception:
        logger.exception("report failed: %s", request.path)
        return None, report_failed(request)


def _filename(*parts) -> str:
    return "-".join(slugify(str(p))[:60] for p in parts if str(p)) + ".pdf"


def _period_params(form: ReportPeriodForm) -> dict:
    period = form.period()
    return {
        "start": period.start.isoformat() if period.start else "",
        "end": period.end.isoformat() if period.end else "",
    }


def _invalid_period(request, form):
    """The index page with the form's message: a bad date is the user's to fix, not a 500."""
    return index(request, period_form=form, status=400)


def deliver(request, kind: str, params: dict, filename: str):
    """Stream a cached or small report; queue a large one and show its progress."""
    user = request.user
    key = reports.cache_key(kind, params, user)
    pdf = cache.get(key)
    if pdf is not None:
        return pdf_response(pdf, filename)
    if not reports.is_large(kind, params):
        result, failed = _build_or_fail(request, lambda: reports.build(kind, params, user))
        if failed:
            return failed
        cache.set(key, result.pdf, reports.REPORT_TTL)
        return pdf_response(result.pdf, filename)

    from programmes.tasks import report_build

    token = reports.job_token(kind, params, user)
    job = reports.job_get(token)
    running = job is not None and job.get("state") in ("queued", "running") and job.get("key") == key
    if not running:
        reports.job_set(token, state="queued", progress=0, key=key, user_id=user.pk)
        report_build.delay(kind, params, user.pk)
        # Without a broker (eager tasks) the report is already there.
        pdf = cache.get(key)
        if pdf is not None:
            return pdf_response(pdf, filename)
        job = reports.job_get(token)
    return render(
        request,
        "reports/building.html",
        {
            "job": job or {"state": "queued", "progress": 0},
            "status_url": reverse("reports:job_status", args=[token]),
            "download_url": request.get_full_path(),
            "report_title": reports.REPORT_TITLES.get(kind, ""),
        },
        status=202,
    )


# ---------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------


@login_required
@require_GET
def index(request, period_form=None, status=200):
    """HR: every programme's and session's report with a date range; admins: the summary.
    A leader: their development record and the sessions they attended."""
    user = request.user
    hr = can_view_programme_reports(user)
    leader = leader_of(user)
    if not hr and leader is None:
        raise PermissionDenied
    form = period_form or ReportPeriodForm(request.GET or None)
    if period_form is None and form.is_bound:
        form.is_valid()
    query = ""
    if form.is_bound and form.is_valid():
        pairs = {k: form.data.get(k) for k in ("from", "to") if form.data.get(k)}
        query = "?" + urlencode(pairs) if pairs else ""
    context = {"form": form, "query": query, "is_hr": hr, "is_admin": can_export_summary(user), "leader": leader}
    if hr:
        context["programmes"] = Programme.objects.annotate(
            n_sessions=Count("sessions", distinct=True),
            n_enrolled=Count("enrolments", filter=Q(enrolments__status="enrolled"), distinct=True),
        ).order_by("-created_at", "pk")
        context["sessions"] = (
            Session.objects.filter(starts_at__lte=timezone.now())
            .exclude(status__in=[Session.Status.DRAFT, Session.Status.CANCELLED])
            .select_related("programme")
            .order_by("-starts_at")[:30]
        )
    elif leader is not None:
        context["sessions"] = (
            Session.objects.filter(
                registrations__leader=leader, registrations__attendance=Registration.Attendance.ATTENDED
            )
            .select_related("programme")
            .order_by("-starts_at")
        )
    return render(request, "reports/index.html", context, status=status)


@login_required
@require_GET
def session_pdf(request, pk: int):
    session, hr_version = get_session_for_report(request.user, pk)
    result, failed = _build_or_fail(
        request, lambda: reports.session_report(session, user=request.user, hr_version=hr_version)
    )
    if failed:
        return failed
    return pdf_response(result.pdf, _filename("session-report", session.pk, session.title))


@login_required
@require_GET
def programme_pdf(request, pk: int):
    require_hr(request.user)
    programme = get_object_or_404(Programme, pk=pk)
    form = ReportPeriodForm(request.GET)
    if not form.is_valid():
        return _invalid_period(request, form)
    params = {"programme_id": programme.pk, **_period_params(form)}
    return deliver(request, "programme", params, _filename("progress-report", programme.pk, programme.name))


@login_required
@require_GET
def my_record_pdf(request):
    leader = leader_of(request.user)
    if leader is None:
        raise PermissionDenied
    result, failed = _build_or_fail(request, lambda: reports.leader_record(leader, user=request.user))
    if failed:
        return failed
    return pdf_response(result.pdf, _filename("development-record", leader.name))


@login_required
@require_GET
def summary_pdf(request):
    require_admin(request.user)
    form = ReportPeriodForm(request.GET)
    if not form.is_valid():
        return _invalid_period(request, form)
    params = _period_params(form)
    return deliver(request, "summary", params, _filename("programme-summary", params["start"], params["end"]))


def _summary_rows(request):
    require_admin(request.user)
    form = ReportPeriodForm(request.GET)
    if not form.is_valid():
        return None, _invalid_period(request, form)
    with translation.override(reports.user_language(request.user)):
        return reports.summary_rows(form.period()), None


def safe_cell(value):
    """Spreadsheet formula injection: text starting with = + - @ (or tab/CR) is prefixed with '."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


@login_required
@require_GET
def summary_csv(request):
    rows, error = _summary_rows(request)
    if error:
        return error
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    # A BOM so Excel opens æøå correctly.
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="programme-summary.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def summary_xlsx(request):
    from openpyxl import Workbook

    rows, error = _summary_rows(request)
    if error:
        return error
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Figures")[:31]
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    for cell in sheet[1]:
        cell.font = cell.font.copy(bold=True)
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCDEF", (36, 10, 32, 40, 24, 10), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    workbook.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="programme-summary.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@login_required
@require_GET
def job_status(request, token: str):
    """JSON for the progress bar. Only the person who asked for the report sees its job."""
    job = reports.job_get(token)
    if not job or job.get("user_id") != request.user.pk:
        raise Http404
    state = job.get("state")
    if state == "done" and cache.get(job.get("key", "")) is None:
        state = "expired"
    return JsonResponse({"state": state, "progress": job.get("progress", 0), "ready": state == "done"})
