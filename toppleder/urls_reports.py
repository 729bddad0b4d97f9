"""/reports/…: the PDF reports (issue 7). Included once from toppleder/urls.py."""

from django.urls import path

from toppleder import views_reports as views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("sessions/<int:pk>.pdf", views.session_pdf, name="session_pdf"),
    path("programmes/<int:pk>.pdf", views.programme_pdf, name="programme_pdf"),
    path("me.pdf", views.my_record_pdf, name="my_record_pdf"),
    path("summary.pdf", views.summary_pdf, name="summary_pdf"),
    path("summary.csv", views.summary_csv, name="summary_csv"),
    path("summary.xlsx", views.summary_xlsx, name="summary_xlsx"),
    path("jobs/<str:token>/", views.job_status, name="job_status"),
]
