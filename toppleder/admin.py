from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from toppleder.models import Leader, LeaderGroup, Organisation, Sector, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "language", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser", "groups", "language"]
    search_fields = ["email", "name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal info"), {"fields": ["name", "language"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "name", "password1", "password2"]})]


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "sector", "governed_by"]
    list_filter = ["kind", "sector"]
    search_fields = ["name", "code"]
    list_select_related = ["sector", "governed_by"]
    autocomplete_fields = ["governed_by"]


@admin.register(Leader)
class LeaderAdmin(admin.ModelAdmin):
    list_display = ["__str__", "title", "organisation", "level", "top_leader_since"]
    list_filter = ["level", "organisation__kind", "organisation__sector"]
    search_fields = ["user__name", "user__email", "title", "organisation__name"]
    list_select_related = ["user", "organisation"]
    autocomplete_fields = ["user", "organisation"]
    exclude = ["calendar_token"]


@admin.register(LeaderGroup)
class LeaderGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "is_top_leader_group"]
    list_filter = ["is_top_leader_group", "organisation__kind", "organisation__sector"]
    search_fields = ["name", "organisation__name"]
    list_select_related = ["organisation"]
    autocomplete_fields = ["members", "organisation"]
