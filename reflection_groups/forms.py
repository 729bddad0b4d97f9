"""Forms validate and normalise; services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from programmes.models import Programme
from reflection_groups.models import GroupMeeting, MentoringScheme, MentorPair, ReflectionGroup, prompt_theme_choices
from reflection_groups.selectors import note_readers
from toppleder import reference
from toppleder.models import Leader, Sector, User
from toppleder.permissions import facilitator_candidates


class FacilitatorField(forms.ModelChoiceField):
    """The facilitator to name: facilitator accounts and top leaders (`facilitator_candidates`),
    shown with the leader's organisation or "facilitator" so two people of one name differ."""

    def __init__(self, **kwargs):
        super().__init__(User.objects.none(), required=False, **kwargs)

    def refresh(self):
        self.queryset = facilitator_candidates().select_related("leader__organisation").order_by("name", "email")

    def label_from_instance(self, user):
        leader = getattr(user, "leader", None)  # RelatedObjectDoesNotExist is an AttributeError
        if leader is not None:
            return f"{user.get_full_name()} ({leader.organisation.name})"
        return _("%(name)s (facilitator)") % {"name": user.get_full_name()}


def _prompt_question_choices():
    out = [("", _("No question"))]
    for e in reference.entries("reflection_prompts"):
        out.append((reference.label(e["theme"]), [(q, q) for q in e.get("questions_nb", [])]))
    return out


class GroupFilterForm(forms.Form):
    programme = forms.ModelChoiceField(Programme.objects.all(), required=False, label=_("Programme"))
    kind = forms.ChoiceField(
        choices=[("", _("All kinds")), *ReflectionGroup.Kind.choices], required=False, label=_("Kind")
    )
    status = forms.ChoiceField(
        choices=[("", _("All statuses")), *ReflectionGroup.Status.choices], required=False, label=_("Status")
    )


class PairFilterForm(forms.Form):
    programme = forms.ModelChoiceField(Programme.objects.all(), required=False, label=_("Programme"))
    scheme = forms.ChoiceField(
        choices=[("", _("All schemes")), *MentoringScheme.choices], required=False, label=_("Scheme")
    )
    status = forms.ChoiceField(
        choices=[("", _("All statuses")), *MentorPair.Status.choices], required=False, label=_("Status")
    )
    rematch = forms.BooleanField(required=False, label=_("Only pairs where someone asked for a new match"))


