"""Surveys: questionnaires, waves, invitations, and anonymous responses.

Anonymity is built into the schema, not bolted on:

* `Invitation` knows *who was asked* and *whether they answered* (a boolean, no time).
* `Response` / `Answer` know *what was answered*, the survey, the date (no time of day)
  and three coarse segments copied at answering time (sector code, organisation kind,
  leader level). They have no foreign key to a user, a leader or an invitation, no
  token and no timestamp, so there is no column that joins the two halves.
* Response and Answer use random UUID primary keys: a sequential id would let anyone
  who sees both tables line up "the 17th response" with the 17th claimed invitation.

What the schema cannot hide (documented in surveys/README.md): the database engine's
own bookkeeping (PostgreSQL's xmin / physical row order, the WAL) could correlate the
row written to `surveys_invitation` with the rows written to `surveys_response` in the
same transaction; that is visible only to someone with superuser access to the
database server, not through the application, the admin or a backup restored as data.
`survey_scrub` (services) rewrites every claimed invitation of a closed survey in one
statement so their row versions no longer point at their answering transaction.
"""

import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from toppleder import reference
from toppleder.models import Leader, Organisation

LIKERT_MIN = 1
LIKERT_MAX = 5


def dimension_choices() -> list[tuple[str, str]]:
    """The two reference lists a Likert item may measure, collaboration first."""
    return reference.choices("collaboration_dimensions") + reference.choices("ten_factors")


def dimension_label(key: str) -> str:
    for section in ("collaboration_dimensions", "ten_factors"):
        try:
            return str(reference.label(reference.entry(section, key)))
        except KeyError:
            continue
    return key


def new_token() -> str:
    return secrets.token_urlsafe(32)


