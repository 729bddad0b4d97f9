from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReflectionGroupsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reflection_groups"
    verbose_name = _("Reflection groups and mentoring")