class ComposeForm(forms.Form):
    programme = forms.ModelChoiceField(
        Programme.objects.all(), label=_("Programme (its enrolled leaders are the pool)")
    )
    kind = forms.ChoiceField(choices=ReflectionGroup.Kind.choices, label=_("Kind of group"))
    level = forms.TypedChoiceField(
        choices=[("", _("The kind's usual level")), *Leader.Level.choices],
        coerce=int,
        empty_value=None,
        required=False,
        label=_("Leader level"),
    )
    size_min = forms.IntegerField(min_value=2, max_value=20, initial=6, label=_("Smallest group"))
    size_max = forms.IntegerField(min_value=2, max_value=20, initial=8, label=_("Largest group"))
    theme = forms.CharField(max_length=200, required=False, label=_("Theme (network groups)"))
    facilitator = FacilitatorField(label=_("Facilitator for every group"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facilitator"].refresh()

    def clean(self):
        data = super().clean()
        if data.get("size_min") and data.get("size_max") and data["size_min"] > data["size_max"]:
            self.add_error("size_max", _("The largest group cannot be smaller than the smallest."))
        if data.get("kind") == ReflectionGroup.Kind.NETWORK and not (data.get("theme") or "").strip():
            self.add_error("theme", _("A network group needs a theme."))
        return data


class MoveMemberForm(forms.Form):
    leader = forms.ModelChoiceField(Leader.objects.none(), label=_("Member"))
    to_group = forms.ModelChoiceField(ReflectionGroup.objects.none(), label=_("Move to"))
    confirm = forms.BooleanField(required=False, label=_("Move even if a hard rule breaks"))

    def __init__(self, *args, group: ReflectionGroup, members=None, targets=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = Leader.objects.filter(group_memberships__group=group).select_related("user")
        self.fields["to_group"].queryset = (
            ReflectionGroup.objects.filter(programme=group.programme_id, kind=group.kind)
            .exclude(pk=group.pk)
            .exclude(status=ReflectionGroup.Status.CLOSED)
        )
        # For display on a page listing many groups: choices from data already loaded, so the
        # page does not run two queries per group. Validation still uses the querysets above.
        if members is not None:
            self.fields["leader"].choices = [("", "---------"), *((m.pk, m.name) for m in members)]
        if targets is not None:
            self.fields["to_group"].choices = [
                ("", "---------"),
                *((t.pk, t.name) for t in targets if t.pk != group.pk),
            ]


class PublishGroupForm(forms.Form):
    facilitator = FacilitatorField(label=_("Facilitator"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facilitator"].refresh()


class FacilitatorInviteForm(forms.Form):
    name = forms.CharField(max_length=200, label=_("Name"))
    email = forms.EmailField(max_length=254, label=_("E-mail address"))


class MeetingTimeForm(forms.Form):
    """When and where a meeting is (a group's or a pair's): a place, a video link or both."""

    starts_at = forms.DateTimeField(
        label=_("Starts"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    place = forms.CharField(max_length=200, required=False, label=_("Place"))
    video_link = forms.URLField(required=False, label=_("Video link"), assume_scheme="https")

    def clean(self):
        data = super().clean()
        if not data.get("place", "").strip() and not data.get("video_link", "").strip():
            raise forms.ValidationError(_("Give a place or a video link."))
        return data


class MeetingForm(MeetingTimeForm):
    prompt_key = forms.ChoiceField(required=False, label=_("Agenda theme"))
    prompt_question = forms.ChoiceField(required=False, label=_("Agenda question"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["prompt_key"].choices = [("", _("No theme")), *prompt_theme_choices()]
        self.fields["prompt_question"].choices = _prompt_question_choices()


class AttendanceForm(forms.Form):
    present = forms.ModelMultipleChoiceField(
        Leader.objects.none(), required=False, widget=forms.CheckboxSelectMultiple, label=_("Present")
    )

    def __init__(self, *args, group: ReflectionGroup, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["present"].queryset = Leader.objects.filter(group_memberships__group=group).select_related("user")
        self.fields["present"].label_from_instance = lambda leader: leader.name


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Your note"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
    )
    # A note written on a meeting's page belongs to that meeting (one of the group's own).
    meeting = forms.ModelChoiceField(queryset=GroupMeeting.objects.none(), required=False, widget=forms.HiddenInput)

    def __init__(self, *args, group=None, **kwargs):
        super().__init__(*args, **kwargs)
        if group is not None:
            self.fields["meeting"].queryset = GroupMeeting.objects.filter(group=group)
            self.fields["text"].help_text = note_readers(group)


class MentorProfileForm(forms.Form):
    capacity = forms.IntegerField(min_value=0, max_value=10, initial=1, label=_("How many mentees can you take?"))
    themes = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label=_("Themes you can mentor on")
    )
    active = forms.BooleanField(required=False, initial=True, label=_("I am available as a mentor"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["themes"].choices = prompt_theme_choices()


class MenteeWishForm(forms.Form):
    scheme = forms.ChoiceField(choices=MentoringScheme.choices, label=_("Scheme"))
    themes = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label=_("Themes you want to work on")
    )
    sectors = forms.ModelMultipleChoiceField(
        Sector.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Sectors you would like a mentor from"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["themes"].choices = prompt_theme_choices()


class MatchForm(forms.Form):
    programme = forms.ModelChoiceField(Programme.objects.all(), label=_("Programme"))
    scheme = forms.ChoiceField(choices=MentoringScheme.choices, label=_("Scheme"))


class PairCreateForm(forms.Form):
    programme = forms.ModelChoiceField(Programme.objects.all(), label=_("Programme"))
    scheme = forms.ChoiceField(choices=MentoringScheme.choices, label=_("Scheme"))
    mentor = forms.ModelChoiceField(
        Leader.objects.filter(mentor_profile__active=True).select_related("user"), label=_("Mentor")
    )
    mentee = forms.ModelChoiceField(
        Leader.objects.filter(mentee_wishes__isnull=False).distinct().select_related("user"), label=_("Mentee")
    )


class AgreementForm(forms.Form):
    goals = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label=_("Goals"))
    meeting_frequency = forms.CharField(max_length=100, required=False, label=_("How often you meet"))
    period_start = forms.DateField(
        required=False, label=_("Period starts"), widget=forms.DateInput(attrs={"type": "date"})
    )
    period_end = forms.DateField(required=False, label=_("Period ends"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("period_start") and data.get("period_end") and data["period_end"] < data["period_start"]:
            self.add_error("period_end", _("The period must end after it starts."))
        return data


class PairMeetingForm(forms.Form):
    date = forms.DateField(label=_("Date of the meeting"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        label=_("Private note (only the two of you can read it)"),
    )


class FitForm(forms.Form):
    fit = forms.ChoiceField(choices=MentorPair.Fit.choices, widget=forms.RadioSelect, label=_("How is the fit so far?"))


class CloseForm(forms.Form):
    reason = forms.ChoiceField(choices=MentorPair.CloseReason.choices, label=_("Reason for closing"))
