from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from toppleder.audit import AuditedAdmin, AuditEntry
from toppleder.models import Leader, LeaderGroup, Organisation, Sector, User
from toppleder.services import person_anonymise


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
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
    actions = ["anonymise"]

    @admin.action(description=_("Anonymise selected people (they have left)"), permissions=["anonymise"])
    def anonymise(self, request, queryset):
        for user in queryset.exclude(pk=request.user.pk):
            person_anonymise(user=user, by=request.user)
        self.message_user(request, _("The selected people were anonymised."), messages.SUCCESS)

    def has_anonymise_permission(self, request):
        from toppleder.permissions import is_admin

        return is_admin(request.user)


@admin.register(Sector)
class SectorAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["name", "code", "kind", "sector", "governed_by"]
    list_filter = ["kind", "sector"]
    search_fields = ["name", "code"]
    list_select_related = ["sector", "governed_by"]
    autocomplete_fields = ["governed_by"]


@admin.register(Leader)
class LeaderAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["__str__", "title", "organisation", "level", "top_leader_since"]
    list_filter = ["level", "organisation__kind", "organisation__sector"]
    search_fields = ["user__name", "user__email", "title", "organisation__name"]
    list_select_related = ["user", "organisation"]
    autocomplete_fields = ["user", "organisation"]
    exclude = ["calendar_token"]


@admin.register(LeaderGroup)
class LeaderGroupAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["name", "organisation", "is_top_leader_group"]
    list_filter = ["is_top_leader_group", "organisation__kind", "organisation__sector"]
    search_fields = ["name", "organisation__name"]
    list_select_related = ["organisation"]
    autocomplete_fields = ["members", "organisation"]


class NamedValuesFilter(admin.AllValuesFieldListFilter):
    """Django's filter by distinct values, where an empty value is a link with a name, not an
    empty link (axe link-name)."""

    def choices(self, changelist):
        for choice in super().choices(changelist):
            if not str(choice["display"]).strip():
                choice = {**choice, "display": _("(empty)")}
            yield choice


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Administrators browse and filter the audit log; nobody can add, change or delete it here."""

    list_display = ["at", "actor_label", "action", "object_type", "object_id", "object_repr", "ip"]
    list_filter = ["action", ("object_type", NamedValuesFilter), "at"]
    search_fields = ["actor_label", "object_repr", "object_id", "ip"]
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_module_permission(self, request):
        from toppleder.permissions import is_admin

        return is_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
