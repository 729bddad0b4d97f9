"""Forms: validate and normalise, then hand cleaned data to a service."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from programmes.models import Measure, Programme, Session
from reflection_groups.models import MentorPair, ReflectionGroup
from surveys import selectors
from surveys.models import LIKERT_MAX, LIKERT_MIN, Action, Question, Questionnaire, Survey, dimension_choices
from surveys.results import SEGMENT_LABELS
from surveys.services import answers_validate
from toppleder import dates
from toppleder.models import ROLE_ADMIN, ROLE_HR, Leader, User
from toppleder.pages import QuickSelect, QuickSelectMultiple

HR_GROUPS = (ROLE_HR, ROLE_ADMIN)


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _day(value) -> str:
    return dates.fmt(value)


class SessionChoiceField(forms.ModelChoiceField):
    """A session by its title, date and programme: two sessions may share a title."""

    def label_from_instance(self, obj):
        return f"{obj.title} – {_day(obj.starts_at)} ({obj.programme})"


class GroupChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.programme})"


class PairChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _("%(mentee)s with mentor %(mentor)s (%(programme)s)") % {
            "mentee": obj.mentee.user.name,
            "mentor": obj.mentor.user.name,
            "programme": obj.programme,
        }


class SurveyForm(forms.Form):
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=Programme.objects.order_by("-created_at"))
    questionnaire = forms.ModelChoiceField(label=_("Questionnaire"), queryset=Questionnaire.objects.all())
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Survey.Kind.choices)
    opens_at = forms.DateTimeField(label=_("Opens"), widget=DateTimeLocalInput())
    closes_at = forms.DateTimeField(label=_("Closes"), widget=DateTimeLocalInput())
    session = SessionChoiceField(
        label=_("Session (for a session evaluation)"),
        queryset=Session.objects.select_related("programme").order_by("programme__name", "-starts_at", "title"),
        required=False,
    )
    group_ref = GroupChoiceField(
        label=_("Reflection group (for an end-of-group evaluation)"),
        queryset=ReflectionGroup.objects.select_related("programme").order_by("programme__name", "name"),
        required=False,
    )
    pair_ref = PairChoiceField(
        label=_("Mentor pair (for an end-of-pair evaluation)"),
        queryset=MentorPair.objects.exclude(status=MentorPair.Status.PROPOSED)
        .select_related("programme", "mentee__user", "mentor__user")
        .order_by("programme__name", "mentee__user__name"),
        required=False,
    )

    def clean_title(self):
        return self.cleaned_data["title"].strip()

    def clean_group_ref(self):
        group = self.cleaned_data.get("group_ref")
        return group.pk if group else None  # the survey keeps the group's id

    def clean_pair_ref(self):
        pair = self.cleaned_data.get("pair_ref")
        return pair.pk if pair else None

    def clean(self):
        data = super().clean()
        if data.get("opens_at") and data.get("closes_at") and data["closes_at"] <= data["opens_at"]:
            self.add_error("closes_at", _("The survey must close after it opens."))
        return data


class InviteForm(forms.Form):
    audience = forms.ChoiceField(
        label=_("Who should be invited?"),
        widget=forms.RadioSelect,
        choices=[
            (selectors.AUDIENCE_PROGRAMME, _("Every leader enrolled in the programme")),
            (selectors.AUDIENCE_SESSION, _("Those who attended the survey's session")),
            (selectors.AUDIENCE_GROUP, _("The members of the survey's reflection group")),
            (selectors.AUDIENCE_PAIR, _("The two people in the survey's mentor pair")),
        ],
        initial=selectors.AUDIENCE_PROGRAMME,
    )


class QuestionnaireForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class QuestionForm(forms.Form):
    text = forms.CharField(label=_("Question"), max_length=400)
    kind = forms.ChoiceField(label=_("Kind"), choices=Question.Kind.choices, initial=Question.Kind.LIKERT)
    dimension = forms.ChoiceField(label=_("Dimension"), choices=[("", _("(none – free text)"))], required=False)
    low_label = forms.CharField(label=_("Label for 1"), max_length=60, required=False)
    high_label = forms.CharField(label=_("Label for 5"), max_length=60, required=False)
    required = forms.BooleanField(label=_("Answer required"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dimension"].choices = [("", _("(none – free text)")), *dimension_choices()]

    def clean(self):
        data = super().clean()
        if data.get("kind") == Question.Kind.LIKERT and not data.get("dimension"):
            self.add_error("dimension", _("A scale question needs a dimension."))
        return data


QuestionFormSet = forms.formset_factory(QuestionForm, extra=1, can_delete=True, max_num=40, validate_max=True)


class ResultsFilterForm(forms.Form):
    """GET parameters of the results page: a breakdown and, optionally, one group of it."""

    segment = forms.ChoiceField(
        label=_("Break down by"),
        required=False,
        choices=[("", _("No breakdown")), *[(k, v) for k, v in SEGMENT_LABELS.items()]],
    )


def likert_choices():
    return [(str(v), str(v)) for v in range(LIKERT_MIN, LIKERT_MAX + 1)]


class AnswerPageForm(forms.Form):
    """One page of a survey: a field per question, named `q<question id>`.

    The fields only read what was sent; whether an answer is valid (1–5 on a scale, required
    questions answered, text not too long) is decided by `services.answers_validate`, the same
    rule the final submission is checked against.
    """

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for q in self.questions:
            self.fields[f"q{q.pk}"] = forms.CharField(required=False, strip=True)
        self.answers: dict[int, object] = {}

    def clean(self):
        data = super().clean()
        try:
            self.answers = answers_validate(
                questions=self.questions, answers={q.pk: data.get(f"q{q.pk}", "") for q in self.questions}
            )
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        return data

    def draft_values(self) -> dict[str, str]:
        """What to keep in the draft for this page, whatever else on it is missing: every answer
        that is valid on its own, and text even when too long (so nothing typed is lost); never
        a value off the scale."""
        out = {}
        for q in self.questions:
            raw = (self.data.get(f"q{q.pk}") or "").strip()
            if not raw:
                continue
            try:
                out[str(q.pk)] = str(answers_validate(questions=[q], answers={q.pk: raw})[q.pk])
            except ValidationError:
                if not q.is_likert:
                    out[str(q.pk)] = raw
        return out


class ActionForm(forms.Form):
    """An action from a factor's figure; the service checks the rest (kind-specific fields)."""

    kind = forms.ChoiceField(label=_("Kind of action"), choices=Action.Kind.choices, widget=forms.RadioSelect)
    text = forms.CharField(label=_("What will be done"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none(), widget=QuickSelect)
    due_date = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    parties = forms.ModelMultipleChoiceField(
        label=_("Leaders who commit (for a commitment)"),
        queryset=Leader.objects.none(),
        required=False,
        widget=QuickSelectMultiple,
    )
    measure = forms.ModelChoiceField(
        label=_("Measure to update (for an update to a measure)"),
        queryset=Measure.objects.none(),
        required=False,
        widget=QuickSelect,
    )

    def __init__(self, *args, programme, group=None, **kwargs):
        """`group`: the facilitator's form, limited to the group's members (and the owner to a
        member or the facilitator)."""
        super().__init__(*args, **kwargs)
        leaders = (
            Leader.objects.filter(enrolments__programme=programme, user__is_active=True)
            .select_related("user", "organisation")
            .order_by("user__name")
            .distinct()
        )
        if group is not None:
            leaders = leaders.filter(group_memberships__group=group, group_memberships__active=True)
        self.fields["parties"].queryset = leaders
        self.fields["parties"].label_from_instance = lambda le: f"{le.user.name} ({le.organisation.name})"
        # The owner: a leader in the programme or someone in HR.
        owners = User.objects.filter(is_active=True)
        if group is None:
            owners = owners.filter(Q(leader__enrolments__programme=programme) | Q(groups__name__in=HR_GROUPS))
        else:
            owners = owners.filter(
                Q(leader__group_memberships__group=group, leader__group_memberships__active=True)
                | Q(pk=group.facilitator_id)
            )
        self.fields["owner"].queryset = owners.distinct().order_by("name")
        self.fields["owner"].label_from_instance = lambda u: u.name or u.email
        self.fields["measure"].queryset = Measure.objects.select_related("area").order_by("area__order", "order")
        self.fields["measure"].label_from_instance = lambda m: f"{m.area.name}: {m.text}"


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Action.Status.choices)


class FactorScoresImportForm(forms.Form):
    file = forms.FileField(
        label=_("File (CSV or Excel)"),
        help_text=_(
            "Columns: organisation, year, factor, average, respondents. One line per organisation, year and factor."
        ),
    )
