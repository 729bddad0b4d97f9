"""The reports panel of a leader's dashboard: their development record and session reports."""

from django.urls import reverse

from toppleder.dashboard import panel


@panel("leader", template="reports/panels/development_record.html", order=95, side=True)
def development_record(request):
    """The leader's own development record ("utviklingspass") and session reports (no queries)."""
    return {"record_url": reverse("reports:my_record_pdf"), "reports_url": reverse("reports:index")}