class Questionnaire(models.Model):
    """A versioned set of questions. Frozen once any answer exists: waves stay comparable."""

    name = models.CharField(_("name"), max_length=200)
    series = models.SlugField(
        _("series"), max_length=60, help_text=_("Versions of one questionnaire share a series key.")
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    description = models.TextField(_("description"), blank=True)
    copied_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="copies", verbose_name=_("copied from")
    )
    # Set (with a conditional update) by the first submitted response; never unset.
    is_frozen = models.BooleanField(_("frozen"), default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["series", "-version"]
        constraints = [models.UniqueConstraint(fields=["series", "version"], name="questionnaire_series_version")]

    def __str__(self):
        return f"{self.name} (v{self.version})"


class QuestionQuerySet(models.QuerySet):
    def likert(self):
        return self.filter(kind=Question.Kind.LIKERT)


class Question(models.Model):
    class Kind(models.TextChoices):
        LIKERT = "likert", _("Scale 1–5")
        FREE_TEXT = "free_text", _("Free text")

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="questions", verbose_name=_("questionnaire")
    )
    order = models.PositiveSmallIntegerField(_("order"))
    text = models.CharField(_("question"), max_length=400)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.LIKERT)
    dimension = models.CharField(_("dimension"), max_length=40, blank=True, choices=dimension_choices())
    low_label = models.CharField(_("label for 1"), max_length=60, blank=True)
    high_label = models.CharField(_("label for 5"), max_length=60, blank=True)
    required = models.BooleanField(_("required"), default=True)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["questionnaire", "order"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "order"], name="question_order_unique"),
            models.CheckConstraint(
                condition=Q(kind="free_text") | ~Q(dimension=""), name="question_likert_has_dimension"
            ),
        ]

    def __str__(self):
        return self.text

    def save(self, *args, **kwargs):
        # A guard, not a flow: no path (admin, shell, service) may change a frozen questionnaire.
        if Questionnaire.objects.filter(pk=self.questionnaire_id, is_frozen=True).exists():
            raise ValidationError(_("This questionnaire has answers and can no longer be changed. Make a copy."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if Questionnaire.objects.filter(pk=self.questionnaire_id, is_frozen=True).exists():
            raise ValidationError(_("This questionnaire has answers and can no longer be changed. Make a copy."))
        return super().delete(*args, **kwargs)

    @property
    def is_likert(self) -> bool:
        return self.kind == self.Kind.LIKERT

    @property
    def dimension_label(self) -> str:
        return dimension_label(self.dimension) if self.dimension else ""


# What a survey's figures are read against. Once the survey has opened these never change
# (nor its programme and questionnaire): moving a closed survey's closing time would let one
# more person answer and be read off the difference between two sets of figures; moving its
# series or wave would put its answers into another comparison.
FROZEN_ONCE_OPEN = ("programme_id", "questionnaire_id", "kind", "series", "wave", "opens_at")
SURVEY_FROZEN_MESSAGE = _(
    "This survey has opened: its period, series, wave and questionnaire can no longer be changed."
)
SURVEY_CLOSED_MESSAGE = _("This survey is closed and cannot be reopened or moved.")


def _check_survey_change(stored: dict, new: dict, now) -> None:
    """Refuse a change of a frozen field. `stored` and `new` map field names to values."""
    if stored["closes_at"] <= now and "closes_at" in new and new["closes_at"] != stored["closes_at"]:
        raise ValidationError(SURVEY_CLOSED_MESSAGE, code="survey_closed")
    if stored["opens_at"] <= now:
        for name in FROZEN_ONCE_OPEN:
            if name in new and new[name] != stored[name]:
                raise ValidationError(SURVEY_FROZEN_MESSAGE, code="survey_frozen")


class SurveyQuerySet(models.QuerySet):
    def open(self, now=None):
        now = now or timezone.now()
        return self.filter(opens_at__lte=now, closes_at__gt=now)

    def update(self, **kwargs):
        # A guard, not a flow: a bulk update may not move what Survey.save refuses to move.
        new = {}
        for key, value in kwargs.items():
            new[self.model._meta.get_field(key).attname] = value.pk if isinstance(value, models.Model) else value
        if set(new) & {"closes_at", *FROZEN_ONCE_OPEN}:
            now = timezone.now()
            for stored in self.values("closes_at", *FROZEN_ONCE_OPEN):
                _check_survey_change(stored, new, now)
        return super().update(**kwargs)


class Survey(models.Model):
    class Kind(models.TextChoices):
        BASELINE = "baseline", _("Baseline")
        FOLLOW_UP = "follow_up", _("Follow-up")
        SESSION_EVALUATION = "session_evaluation", _("Session evaluation")
        PULSE = "pulse", _("Pulse")
        PAIR_END = "pair_end", _("End of mentor pair")
        GROUP_END = "group_end", _("End of group")

    programme = models.ForeignKey(
        "programmes.Programme", on_delete=models.CASCADE, related_name="surveys", verbose_name=_("programme")
    )
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="surveys", verbose_name=_("questionnaire")
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # Baseline and follow-ups of one series are waves 1, 2, ... compared with each other.
    series = models.SlugField(_("series"), max_length=60, blank=True)
    wave = models.PositiveSmallIntegerField(_("wave"), default=1)
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    session = models.ForeignKey(
        "programmes.Session",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="surveys",
        verbose_name=_("session"),
    )
    # Reflection groups and mentor pairs live in another app; refer by id to stay decoupled.
    group_ref = models.PositiveIntegerField(_("reflection group id"), null=True, blank=True)
    pair_ref = models.PositiveIntegerField(_("mentor pair id"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SurveyQuerySet.as_manager()

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-opens_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")), name="survey_closes_after_opens"),
            models.CheckConstraint(condition=Q(wave__gte=1), name="survey_wave_positive"),
        ]
        indexes = [models.Index(fields=["programme", "series", "wave"])]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # A guard, not a flow, like Question.save: no path (admin, shell, service) may reopen
        # a closed survey or move what an opened survey's figures are read against.
        if self.pk is not None:
            stored = Survey.objects.filter(pk=self.pk).values(*(("closes_at",) + FROZEN_ONCE_OPEN)).first()
            if stored is not None:
                new = {name: getattr(self, name) for name in ("closes_at",) + FROZEN_ONCE_OPEN}
                _check_survey_change(stored, new, timezone.now())
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        now = timezone.now()
        return self.opens_at <= now < self.closes_at

    @property
    def is_closed(self) -> bool:
        return timezone.now() >= self.closes_at

    @property
    def has_opened(self) -> bool:
        return timezone.now() >= self.opens_at


class Invitation(models.Model):
    """Who was asked and whether they answered. Deliberately no time of answering."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="survey_invitations")
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    answered = models.BooleanField(_("answered"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [models.UniqueConstraint(fields=["survey", "user"], name="invitation_once_per_survey")]
        indexes = [models.Index(fields=["survey", "answered"]), models.Index(fields=["user", "answered"])]

    def __str__(self):
        return f"{self.user} – {self.survey}"


class Response(models.Model):
    """One anonymous set of answers. No user, no invitation, no token, no time of day."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    answered_on = models.DateField(_("answered on"))
    # Coarse segments copied when answering; no key to Sector/Organisation/Leader rows.
    sector_code = models.CharField(_("sector"), max_length=10, blank=True)
    org_kind = models.CharField(_("organisation kind"), max_length=20, blank=True, choices=Organisation.Kind.choices)
    leader_level = models.PositiveSmallIntegerField(
        _("leader level"), null=True, blank=True, choices=Leader.Level.choices
    )

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        # No ordering: any default order would be an order of arrival.
        indexes = [models.Index(fields=["survey"])]

    def __str__(self):
        return str(_("Anonymous response"))


class Answer(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    value = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="answer_once_per_question"),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__gte=LIKERT_MIN, value__lte=LIKERT_MAX),
                name="answer_value_on_scale",
            ),
        ]
        indexes = [models.Index(fields=["question", "value"])]

    def __str__(self):
        return str(_("Anonymous answer"))


