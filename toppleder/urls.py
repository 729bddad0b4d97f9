from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from toppleder import views, views_audit, views_departed, views_privacy

admin.site.site_header = _("Toppleder – administration")
admin.site.site_title = _("Toppleder")

# The database being away is a 503 page in Norwegian; any other error Django's 500 page.
handler500 = "toppleder.views.server_error"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("healthz/live", views.healthz_live, name="healthz_live"),
    path("healthz/me", views.healthz_me, name="healthz_me"),
    path("accessibility/", views.accessibility_statement, name="accessibility"),
    path("privacy/", views.privacy, name="privacy"),
    path("me/data/", views_privacy.my_data, name="my_data"),
    path("me/data.json", views_privacy.my_data_json, name="my_data_json"),
    path("", include("reports.urls_personal")),  # /me/data.pdf
    path("people/departed/", views_departed.departed_list, name="departed_list"),
    path("audit/", views_audit.audit_log_page, name="audit_log"),
    path("audit.csv", views_audit.audit_log_csv, name="audit_log_csv"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("programmes.urls")),
    path("", include("reflection_groups.urls")),
    path("", include("surveys.urls")),
    path("", include("toppleder.outbox.urls")),  # the outbox and e-mail preferences
    path("reports/", include("reports.urls")),
]
