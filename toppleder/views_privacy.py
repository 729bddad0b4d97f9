"""A person's own data (GDPR article 15 and 20): as JSON and as a readable PDF."""

import json

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from toppleder.privacy import personal_data_collect


@login_required
@require_GET
def my_data(request):
    """The page that explains the download and offers both formats."""
    return render(request, "toppleder/my_data.html")


@login_required
@require_GET
def my_data_json(request):
    data = personal_data_collect(request.user)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2, default=str), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="mine-data.json"'
    return response


@login_required
@require_GET
def my_data_pdf(request):
    from toppleder.pdf import render_pdf

    data = personal_data_collect(request.user)
    report = {
        "title": _("My personal data"),
        "lang": request.LANGUAGE_CODE,
        "generated_at": timezone.now(),
        "generated_by": request.user.get_full_name(),
    }
    sections = []
    for key, rows in sorted({**data.get("related_to_user", {}), **data.get("related_to_leader", {})}.items()):
        columns = [c for c in rows[0] if c != "_object"]
        sections.append({"title": key, "columns": columns, "rows": [[row.get(c) for c in columns] for row in rows]})
    html = render_to_string(
        "reports/personal_data.html", {"report": report, "data": data, "sections": sections}, request=request
    )
    response = HttpResponse(render_pdf(html).pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="mine-data.pdf"'
    return response
