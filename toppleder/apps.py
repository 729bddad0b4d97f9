from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class TopplederConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "toppleder"
    verbose_name = _("Top leaders")

    def ready(self):
        from toppleder import audit, caching, fields  # noqa: F401  (fields: deploy checks)

        audit.connect_signals()
        # Every write statement gives its table a new version when it commits (caching.py).
        connection_created.connect(caching.watch_connection, dispatch_uid="caching-watch")

        # Each app's dashboard.py registers its panels for "/" (see toppleder/dashboard.py).
        autodiscover_modules("dashboard")