class Action(models.Model):
    """What was decided about one factor's figure in one wave: a commitment between named
    leaders, or an update to one of the programme's measures, with an owner and a due date.

    It holds no figure of its own: wherever it is shown, the factor's figure is read again
    through results.py, so a figure hidden there (under k) stays hidden in the action too.
    The next wave's results show the actions taken on each factor (results.actions_on).
    """

    class Kind(models.TextChoices):
        COMMITMENT = "commitment", _("Commitment between leaders")
        MEASURE = "measure", _("Update to a measure")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="actions", verbose_name=_("survey"))
    factor = models.CharField(_("factor"), max_length=40, choices=dimension_choices())
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    text = models.TextField(_("what will be done"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="survey_actions", verbose_name=_("owner")
    )
    due_date = models.DateField(_("due date"))
    commitment = models.OneToOneField(
        "programmes.Commitment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_action",
        verbose_name=_("commitment"),
    )
    measure = models.ForeignKey(
        "programmes.Measure",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_actions",
        verbose_name=_("measure"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["due_date", "pk"]
        indexes = [models.Index(fields=["survey", "factor"]), models.Index(fields=["owner", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="commitment") | Q(commitment__isnull=True), name="action_commitment_only_for_kind"
            ),
        ]

    def __str__(self):
        return self.text[:60]

    @property
    def factor_label(self) -> str:
        return dimension_label(self.factor)


class OrganisationFactorScore(models.Model):
    """An organisation's own 10-FAKTOR average for one factor in one year, imported by HR from
    KS's report (optional input). Factor level only, never items, and never a unit under k:
    the import refuses both."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="factor_scores", verbose_name=_("organisation")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    factor = models.CharField(_("factor"), max_length=40, choices=reference.choices("ten_factors"))
    mean = models.DecimalField(_("average"), max_digits=3, decimal_places=2)
    respondents = models.PositiveIntegerField(_("respondents"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    imported_at = models.DateTimeField(_("imported"), default=timezone.now)

    class Meta:
        verbose_name = _("10-FAKTOR figure")
        verbose_name_plural = _("10-FAKTOR figures")
        ordering = ["organisation__name", "-year", "factor"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year", "factor"], name="factor_score_once"),
            models.CheckConstraint(condition=Q(mean__gte=1, mean__lte=5), name="factor_score_on_scale"),
        ]

    def __str__(self):
        return f"{self.organisation} {self.year} {self.factor}"
