"""Django admin for programmes. State changes that have rules (publish, cancel, sign-ups)
go through the services as admin actions; registrations are not created by hand here."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from programmes import services
from programmes.models import (
    CollaborationProject,
    Commitment,
    Contributor,
    Course,
    CourseSession,
    CourseTemplate,
    GroupBooking,
    GroupDelegate,
    GuestInvitation,
    Material,
    Measure,
    MeasureArea,
    Participant,
    Programme,
    ProgrammeEnrolment,
    Registration,
    Session,
    WaitlistChange,
)
from toppleder.audit import AuditedAdmin


def _run(modeladmin, request, queryset, func, done_message, **kwargs):
    ok = 0
    for obj in queryset:
        try:
            func(by=request.user, **{kwargs.get("arg", "session"): obj})
            ok += 1
        except (ValidationError, services.RegistrationBusy) as exc:
            modeladmin.message_user(
                request, f"{obj}: {'; '.join(getattr(exc, 'messages', [str(exc)]))}", messages.ERROR
            )
    if ok:
        modeladmin.message_user(request, done_message % {"n": ok}, messages.SUCCESS)


class EnrolmentInline(admin.TabularInline):
    model = ProgrammeEnrolment
    extra = 0
    raw_id_fields = ["leader", "via_group"]
    fields = ["leader", "status", "via_group", "enrolled_at", "withdrawn_at"]
    readonly_fields = ["enrolled_at", "withdrawn_at"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("leader__user", "via_group")


@admin.register(Programme)
class ProgrammeAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["name", "period", "status", "enrolment_opens", "enrolment_closes", "enrolled", "created_at"]
    list_filter = ["status", "period"]
    search_fields = ["name", "period", "description"]
    filter_horizontal = ["eligible_organisations"]
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(_enrolled=Count("enrolments", filter=Q(enrolments__status=ProgrammeEnrolment.Status.ENROLLED)))
        )

    @admin.display(description=_("enrolled"), ordering="_enrolled")
    def enrolled(self, obj):
        return obj._enrolled


@admin.register(ProgrammeEnrolment)
class ProgrammeEnrolmentAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["leader", "organisation", "programme", "status", "via_group", "enrolled_at"]
    list_filter = ["status", "programme", "leader__organisation__kind", "leader__organisation__sector"]
    search_fields = ["leader__user__name", "leader__user__email", "leader__organisation__name"]
    list_select_related = ["leader__user", "leader__organisation", "programme", "via_group"]
    raw_id_fields = ["leader", "via_group"]
    actions = ["withdraw"]

    @admin.display(description=_("organisation"), ordering="leader__organisation__name")
    def organisation(self, obj):
        return obj.leader.organisation

    @admin.action(description=_("Withdraw selected enrolments"))
    def withdraw(self, request, queryset):
        _run(self, request, queryset, services.enrolment_withdraw, _("%(n)s withdrawn."), arg="enrolment")


class MeasureInline(admin.TabularInline):
    model = Measure
    extra = 0
    fields = ["order", "text", "horizon", "status", "owner"]


@admin.register(MeasureArea)
class MeasureAreaAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["name_nb", "name_en", "key", "order"]
    search_fields = ["name_nb", "name_en", "key"]
    inlines = [MeasureInline]


@admin.register(Measure)
class MeasureAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["text", "area", "horizon", "status", "owner", "session_count"]
    list_filter = ["area", "horizon", "status"]
    search_fields = ["text", "owner"]
    list_editable = ["status", "owner"]
    list_select_related = ["area"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_sessions=Count("sessions"))

    @admin.display(description=_("sessions"), ordering="_sessions")
    def session_count(self, obj):
        return obj._sessions


class ContributorInline(admin.TabularInline):
    model = Contributor
    extra = 0


class MaterialInline(admin.TabularInline):
    model = Material
    extra = 0
    readonly_fields = ["uploaded_at"]


class RegistrationInline(admin.TabularInline):
    """Registrations are made by the service (capacity, waiting list); here only attendance changes."""

    model = Registration
    extra = 0
    can_delete = False
    raw_id_fields = ["leader"]
    fields = ["leader", "participant", "status", "waitlist_position", "attendance", "created_at"]
    readonly_fields = ["leader", "participant", "status", "waitlist_position", "created_at"]
    ordering = ["status", "waitlist_position", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("leader__user", "participant__user")


@admin.register(Session)
class SessionAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["title", "programme", "kind", "starts_at", "format", "status", "capacity", "confirmed", "waiting"]
    list_filter = ["status", "kind", "format", "programme", ("starts_at", admin.DateFieldListFilter)]
    search_fields = ["title", "theme", "place", "description"]
    list_select_related = ["programme"]
    date_hierarchy = "starts_at"
    filter_horizontal = ["reserved_for_groups", "measures"]
    readonly_fields = ["uid", "sequence", "status", "confirmed_count", "waitlist_count", "created_at", "updated_at"]
    inlines = [ContributorInline, MaterialInline, RegistrationInline]
    actions = ["publish", "cancel", "complete"]

    @admin.display(description=_("confirmed"), ordering="confirmed_count")
    def confirmed(self, obj):
        return obj.confirmed_count

    @admin.display(description=_("waiting"), ordering="waitlist_count")
    def waiting(self, obj):
        return obj.waitlist_count

    @admin.action(description=_("Publish selected sessions"))
    def publish(self, request, queryset):
        _run(self, request, queryset, services.session_publish, _("%(n)s published."))

    @admin.action(description=_("Cancel selected sessions"))
    def cancel(self, request, queryset):
        _run(self, request, queryset, services.session_cancel, _("%(n)s cancelled."))

    @admin.action(description=_("Mark selected sessions as completed"))
    def complete(self, request, queryset):
        _run(self, request, queryset, services.session_complete, _("%(n)s completed."))


class WaitlistChangeInline(admin.TabularInline):
    model = WaitlistChange
    extra = 0
    can_delete = False
    readonly_fields = ["changed_by", "old_position", "new_position", "reason", "changed_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Registration)
class RegistrationAdmin(AuditedAdmin, admin.ModelAdmin):
    # A row names a leader or a participant who is not a leader (a guest: programmes/services/guests.py).
    list_display = ["leader", "participant", "session", "status", "waitlist_position", "attendance", "created_at"]
    list_filter = ["status", "attendance", "session__programme", "session__kind"]
    search_fields = ["leader__user__name", "leader__user__email", "participant__user__name", "session__title"]
    list_select_related = ["leader__user", "participant__user", "session"]
    raw_id_fields = ["leader", "session"]
    readonly_fields = ["participant", "status", "waitlist_position", "created_at", "promoted_at", "cancelled_at"]
    date_hierarchy = "created_at"
    inlines = [WaitlistChangeInline]
    actions = ["cancel"]

    def has_add_permission(self, request):
        return False  # sign-ups go through registration_create (capacity, waiting list)

    @admin.action(description=_("Cancel selected registrations (promotes from the waiting list)"))
    def cancel(self, request, queryset):
        _run(self, request, queryset, services.registration_cancel, _("%(n)s cancelled."), arg="registration")


class GuestInvitationInline(admin.TabularInline):
    """A participant's invitations, as read: they are written by HR's guest page (the e-mails go
    from there), not here."""

    model = GuestInvitation
    extra = 0
    fields = ["session", "invited_by", "invited_at", "declined_at"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("session", "invited_by")


@admin.register(Participant)
class ParticipantAdmin(AuditedAdmin, admin.ModelAdmin):
    """Politicians, political secretaries, union representatives, guests and contributors.

    They are added by HR's guest page (programmes/services/guests.py: an e-mail that belongs to
    a leader attaches that leader, so one person is never two); here their category,
    organisation and union can be corrected."""

    list_display = ["name", "email", "category", "affiliation", "created_at"]
    list_filter = ["category", "union"]
    search_fields = ["user__name", "user__email", "organisation"]
    list_select_related = ["user"]
    fields = ["user", "category", "organisation", "union", "created_at"]
    readonly_fields = ["user", "created_at"]
    inlines = [GuestInvitationInline]

    @admin.display(description=_("name"), ordering="user__name")
    def name(self, obj):
        return obj.name

    @admin.display(description=_("e-mail"), ordering="user__email")
    def email(self, obj):
        return obj.user.email

    @admin.display(description=_("organisation or union"))
    def affiliation(self, obj):
        return obj.affiliation

    def has_add_permission(self, request):
        return False  # invited on the programme's guest page


@admin.register(GuestInvitation)
class GuestInvitationAdmin(AuditedAdmin, admin.ModelAdmin):
    """Who HR invited to which session by name (a participant, or a leader outside the
    programme) and who said "Jeg kan ikke". Read here; invited on the guest page."""

    list_display = ["__str__", "session", "invited_by", "invited_at", "declined_at"]
    list_filter = ["session__programme", "session__kind", ("declined_at", admin.EmptyFieldListFilter)]
    search_fields = ["participant__user__name", "participant__user__email", "leader__user__name", "session__title"]
    list_select_related = ["participant__user", "leader__user", "session", "invited_by"]
    readonly_fields = ["session", "participant", "leader", "invited_by", "invited_at", "declined_at"]
    date_hierarchy = "invited_at"

    def has_add_permission(self, request):
        return False  # the guest page writes invitations and queues their e-mails


@admin.register(GroupDelegate)
class GroupDelegateAdmin(AuditedAdmin, admin.ModelAdmin):
    """HR names who may book seats for a leader group besides its top leader."""

    list_display = ["leader", "group"]
    search_fields = ["leader__user__name", "group__name"]
    list_select_related = ["leader__user", "group"]
    raw_id_fields = ["leader", "group"]


@admin.register(GroupBooking)
class GroupBookingAdmin(AuditedAdmin, admin.ModelAdmin):
    """Group bookings are made on the session page (capacity, waiting list); here they are read."""

    list_display = ["group", "session", "mode", "size", "booked_by", "created_at"]
    list_filter = ["mode", "session__programme"]
    search_fields = ["group__name", "session__title"]
    list_select_related = ["group", "session", "booked_by__user"]
    readonly_fields = ["session", "group", "booked_by", "mode", "size", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(WaitlistChange)
class WaitlistChangeAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["registration", "old_position", "new_position", "reason", "changed_by", "changed_at"]
    search_fields = ["reason", "registration__leader__user__name", "registration__session__title"]
    list_select_related = ["registration__leader__user", "registration__session", "changed_by"]
    list_filter = ["changed_at"]
    readonly_fields = ["registration", "changed_by", "old_position", "new_position", "reason", "changed_at"]

    def has_add_permission(self, request):
        return False


@admin.register(Commitment)
class CommitmentAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["__str__", "programme", "session", "status", "due_date", "created_at"]
    list_filter = ["status", "programme", "due_date"]
    search_fields = ["text", "follow_up", "parties__user__name", "organisations__name"]
    list_select_related = ["programme", "session"]
    raw_id_fields = ["session", "parties", "organisations", "created_by"]
    date_hierarchy = "created_at"


@admin.register(CourseTemplate)
class CourseTemplateAdmin(AuditedAdmin, admin.ModelAdmin):
    """The shape of a leader-group course; HR makes the courses from it on the programme's pages."""

    list_display = ["name", "kind", "weeks_between", "duration_minutes"]
    search_fields = ["name"]


class CourseSessionInline(admin.TabularInline):
    model = CourseSession
    extra = 0
    raw_id_fields = ["session"]
    fields = ["position", "session"]


@admin.register(Course)
class CourseAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["title", "programme", "template", "facilitator"]
    list_filter = ["programme", "template"]
    search_fields = ["title", "groups__name"]
    list_select_related = ["programme", "template", "facilitator"]
    raw_id_fields = ["facilitator", "groups"]
    inlines = [CourseSessionInline]


@admin.register(CollaborationProject)
class CollaborationProjectAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["title", "programme", "status", "updated_at"]
    list_filter = ["status", "programme"]
    search_fields = ["title", "description", "outcome", "organisations__name"]
    list_select_related = ["programme"]
    raw_id_fields = ["leaders", "organisations", "sessions", "commitments", "measures", "created_by"]
