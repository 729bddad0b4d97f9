"""/reports/… and /me/data.pdf: thin views over the reports.

Who gets what:
- HR and administrators: session reports (HR version, with the attendance list) and
  programme progress reports; administrators also the summary (PDF, CSV, XLSX).
- A leader: their own development record, and the participant version (counts only) of
  the report for a session they attended. Another session is a 404, an HR report a 403.
- Everyone signed in: their own personal data as a PDF.

Small reports are built in the request. Large ones (jobs.is_large) are built by the Celery
task reports.tasks.report_build while the page shows a progress bar; the same URL then
delivers the kept PDF until the data under it changes.
"""

import logging
from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from programmes.selectors import programme_for
from reports import documents, jobs, pdf, selectors
from reports.exports import summary_sheet
from reports.forms import ReportPeriodForm
from reports.tasks import report_build
from toppleder import dates
from toppleder.caching import lookup
from toppleder.permissions import is_admin, is_hr, leader_of, require_admin, require_leader
from toppleder.spreadsheets import sheet_response

logger = logging.getLogger(__name__)


# --------------------------------------------------------------------------- responses
def pdf_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def pdf_or_failure(request, make: Callable[[], bytes], filename: str) -> HttpResponse:
    """The PDF `make()` returns, as a download.

    When WeasyPrint cannot make it (pdf.RenderFailed, and only that: a mistake in a report's
    data or template is a bug and must surface as one) the error is logged and the person
    gets a clear page saying so, with status 503, instead of a server error.
    """
    try:
        body = make()
    except pdf.RenderFailed:
        logger.exception("report could not be rendered: %s", request.path)
        return render(request, "reports/failed.html", status=503)
    return pdf_response(body, filename)


def _filename(*parts) -> str:
    return dates.filename(*parts, suffix=".pdf")


def _invalid_period(request, form):
    """The index page with the form's message: a bad date is the user's to fix, not a 500."""
    return index(request, period_form=form, status=400)


def deliver(request, kind: str, params: dict, filename: str):
    """Stream a kept or small report; queue a large one and show its progress."""
    user = request.user
    key = jobs.report_key(kind, params, user)
    body = lookup(key)
    if body is not None:
        return pdf_response(body, filename)
    if not jobs.is_large(kind, params):
        return pdf_or_failure(request, lambda: jobs.report_cached(kind, params, user), filename)

    token = jobs.job_token(kind, params, user)
    job = jobs.job_get(token)
    if job is None or job.get("state") not in ("queued", "running"):
        jobs.job_set(token, state="queued", progress=0, key=key, user_id=user.pk)
        report_build.delay(kind, params, user.pk)
        # Without a broker (eager tasks) the report is already there.
        body = lookup(key)
        if body is not None:
            return pdf_response(body, filename)
        job = jobs.job_get(token)
    return render(
        request,
        "reports/building.html",
        {
            "job": job or {"state": "queued", "progress": 0},
            "status_url": reverse("reports:job_status", args=[token]),
            "download_url": request.get_full_path(),
            "report_title": jobs.REPORT_TITLES.get(kind, ""),
        },
        status=202,
    )


# --------------------------------------------------------------------------- views
@login_required
@require_GET
def index(request, period_form=None, status=200):
    """HR: every programme's and session's report with a date range; admins: the summary.
    A leader: their development record and the sessions they attended."""
    user = request.user
    hr = is_hr(user)
    leader = leader_of(user)
    if not hr and leader is None:
        raise PermissionDenied
    form = period_form or ReportPeriodForm(request.GET or None)
    query = ""
    if form.is_bound and form.is_valid():
        pairs = {k: form.data.get(k) for k in ("from", "to") if form.data.get(k)}
        query = "?" + urlencode(pairs) if pairs else ""
    elif form.is_bound:
        status = 400  # the page says what is wrong with the period; the links carry none
    context = {"form": form, "query": query, "is_hr": hr, "is_admin": is_admin(user), "leader": leader}
    if hr:
        context["programmes"] = selectors.programmes_for_reports()
        context["sessions"] = selectors.sessions_held_latest()
    elif leader is not None:
        context["sessions"] = selectors.sessions_attended_by(leader).order_by("-starts_at")
    return render(request, "reports/index.html", context, status=status)


@login_required
@require_GET
def session_pdf(request, pk: int):
    session, hr_version = selectors.session_report_for(request.user, pk)
    return pdf_or_failure(
        request,
        lambda: documents.session_report(session, user=request.user, hr_version=hr_version).pdf,
        _filename(pgettext("file name", "session-report"), session.title, session.starts_at.date()),
    )


@login_required
@require_GET
def programme_pdf(request, pk: int):
    programme = programme_for(request.user, pk, manage=True)
    form = ReportPeriodForm(request.GET)
    if not form.is_valid():
        return _invalid_period(request, form)
    params = {"programme_id": programme.pk, **form.period().params()}
    return deliver(request, "programme", params, _filename(pgettext("file name", "progress-report"), programme.name))


@login_required
@require_GET
def my_record_pdf(request):
    leader = require_leader(request.user)
    return pdf_or_failure(
        request,
        lambda: documents.leader_record(leader, user=request.user).pdf,
        _filename(pgettext("file name", "development-record"), leader.name),
    )


@login_required
@require_GET
def summary_pdf(request):
    require_admin(request.user)
    form = ReportPeriodForm(request.GET)
    if not form.is_valid():
        return _invalid_period(request, form)
    params = form.period().params()
    return deliver(
        request,
        "summary",
        params,
        _filename(pgettext("file name", "programme-summary"), params["start"], params["end"]),
    )


def _summary_download(request, fmt: str):
    require_admin(request.user)
    form = ReportPeriodForm(request.GET)
    if not form.is_valid():
        return _invalid_period(request, form)
    with translation.override(documents.user_language(request.user)):
        return sheet_response(
            summary_sheet(form.period()), fmt, dates.filename(pgettext("file name", "programme-summary"), suffix="")
        )


@login_required
@require_GET
def summary_csv(request):
    return _summary_download(request, "csv")


@login_required
@require_GET
def summary_xlsx(request):
    return _summary_download(request, "xlsx")


@never_cache
@login_required
@require_GET
def job_status(request, token: str):
    """JSON for the progress bar. Only the person who asked for the report sees its job."""
    job = jobs.job_get(token)
    if not job or job.get("user_id") != request.user.pk:
        raise Http404
    state = job.get("state")
    if state == "done" and not jobs.job_ready(job):
        state = "expired"
    return JsonResponse({"state": state, "progress": job.get("progress", 0), "ready": state == "done"})


@login_required
@require_GET
def my_data_pdf(request):
    """The signed-in person's own data (GDPR article 15) as a readable PDF."""
    return pdf_or_failure(request, lambda: documents.personal_data_report(request).pdf, "mine-data.pdf")
