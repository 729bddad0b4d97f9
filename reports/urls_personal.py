"""/me/data.pdf: a person's own data as a PDF, beside the core's /me/data/ pages.

Its URL name `my_data_pdf` has no namespace (templates and e-mails already use it), so it
lives in this urlconf without an app_name, included from toppleder/urls.py.
"""

from django.urls import path

from reports import views

urlpatterns = [
    path("me/data.pdf", views.my_data_pdf, name="my_data_pdf"),
]
