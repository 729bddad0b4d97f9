"""Admin for surveys. Response and Answer are deliberately NOT registered: a changelist
can be sorted and filtered, and any order or filter over responses is a step towards
telling who answered what. Results are read through results.py, suppressed."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from surveys import services
from surveys.models import Invitation, Question, Questionnaire, Survey
from toppleder.audit import AuditedAdmin


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0
    fields = ["order", "text", "kind", "dimension", "low_label", "high_label", "required"]

    # A frozen questionnaire's questions are read-only here as everywhere.
    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not (obj and obj.is_frozen)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj and obj.is_frozen)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and obj.is_frozen)


@admin.register(Questionnaire)
class QuestionnaireAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["name", "series", "version", "is_frozen", "created_at"]
    list_filter = ["series", "is_frozen"]
    search_fields = ["name", "series"]
    readonly_fields = ["is_frozen", "copied_from"]
    inlines = [QuestionInline]
    actions = ["copy_to_new_version"]

    def get_readonly_fields(self, request, obj=None):
        if obj and obj.is_frozen:
            return ["name", "series", "version", "description", "is_frozen", "copied_from"]
        return self.readonly_fields

    @admin.action(description=_("Copy to a new version"))
    def copy_to_new_version(self, request, queryset):
        for q in queryset:
            services.questionnaire_copy(questionnaire=q)
        messages.success(request, _("Copied."))


@admin.register(Survey)
class SurveyAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["title", "kind", "programme", "series", "wave", "opens_at", "closes_at"]
    list_filter = ["kind", "programme"]
    search_fields = ["title"]
    raw_id_fields = ["session"]
    readonly_fields = ["created_by", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        # What Survey.save refuses is read-only here, so the form never offers it.
        fields = list(self.readonly_fields)
        if obj is not None and obj.has_opened:
            fields += ["programme", "questionnaire", "kind", "series", "wave", "opens_at"]
        if obj is not None and obj.is_closed:
            fields.append("closes_at")
        return fields


@admin.register(Invitation)
class InvitationAdmin(AuditedAdmin, admin.ModelAdmin):
    """Who was asked and whether they answered; never what they answered."""

    list_display = ["user", "survey", "answered", "sent_at", "reminded_at"]
    list_filter = ["answered", "survey"]
    search_fields = ["user__email", "user__name"]
    raw_id_fields = ["user", "survey"]
    # The token is a credential: not shown, not editable.
    exclude = ["token"]
    readonly_fields = ["answered", "sent_at", "reminded_at", "created_at"]
