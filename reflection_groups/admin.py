"""Admin for everything except confidential content.

GroupNote is deliberately NOT registered, and PairMeeting's `note` is excluded everywhere
(no field, no list column, no search): HR and administrators see that meetings happened and
who attended, never what was said. tests/reflection_groups/test_confidentiality.py checks this.
"""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from reflection_groups.models import (
    GroupMeeting,
    GroupMembership,
    MeetingAttendance,
    MenteeWish,
    MentorPair,
    MentorProfile,
    PairAppointment,
    PairMeeting,
    ReflectionGroup,
)
from toppleder.audit import AuditedAdmin


class MembershipFormSet(BaseInlineFormSet):
    """The admin keeps the same rule as the services: one active group of a kind per programme."""

    def clean(self):
        super().clean()
        group = self.instance
        seen = set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            leader = data.get("leader")
            if leader is None or data.get("DELETE") or not data.get("active", True):
                continue
            if leader.pk in seen:
                raise ValidationError(_("%(name)s is listed twice.") % {"name": leader})
            seen.add(leader.pk)
            taken = GroupMembership.objects.filter(
                programme_id=group.programme_id, kind=group.kind, leader=leader, active=True
            ).exclude(group_id=group.pk)
            if group.programme_id and taken.exists():
                raise ValidationError(
                    _("%(name)s is already in another group of the same kind in this programme.") % {"name": leader}
                )


class MembershipInline(admin.TabularInline):
    model = GroupMembership
    formset = MembershipFormSet
    fields = ["leader", "joined", "active"]
    readonly_fields = ["joined"]
    raw_id_fields = ["leader"]
    extra = 0


@admin.register(ReflectionGroup)
class ReflectionGroupAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["name", "kind", "programme", "status", "round_number", "facilitator", "diversity_score"]
    list_filter = ["kind", "status", "programme"]
    search_fields = ["name", "theme"]
    raw_id_fields = ["facilitator"]
    readonly_fields = ["diversity_score", "created_at", "published_at"]
    inlines = [MembershipInline]
    list_select_related = ["programme", "facilitator"]

    def save_formset(self, request, form, formset, change):
        # The denormalised programme/kind on memberships follow the group.
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for inst in instances:
            if isinstance(inst, GroupMembership):
                inst.programme_id = form.instance.programme_id
                inst.kind = form.instance.kind
            inst.save()
        formset.save_m2m()


class AttendanceInline(admin.TabularInline):
    model = MeetingAttendance
    fields = ["leader", "recorded_at"]
    readonly_fields = ["recorded_at"]
    raw_id_fields = ["leader"]
    extra = 0


@admin.register(GroupMeeting)
class GroupMeetingAdmin(AuditedAdmin, admin.ModelAdmin):
    # No notes inline: notes are confidential.
    list_display = ["group", "starts_at", "place", "prompt_key"]
    list_filter = ["group__kind"]
    search_fields = ["group__name", "place"]
    raw_id_fields = ["group"]
    fields = ["group", "starts_at", "place", "video_link", "prompt_key", "prompt_question"]
    inlines = [AttendanceInline]
    list_select_related = ["group"]


class PairMeetingInline(admin.TabularInline):
    model = PairMeeting
    fields = ["date", "created_at"]  # never `note`
    readonly_fields = ["date", "created_at"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(MentorPair)
class MentorPairAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["__str__", "scheme", "programme", "status", "match_score", "rematch_requested_at"]
    list_filter = ["scheme", "status", "programme"]
    search_fields = ["mentor__user__name", "mentee__user__name"]
    raw_id_fields = ["mentor", "mentee", "rematch_requested_by"]
    readonly_fields = ["match_score", "published_at", "closed_at", "inactivity_warned_at", "created_at"]
    exclude = ["mentor_seen_at", "mentee_seen_at"]
    inlines = [PairMeetingInline]
    list_select_related = ["programme", "mentor__user", "mentee__user"]


@admin.register(PairMeeting)
class PairMeetingAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["pair", "date"]
    fields = ["pair", "date", "created_at"]  # the private note is never shown or editable here
    readonly_fields = ["pair", "date", "created_at"]
    list_select_related = ["pair__mentor__user", "pair__mentee__user"]

    def has_add_permission(self, request):
        return False


@admin.register(PairAppointment)
class PairAppointmentAdmin(AuditedAdmin, admin.ModelAdmin):
    """Read only: the pair's page changes a planned meeting, so that both calendars follow."""

    list_display = ["pair", "starts_at", "cancelled_at"]
    fields = ["pair", "starts_at", "place", "video_link", "sequence", "cancelled_at", "created_at"]
    readonly_fields = fields
    list_select_related = ["pair__mentor__user", "pair__mentee__user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(MentorProfile)
class MentorProfileAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["leader", "capacity", "active"]
    raw_id_fields = ["leader"]
    list_select_related = ["leader__user"]


@admin.register(MenteeWish)
class MenteeWishAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["leader", "scheme", "created_at"]
    list_filter = ["scheme"]
    raw_id_fields = ["leader"]
    list_select_related = ["leader__user"]
