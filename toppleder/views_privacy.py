"""A person's own data (GDPR article 15 and 20): the page, and the data as JSON.

The readable PDF of the same data is a report: reports/views.py `my_data_pdf`.
"""

import json

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
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
