"""/reports/…: the PDF reports and the summary's spreadsheets (included from toppleder/urls.py)."""

from django.urls import path, re_path

import toppleder.converters  # noqa: F401  (registers the <id:…> converter)
from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("sessions/<id:pk>.pdf", views.session_pdf, name="session_pdf"),
    path("programmes/<id:pk>.pdf", views.programme_pdf, name="programme_pdf"),
    path("me.pdf", views.my_record_pdf, name="my_record_pdf"),
    path("summary.pdf", views.summary_pdf, name="summary_pdf"),
    path("summary.csv", views.summary_csv, name="summary_csv"),
    path("summary.xlsx", views.summary_xlsx, name="summary_xlsx"),
    # A job token is 32 letters or digits (jobs.job_token): any other address is a 404 at once,
    # before the sign-in redirect, so an odd value never reaches the cache.
    re_path(r"^jobs/(?P<token>[0-9A-Za-z]{32})/$", views.job_status, name="job_status"),
]
