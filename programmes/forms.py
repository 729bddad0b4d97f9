"""Forms for the programme pages: they validate and normalise, then views hand
`cleaned_data` to a service in programmes/services.py. Layout is crispy's ("punkt" pack).
"""

import os

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from programmes.models import (
    Commitment,
    Contributor,
    GroupBooking,
    Material,
    Measure,
    Programme,
    ProgrammeEnrolment,
    Registration,
    Session,
)
from toppleder.models import Leader, LeaderGroup, Organisation
from toppleder.pages import QuickSelect, QuickSelectMultiple

# Materials: what HR may upload (checked by name and size; served only as attachments).
MATERIAL_EXTENSIONS = {".pdf", ".docx", ".xlsx", ".pptx", ".txt", ".png", ".jpg", ".jpeg", ".odt", ".ods", ".odp"}
MATERIAL_MAX_BYTES = getattr(settings, "MATERIAL_MAX_BYTES", 20 * 1024 * 1024)
CSV_MAX_BYTES = 5 * 1024 * 1024


def group_label(group: LeaderGroup) -> str:
    """A leader group in a pick list: its name and, where the name does not say it, its
    organisation (two organisations may each have a "Ledergruppe økonomi")."""
    return _group_label(group.name, group.organisation.name)


def _group_label(name: str, org: str) -> str:
    return name if org in name else f"{name} ({org})"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _sub_goal_title(item) -> str:
    if isinstance(item, dict):
        return item.get("title_nb") or item.get("title") or item.get("title_en") or ""
    return str(item)


class ProgrammeForm(forms.ModelForm):
    sub_goals_text = forms.CharField(
        label=_("Sub-goals"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One sub-goal per line. Leave empty to use the programme's standard sub-goals."),
    )
    eligible_levels = forms.TypedMultipleChoiceField(
        label=_("Eligible leader levels"),
        choices=Leader.Level.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty for every level."),
    )
    eligible_org_kinds = forms.MultipleChoiceField(
        label=_("Eligible organisation kinds"),
        choices=Organisation.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty for every kind."),
    )

    class Meta:
        model = Programme
        fields = [
            "name",
            "period",
            "goal",
            "description",
            "enrolment_opens",
            "enrolment_closes",
            "eligible_levels",
            "eligible_org_kinds",
            "eligible_organisations",
        ]
        widgets = {
            "enrolment_opens": DateInput(),
            "enrolment_closes": DateInput(),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["eligible_organisations"].queryset = Organisation.objects.order_by("name")
        self.fields["eligible_organisations"].help_text = _("Leave empty for every organisation.")
        if self.instance.pk:
            self.initial_sub_goals = "\n".join(_sub_goal_title(s) for s in self.instance.sub_goals or [])
            self.fields["sub_goals_text"].initial = self.initial_sub_goals
        else:
            self.initial_sub_goals = ""

    def clean(self):
        data = super().clean()
        opens, closes = data.get("enrolment_opens"), data.get("enrolment_closes")
        if opens and closes and closes < opens:
            self.add_error("enrolment_closes", _("Enrolment cannot close before it opens."))
        return data

    def service_kwargs(self) -> dict:
        """The cleaned fields as service keyword arguments.

        Sub-goals are only passed when the text changed, so the structured standard
        sub-goals (with their points) survive an edit that does not touch them.
        """
        data = {k: v for k, v in self.cleaned_data.items() if k != "sub_goals_text"}
        data["eligible_organisations"] = list(data.get("eligible_organisations") or [])
        text = self.cleaned_data.get("sub_goals_text", "").strip()
        if text != self.initial_sub_goals.strip() and text:
            data["sub_goals"] = [line.strip() for line in text.splitlines() if line.strip()]
        elif not text and self.instance.pk and self.initial_sub_goals:
            data["sub_goals"] = []
        return data


class ProgrammeFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *Programme.Status.choices]
    )


CAPACITY_MESSAGE = _("A session needs at least one seat. To stop sign-ups, leave the session as a draft or cancel it.")


