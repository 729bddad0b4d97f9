from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class TopplederConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "toppleder"
    verbose_name = _("Top leaders")

    def ready(self):
        from toppleder import audit, fields, permissions  # noqa: F401  (rules, deploy checks)

        audit.connect_signals()

        # Each app's dashboard.py registers its panels for "/" (see toppleder/dashboard.py).
        autodiscover_modules("dashboard")
