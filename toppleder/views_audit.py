"""The audit log for administrators: who did what, as sentences, with filters and a CSV."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_safe

from toppleder import audit_log
from toppleder.forms_audit import AuditFilterForm
from toppleder.pages import filters, paginate, query_without_page
from toppleder.permissions import require_admin
from toppleder.spreadsheets import sheet_response

PER_PAGE = 50


def _filtered(request):
    require_admin(request.user)
    form = AuditFilterForm(request.GET or None)
    return form, audit_log.entries(**filters(form))


@login_required
@require_safe
def audit_log_page(request):
    form, qs = _filtered(request)
    page = paginate(request, qs, PER_PAGE)
    page.object_list = audit_log.lines(page.object_list)
    return render(
        request,
        "toppleder/audit_log.html",
        {"page": page, "filters": form, "query": query_without_page(request)},
    )


@login_required
@require_safe
def audit_log_csv(request):
    _form, qs = _filtered(request)
    return sheet_response(audit_log.sheet(qs), "csv", "revisjonslogg")