class SessionCancelForm(forms.Form):
    note = forms.CharField(
        label=_("Message to the leaders"),
        help_text=_("Included in the cancellation e-mail, for example why, or what happens instead."),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class SessionForm(forms.ModelForm):
    video_link = forms.URLField(label=_("Video link"), required=False, assume_scheme="https")

    class Meta:
        model = Session
        fields = [
            "kind",
            "title",
            "theme",
            "description",
            "starts_at",
            "ends_at",
            "format",
            "place",
            "video_link",
            "capacity",
            "online_capacity",
            "registration_deadline",
            "reserved_for_groups",
            "measures",
        ]
        widgets = {
            "starts_at": DateTimeInput(),
            "ends_at": DateTimeInput(),
            "registration_deadline": DateTimeInput(),
            "description": forms.Textarea(attrs={"rows": 4}),
            "measures": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("starts_at", "ends_at", "registration_deadline"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
        self.fields["reserved_for_groups"].queryset = LeaderGroup.objects.select_related("organisation").order_by(
            "organisation__name", "name"
        )
        self.fields["reserved_for_groups"].label_from_instance = group_label
        self.fields["measures"].queryset = Measure.objects.select_related("area").order_by("area__order", "order")
        self.fields["capacity"].widget.attrs["min"] = 1
        self.fields["capacity"].error_messages["min_value"] = CAPACITY_MESSAGE
        self.fields["online_capacity"].widget.attrs["min"] = 1
        # Shown instead of "(optional)": these are required for some formats (see clean()).
        self.fields["place"].required_when = _("required for sessions in person or hybrid")
        self.fields["video_link"].required_when = _("required for digital or hybrid sessions")

    def clean_capacity(self):
        capacity = self.cleaned_data.get("capacity")
        if capacity is not None and capacity < 1:
            raise forms.ValidationError(CAPACITY_MESSAGE, code="min_value")
        return capacity

    def clean(self):
        data = super().clean()
        starts, ends, deadline = data.get("starts_at"), data.get("ends_at"), data.get("registration_deadline")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The session must end after it starts."))
        if starts and deadline and deadline > starts:
            self.add_error("registration_deadline", _("The registration deadline must be before the session starts."))
        fmt = data.get("format")
        if fmt in (Session.Format.IN_PERSON, Session.Format.HYBRID) and not data.get("place"):
            self.add_error("place", _("Give a place for a session held in person."))
        if fmt in (Session.Format.DIGITAL, Session.Format.HYBRID) and not data.get("video_link"):
            self.add_error("video_link", _("Give a video link for a digital session."))
        capacity = data.get("capacity")
        if self.instance.pk and capacity:
            confirmed = self.instance.registrations.filter(
                status=Registration.Status.CONFIRMED, mode=Registration.Mode.ROOM
            ).count()
            if capacity < confirmed:
                self.add_error(
                    "capacity",
                    _("Capacity cannot be below the %(count)s leaders already confirmed.") % {"count": confirmed},
                )
        return data

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["reserved_for_groups"] = list(data.get("reserved_for_groups") or [])
        data["measures"] = list(data.get("measures") or [])
        return data


class ContributorForm(forms.ModelForm):
    class Meta:
        model = Contributor
        fields = ["name", "affiliation", "kind"]


class MaterialForm(forms.ModelForm):
    url = forms.URLField(label=_("Link"), required=False, assume_scheme="https")

    class Meta:
        model = Material
        fields = ["title", "url", "file"]
        help_texts = {"file": _("PDF, Word, Excel, PowerPoint, OpenDocument, text or image; at most 20 MB.")}

    def clean_file(self):
        f = self.cleaned_data.get("file")
        if not f:
            return f
        ext = os.path.splitext(f.name)[1].lower()
        if ext not in MATERIAL_EXTENSIONS:
            raise forms.ValidationError(_("This file type is not allowed."))
        if f.size > MATERIAL_MAX_BYTES:
            raise forms.ValidationError(_("The file is too large (at most 20 MB)."))
        return f

    def clean(self):
        data = super().clean()
        if not data.get("url") and not data.get("file") and not self.errors:
            raise forms.ValidationError(_("Give a link or upload a file."))
        return data


class LeaderSearchForm(forms.Form):
    find = forms.CharField(label=_("Find a leader by name, e-mail or organisation"), required=False)


class EnrolmentFilterForm(forms.Form):
    q = forms.CharField(label=_("Search enrolled leaders"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *ProgrammeEnrolment.Status.choices],
    )


class EnrolLeaderForm(forms.Form):
    leader = forms.ModelChoiceField(label=_("Leader"), queryset=Leader.objects.all(), widget=forms.HiddenInput)


class EnrolGroupForm(forms.Form):
    group = forms.ModelChoiceField(label=_("Leader group"), queryset=LeaderGroup.objects.none(), widget=QuickSelect)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["group"]
        field.queryset = LeaderGroup.objects.select_related("organisation").order_by("organisation__name", "name")
        field.label_from_instance = group_label
        # The options from one plain read of what they show (the queryset still checks the
        # choice): no model instance per group, no server-side cursor.
        rows = field.queryset.values_list("pk", "name", "organisation__name")
        field.widget.choices = [("", field.empty_label), *((pk, _group_label(name, org)) for pk, name, org in rows)]


class EnrolOrganisationsForm(forms.Form):
    organisations = forms.ModelMultipleChoiceField(
        label=_("Organisations"),
        queryset=Organisation.objects.none(),
        help_text=_("Every top leader group of the chosen organisations is enrolled."),
        widget=QuickSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["organisations"]
        field.queryset = Organisation.objects.order_by("name")
        field.widget.choices = list(field.queryset.values_list("pk", "name"))  # as for the groups above


IMPORT_MODES = [
    ("all", _("All or nothing: import only if every line is valid")),
    ("valid", _("Import the valid lines and list the others")),
]


class LeaderImportForm(forms.Form):
    file = forms.FileField(
        label=_("File (Excel or CSV)"),
        help_text=_(
            "The first row names the columns: name, e-mail and organisation, and if you like title, level "
            "and top leader since. Norwegian or English names; other columns are ignored. "
            "The enrolment export from this page can be imported as it is."
        ),
    )
    mode = forms.ChoiceField(
        label=_("If some lines are wrong"),
        choices=IMPORT_MODES,
        initial="all",
        required=False,
        widget=forms.RadioSelect,
    )

    def clean_file(self):
        f = self.cleaned_data["file"]
        if os.path.splitext(f.name)[1].lower() not in (".csv", ".txt", ".xlsx"):
            raise forms.ValidationError(_("Upload an Excel file (.xlsx) or a CSV file (.csv)."))
        if f.size > CSV_MAX_BYTES:
            raise forms.ValidationError(_("The file is too large (at most 5 MB)."))
        return f

    def partial(self) -> bool:
        return self.cleaned_data.get("mode") == "valid"


class LeaderImportConfirmForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    mode = forms.ChoiceField(
        label=_("If some lines are wrong"), choices=IMPORT_MODES, initial="all", widget=forms.RadioSelect
    )

    def partial(self) -> bool:
        return self.cleaned_data.get("mode") == "valid"


class CheckInForm(forms.Form):
    code = forms.CharField(
        label=_("Check-in code"),
        help_text=_("Six letters and digits, shown on the screen in the room."),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )


class GroupBookingForm(forms.Form):
    """Which members of the leader group, and what happens if there are not enough seats."""

    members = forms.ModelMultipleChoiceField(
        label=_("Members to sign up"),
        queryset=Leader.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose at least one member of the leader group."),
            "invalid_choice": _("Only members of the leader group can be booked."),
            "invalid_pk_value": _("Only members of the leader group can be booked."),
        },
    )
    mode = forms.ChoiceField(
        label=_("If there are not enough seats"),
        choices=[
            (GroupBooking.Mode.ALL_OR_NONE, _("All or none: we wait together and are offered the seats together")),
            (GroupBooking.Mode.AS_MANY_AS_FIT, _("As many as fit: the rest go on the waiting list one by one")),
        ],
        widget=forms.RadioSelect,
        initial=GroupBooking.Mode.ALL_OR_NONE,
    )

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        members = group.members.select_related("user").order_by("user__name", "pk")
        self.fields["members"].queryset = members
        self.fields["members"].label_from_instance = lambda le: (
            f"{le.user.name} ({le.title})" if le.title else le.user.name
        )
        if not self.is_bound:
            self.initial.setdefault("members", list(members))


class WaitlistMoveForm(forms.Form):
    new_position = forms.IntegerField(label=_("New position"), min_value=1)
    reason = forms.CharField(label=_("Reason for the change"), max_length=300)

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("A reason is required."))
        return reason


class FavourNewcomersForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        initial=_("Leaders who have not yet attended this kind of session go first."),
    )


class AttendanceForm(forms.Form):
    """One choice per confirmed registration, so a whole session is marked in one go."""

    def __init__(self, *args, registrations, **kwargs):
        super().__init__(*args, **kwargs)
        self.registrations = list(registrations)
        for reg in self.registrations:
            self.fields[f"r{reg.pk}"] = forms.ChoiceField(
                label=reg.person.name,
                choices=Registration.Attendance.choices,
                initial=reg.attendance,
                widget=forms.RadioSelect,
            )

    def rows(self):
        for reg in self.registrations:
            yield reg, self[f"r{reg.pk}"]

    def marks(self) -> dict[int, str]:
        return {reg.pk: self.cleaned_data[f"r{reg.pk}"] for reg in self.registrations}


class CommitmentForm(forms.ModelForm):
    class Meta:
        model = Commitment
        fields = ["text", "parties", "organisations", "due_date"]
        widgets = {"due_date": DateInput(), "text": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, session=None, **kwargs):
        super().__init__(*args, **kwargs)
        parties = Leader.objects.select_related("user", "organisation").order_by("user__name")
        if session is not None:
            parties = parties.filter(
                registrations__session=session,
                registrations__status__in=[Registration.Status.CONFIRMED],
            )
        self.fields["parties"].queryset = parties
        self.fields["parties"].label_from_instance = lambda leader: f"{leader.name} ({leader.organisation.name})"
        self.fields["organisations"].queryset = Organisation.objects.order_by("name")

    def clean_parties(self):
        parties = self.cleaned_data["parties"]
        if len(parties) < 2:
            raise forms.ValidationError(_("A commitment needs at least two parties."))
        return parties


class CommitmentStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Commitment.Status.choices)
    follow_up = forms.CharField(label=_("Follow-up note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class MeasureForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Measure.Status.choices)
    owner = forms.CharField(label=_("Owner"), max_length=200, required=False)
    target_date = forms.DateField(label=_("Target date"), required=False, widget=DateInput())
    comment = forms.CharField(
        label=_("Comment (what changed and why)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CoursesCreateForm(forms.Form):
    """HR makes parallel leader-group courses from a template (programmes.services.courses_create)."""

    template = forms.ModelChoiceField(label=_("Course template"), queryset=None, empty_label=None)
    groups = forms.ModelMultipleChoiceField(
        label=_("Leader groups"),
        queryset=LeaderGroup.objects.none(),
        help_text=_("Each group gets its own course, unless they take it together."),
        widget=QuickSelectMultiple,
    )
    together = forms.BooleanField(label=_("The chosen groups take one course together"), required=False)
    facilitator = forms.ModelChoiceField(
        label=_("Facilitator"), queryset=None, required=False, widget=QuickSelect, empty_label=_("No facilitator yet")
    )
    first_starts_at = forms.DateTimeField(
        label=_("Start of the first session"),
        widget=DateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("The next sessions follow at the same time of day, as many weeks apart as the template says."),
    )
    format = forms.ChoiceField(label=_("Format"), choices=Session.Format.choices, initial=Session.Format.IN_PERSON)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    video_link = forms.URLField(label=_("Video link"), required=False, assume_scheme="https")
    publish = forms.BooleanField(
        label=_("Publish the sessions now"),
        required=False,
        help_text=_("The groups' members are invited at once; otherwise the sessions are drafts."),
    )

    def __init__(self, *args, **kwargs):
        from programmes.models import CourseTemplate
        from toppleder.permissions import facilitator_candidates

        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = CourseTemplate.objects.order_by("name")
        self.fields["groups"].queryset = LeaderGroup.objects.select_related("organisation").order_by("name")
        self.fields["groups"].label_from_instance = group_label
        self.fields["facilitator"].queryset = facilitator_candidates().order_by("name", "email")
        self.fields["place"].required_when = _("required for sessions in person or hybrid")
        self.fields["video_link"].required_when = _("required for digital or hybrid sessions")

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["groups"] = list(data["groups"])
        return data


class ProjectForm(forms.ModelForm):
    """A collaboration project (programmes.services.project_create / project_update)."""

    class Meta:
        from programmes.models import CollaborationProject

        model = CollaborationProject
        fields = [
            "title",
            "description",
            "leaders",
            "organisations",
            "sessions",
            "commitments",
            "measures",
            "status",
            "outcome",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "outcome": forms.Textarea(attrs={"rows": 3}),
            "leaders": QuickSelectMultiple,
            "organisations": QuickSelectMultiple,
            "sessions": QuickSelectMultiple,
            "commitments": QuickSelectMultiple,
            "measures": QuickSelectMultiple,
        }

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leaders"].queryset = Leader.objects.with_org().order_by("user__name")
        self.fields["organisations"].queryset = Organisation.objects.order_by("name")
        self.fields["organisations"].required = False
        self.fields["organisations"].help_text = _("Leave empty to count the leaders' organisations.")
        self.fields["sessions"].queryset = programme.sessions.exclude(status=Session.Status.DRAFT).order_by("starts_at")
        self.fields["commitments"].queryset = programme.commitments.order_by("pk")
        self.fields["measures"].queryset = Measure.objects.select_related("area").order_by("area__order", "order")
        self.fields["outcome"].required_when = _("required when the project is completed")

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        for name in ("leaders", "organisations", "sessions", "commitments", "measures"):
            data[name] = list(data.get(name) or [])
        return data


# --- Participants who are not leaders (programmes/services/guests.py) ---------------------
def guest_targets(programme: Programme) -> list[tuple[str, str]]:
    """What HR can invite guests to: each coming session of the programme ("session:<id>"),
    and each kind those sessions have ("kind:<key>": every coming session of that kind)."""
    from django.utils import timezone

    from programmes.services.guests import OPEN_STATUSES
    from toppleder import dates, reference

    sessions = list(
        Session.objects.filter(programme=programme, status__in=OPEN_STATUSES, starts_at__gt=timezone.now())
        .only("pk", "title", "starts_at", "kind")
        .order_by("starts_at", "pk")
    )
    kinds = dict(reference.choices("activity_kinds"))
    choices = [(f"session:{s.pk}", f"{s.title} ({dates.fmt(s.starts_at)})") for s in sessions]
    for kind in sorted({s.kind for s in sessions}, key=lambda k: str(kinds.get(k, k))):
        choices.append(
            (f"kind:{kind}", _("Every coming session of the kind «%(kind)s»") % {"kind": kinds.get(kind, kind)})
        )
    return choices


class _GuestTargetMixin:
    def _target_field(self, programme):
        self.programme = programme
        self.fields["target"] = forms.ChoiceField(
            label=_("Invite to"),
            choices=[("", _("Choose a session or a kind of session"))] + guest_targets(programme),
        )

    def target(self) -> dict:
        """{"session": Session} or {"kind": key}, for the guests services."""
        return guest_target(self.programme, self.cleaned_data["target"])


def guest_target(programme, value: str) -> dict:
    """ "session:<pk>" or "kind:<key>" (a checked target) → the guests services' arguments;
    a session no longer in the programme raises Session.DoesNotExist."""
    what, _sep, value = value.partition(":")
    if what == "session":
        return {"session": Session.objects.get(pk=int(value), programme=programme)}
    return {"kind": value}


class GuestInviteForm(_GuestTargetMixin, forms.Form):
    prefix = "invite"  # two forms on one page: ids stay unique
    name = forms.CharField(label=_("Name"), max_length=200)
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    category = forms.ChoiceField(label=_("Category"))
    organisation = forms.CharField(
        label=_("Organisation"),
        max_length=200,
        required=False,
        help_text=_("For example the city government or a company. Not needed for a union representative."),
    )
    union = forms.ChoiceField(label=_("Union"), required=False)

    def __init__(self, *args, programme, **kwargs):
        from programmes.models import Participant
        from toppleder import reference

        super().__init__(*args, **kwargs)
        self._target_field(programme)
        self.fields["category"].choices = [("", _("Choose a category"))] + list(Participant.Category.choices)
        self.fields["union"].choices = [("", _("No union"))] + reference.choices("unions")
        self.order_fields(["target", "name", "email", "category", "organisation", "union"])


class GuestKnownForm(_GuestTargetMixin, forms.Form):
    """Invite people invited before (participants already in the portal) in one go."""

    prefix = "known"
    participants = forms.ModelMultipleChoiceField(
        label=_("People invited before"), queryset=None, widget=QuickSelectMultiple
    )

    def __init__(self, *args, programme, **kwargs):
        from programmes.models import Participant

        super().__init__(*args, **kwargs)
        self._target_field(programme)
        self.fields["participants"].queryset = Participant.objects.select_related("user").order_by("user__name")
        self.fields["participants"].label_from_instance = lambda p: (
            f"{p.name} ({p.get_category_display()}{', ' + p.affiliation if p.affiliation else ''})"
        )
        self.order_fields(["target", "participants"])


class GuestImportConfirmForm(LeaderImportConfirmForm):
    """ "Importer" after "Sjekk": the checked file is kept under the token (no second upload)."""

    prefix = "confirm"


class GuestImportForm(_GuestTargetMixin, LeaderImportForm):
    prefix = "import"

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self._target_field(programme)
        self.fields["file"].help_text = _(
            "The first row names the columns: name, e-mail and category, and if you like organisation and union. "
            "Categories: politician, political secretary, union representative, guest, contributor. "
            "Norwegian or English names."
        )
        self.order_fields(["target", "file", "mode"])
