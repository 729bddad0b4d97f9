"""Every state change of surveys: questionnaires, surveys, invitations, answering.

The heart is `response_submit`: in ONE transaction it claims the invitation with a
conditional update (answered=False -> True) and writes an anonymous Response with its
Answers. Nothing links the two rows: the response gets a random UUID, the date only
and three coarse segments.

Every other change is recorded in the audit log (toppleder/audit.py). Answering is not: an
entry saying who answered, when, next to a response written at that moment would undo the
anonymity. `by` is the acting user (None: the system).
"""

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from programmes.models import Measure
from programmes.services.commitments import commitment_create
from programmes.services.imports import _read_table  # the one CSV/Excel reader
from reflection_groups.models import GroupMembership, ReflectionGroup
from surveys import questionnaire as default_q
from surveys import selectors, tasks
from surveys.models import (
    LIKERT_MAX,
    LIKERT_MIN,
    Action,
    Answer,
    Invitation,
    OrganisationFactorScore,
    Question,
    Questionnaire,
    Response,
    Survey,
)
from surveys.results import min_respondents
from toppleder import audit, reference
from toppleder.celery import queue_after_commit
from toppleder.models import Leader, Organisation
from toppleder.permissions import is_hr

FROZEN_MESSAGE = _("This questionnaire has answers and can no longer be changed. Make a copy.")
MAX_FREE_TEXT = 4000

# Codes on the ValidationErrors of response_submit; the answering view maps them to a status.
UNKNOWN_TOKEN = "unknown_token"  # noqa: S105 (an error code, not a secret)
ALREADY_ANSWERED = "already_answered"
SURVEY_CLOSED = "survey_closed"
SURVEY_NOT_OPEN = "survey_not_open"
QUESTIONNAIRE_CHANGED = "questionnaire_changed"


# --- questionnaires ---------------------------------------------------------------


def _check_not_frozen(questionnaire: Questionnaire) -> None:
    # Read the flag from the database: the instance in hand may be stale.
    if (
        Questionnaire.objects.filter(pk=questionnaire.pk, is_frozen=True).exists()
        or Answer.objects.filter(question__questionnaire=questionnaire).exists()
    ):
        raise ValidationError(FROZEN_MESSAGE, code="frozen")


def _validate_questions(questions: list[dict]) -> list[dict]:
    valid_dimensions = {key for key, _label in Question._meta.get_field("dimension").choices}
    likert = [q for q in questions if q.get("kind", "likert") == Question.Kind.LIKERT]
    if not questions:
        raise ValidationError(_("A questionnaire needs at least one question."))
    if len(likert) > default_q.MAX_LIKERT_ITEMS:
        raise ValidationError(
            _("At most %(n)s scale questions: keep the survey short."), params={"n": default_q.MAX_LIKERT_ITEMS}
        )
    clean = []
    for i, q in enumerate(questions, start=1):
        kind = q.get("kind", Question.Kind.LIKERT)
        text = (q.get("text") or "").strip()
        if kind not in Question.Kind.values:
            raise ValidationError(_("Unknown question kind."))
        if not text:
            raise ValidationError(_("Every question needs a text."))
        dimension = q.get("dimension") or ""
        if kind == Question.Kind.LIKERT and dimension not in valid_dimensions:
            raise ValidationError(_("Every scale question needs a dimension: “%(text)s”."), params={"text": text})
        clean.append(
            {
                "order": i,
                "kind": kind,
                "text": text,
                "dimension": dimension if kind == Question.Kind.LIKERT else "",
                "low_label": (q.get("low_label") or "").strip() if kind == Question.Kind.LIKERT else "",
                "high_label": (q.get("high_label") or "").strip() if kind == Question.Kind.LIKERT else "",
                "required": bool(q.get("required", kind == Question.Kind.LIKERT)),
            }
        )
    return clean


@transaction.atomic
def questions_replace(*, questionnaire: Questionnaire, questions: list[dict], by=None) -> None:
    """Replace every question of an unfrozen questionnaire (add, edit, remove, reorder)."""
    Questionnaire.objects.select_for_update().filter(pk=questionnaire.pk).first()
    _check_not_frozen(questionnaire)
    clean = _validate_questions(questions)
    audit.delete(by, questionnaire.questions.all(), event="questions_replace")
    created = Question.objects.bulk_create([Question(questionnaire=questionnaire, **q) for q in clean])
    audit.record(by, audit.CREATE, created, audit.created, event="questions_replace")


@transaction.atomic
def questionnaire_update(*, questionnaire: Questionnaire, name: str, description: str = "", by=None) -> Questionnaire:
    """Rename or describe a questionnaire; refused once it is frozen (waves stay comparable)."""
    Questionnaire.objects.select_for_update().filter(pk=questionnaire.pk).first()
    _check_not_frozen(questionnaire)
    name = name.strip()
    if not name:
        raise ValidationError(_("A questionnaire needs a name."))
    before = audit.values(questionnaire)
    questionnaire.name = name
    questionnaire.description = description.strip()
    questionnaire.save(update_fields=["name", "description"])
    audit.record(by, audit.UPDATE, [questionnaire], audit.diff(before, questionnaire), event="questionnaire_update")
    return questionnaire


@transaction.atomic
def questionnaire_save(
    *, questionnaire: Questionnaire, name: str, description: str, questions: list[dict], by=None
) -> Questionnaire:
    """HR's edit page: name, description and every question at once, all or nothing."""
    questionnaire_update(questionnaire=questionnaire, name=name, description=description, by=by)
    questions_replace(questionnaire=questionnaire, questions=questions, by=by)
    return questionnaire


@transaction.atomic
def questionnaire_copy(*, questionnaire: Questionnaire, name: str | None = None, by=None) -> Questionnaire:
    """A new, editable version in the same series with the same questions."""
    latest = Questionnaire.objects.filter(series=questionnaire.series).aggregate(v=Max("version"))["v"] or 0
    copy = Questionnaire.objects.create(
        name=(name or questionnaire.name).strip(),
        series=questionnaire.series,
        version=latest + 1,
        description=questionnaire.description,
        copied_from=questionnaire,
    )
    questions = Question.objects.bulk_create(
        [
            Question(
                questionnaire=copy,
                order=q.order,
                text=q.text,
                kind=q.kind,
                dimension=q.dimension,
                low_label=q.low_label,
                high_label=q.high_label,
                required=q.required,
            )
            for q in questionnaire.questions.order_by("order")
        ]
    )
    audit.record(by, audit.CREATE, [copy], audit.created(copy), event="questionnaire_copy")
    audit.record(by, audit.CREATE, questions, audit.created, event="questionnaire_copy")
    return copy


@transaction.atomic
def questionnaire_default_create() -> Questionnaire:
    """The default questionnaire, version 1 of its series; idempotent."""
    existing = Questionnaire.objects.filter(series=default_q.DEFAULT_SERIES, version=1).first()
    if existing:
        return existing
    q = Questionnaire.objects.create(name=default_q.DEFAULT_NAME, series=default_q.DEFAULT_SERIES, version=1)
    questions = Question.objects.bulk_create(
        [Question(questionnaire=q, **item) for item in default_q.default_questions()]
    )
    audit.record(None, audit.CREATE, [q], audit.created(q), event="questionnaire_default_create")
    audit.record(None, audit.CREATE, questions, audit.created, event="questionnaire_default_create")
    return q


# --- surveys ----------------------------------------------------------------------


@transaction.atomic
def survey_create(
    *,
    programme,
    questionnaire: Questionnaire,
    title: str,
    kind: str,
    opens_at: datetime,
    closes_at: datetime,
    series: str = "",
    wave: int | None = None,
    session=None,
    group_ref: int | None = None,
    pair_ref: int | None = None,
    created_by=None,
) -> Survey:
    title = title.strip()
    if not title:
        raise ValidationError(_("A survey needs a title."))
    if kind not in Survey.Kind.values:
        raise ValidationError(_("Unknown survey kind."))
    if closes_at <= opens_at:
        raise ValidationError(_("The survey must close after it opens."))
    if not questionnaire.questions.exists():
        raise ValidationError(_("The questionnaire has no questions."))
    if kind == Survey.Kind.SESSION_EVALUATION and session is None:
        raise ValidationError(_("A session evaluation needs a session."))
    if session is not None and session.programme_id != programme.pk:
        raise ValidationError(_("The session belongs to another programme."))
    if kind == Survey.Kind.GROUP_END and not group_ref:
        raise ValidationError(_("An end-of-group evaluation needs a group."))
    if kind == Survey.Kind.PAIR_END and not pair_ref:
        raise ValidationError(_("An end-of-pair evaluation needs a mentor pair."))
    if kind in (Survey.Kind.BASELINE, Survey.Kind.FOLLOW_UP):
        series = series or questionnaire.series
        if wave is None:
            if kind == Survey.Kind.BASELINE:
                wave = 1
            else:
                # A group's own waves are counted apart from the programme's (group_ref).
                last = (
                    Survey.objects.filter(programme=programme, series=series, group_ref=group_ref).aggregate(
                        w=Max("wave")
                    )["w"]
                    or 1
                )
                wave = last + 1
    wave = wave or 1
    if kind == Survey.Kind.FOLLOW_UP and wave < 2:
        raise ValidationError(_("A follow-up is wave 2 or later."))
    survey = Survey.objects.create(
        programme=programme,
        questionnaire=questionnaire,
        title=title,
        kind=kind,
        series=series,
        wave=wave,
        opens_at=opens_at,
        closes_at=closes_at,
        session=session,
        group_ref=group_ref,
        pair_ref=pair_ref,
        created_by=created_by,
    )
    audit.record(created_by, audit.CREATE, [survey], audit.created(survey), event="survey_create")
    return survey


@transaction.atomic
def survey_invite(*, survey: Survey, audience: str, target_id: int | None = None, by=None) -> int:
    """Invite an audience (programme / session attendees / group / pair); returns how many
    new invitations were made. People already invited are not invited twice."""
    if audience not in (
        selectors.AUDIENCE_PROGRAMME,
        selectors.AUDIENCE_SESSION,
        selectors.AUDIENCE_GROUP,
        selectors.AUDIENCE_PAIR,
    ):
        raise ValidationError(_("Unknown audience."))
    if survey.is_closed:
        raise ValidationError(_("The survey is closed."))
    if audience == selectors.AUDIENCE_SESSION and not (target_id or survey.session_id):
        raise ValidationError(_("Choose a session."))
    if audience == selectors.AUDIENCE_GROUP and not (target_id or survey.group_ref):
        raise ValidationError(_("Choose a group."))
    if audience == selectors.AUDIENCE_PAIR and not (target_id or survey.pair_ref):
        raise ValidationError(_("Choose a mentor pair."))
    user_ids = selectors.audience_user_ids(survey=survey, audience=audience, target_id=target_id)
    already = set(Invitation.objects.filter(survey=survey).values_list("user_id", flat=True))
    new_ids = sorted(user_ids - already)
    if not user_ids:
        raise ValidationError(_("Nobody to invite in that audience."))
    created = Invitation.objects.bulk_create([Invitation(survey=survey, user_id=uid) for uid in new_ids])
    audit.record(by, audit.CREATE, created, audit.created, event="survey_invite")
    for invitation in created:
        queue_after_commit(tasks.invitation_send, invitation.pk)
    return len(created)


@transaction.atomic
def survey_remind(*, survey: Survey, by=None) -> int:
    """Queue a reminder to everyone invited who has not answered; returns how many."""
    if not survey.is_open:
        raise ValidationError(_("Reminders can only be sent while the survey is open."))
    count = Invitation.objects.filter(survey=survey, answered=False).count()
    if count == 0:
        raise ValidationError(_("Everyone invited has answered."))
    queue_after_commit(tasks.invitations_remind, survey.pk)
    return count


@transaction.atomic
def survey_scrub(*, survey: Survey) -> int:
    """Rewrite every claimed invitation of a closed survey in one statement.

    PostgreSQL stamps each row version with the transaction that wrote it (xmin); right
    after answering, a claimed invitation and its response share that stamp. Rewriting
    all claimed invitations together gives them one common stamp, so the engine's own
    bookkeeping no longer pairs a person with a response.
    """
    if not survey.is_closed:
        raise ValidationError(_("Only a closed survey can be scrubbed."))
    return Invitation.objects.filter(survey=survey, answered=True).update(answered=True)


# --- answering --------------------------------------------------------------------


def invitation_for_token(token: str) -> Invitation:
    """The invitation behind a token, with survey and questionnaire; ValidationError otherwise."""
    if not token or len(token) > 64:
        raise ValidationError(_("This survey link is not valid."), code=UNKNOWN_TOKEN)
    try:
        inv = Invitation.objects.select_related("survey", "survey__questionnaire").get(token=token)
    except Invitation.DoesNotExist:
        raise ValidationError(_("This survey link is not valid."), code=UNKNOWN_TOKEN) from None
    if inv.answered:
        raise ValidationError(
            _("This survey has already been answered with this link. Thank you!"), code=ALREADY_ANSWERED
        )
    if inv.survey.is_closed:
        raise ValidationError(_("This survey is closed and no longer takes answers."), code=SURVEY_CLOSED)
    if not inv.survey.has_opened:
        raise ValidationError(_("This survey is not open yet."), code=SURVEY_NOT_OPEN)
    return inv


def answers_validate(*, questions, answers: dict) -> dict[int, object]:
    """Check answers against the questions: known ids, 1–5 on scales, required present.
    Returns {question_id: int value or non-empty text}; raises with a message per problem."""
    by_id = {q.pk: q for q in questions}
    errors = {}
    clean: dict[int, object] = {}
    for key, raw in answers.items():
        try:
            qid = int(key)
        except (TypeError, ValueError):
            raise ValidationError(_("Unknown question."), code="unknown_question") from None
        q = by_id.get(qid)
        if q is None:
            raise ValidationError(_("Unknown question."), code="unknown_question")
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        if q.is_likert:
            try:
                value = int(raw)
            except (TypeError, ValueError):
                value = None
            if value is None or isinstance(raw, bool) or not LIKERT_MIN <= value <= LIKERT_MAX:
                errors[f"q{qid}"] = [_("Choose a value from 1 to 5.")]
                continue
            clean[qid] = value
        else:
            text = str(raw).strip()
            if len(text) > MAX_FREE_TEXT:
                errors[f"q{qid}"] = [_("At most %(n)s characters.") % {"n": MAX_FREE_TEXT}]
                continue
            clean[qid] = text
    for q in questions:
        if q.required and q.pk not in clean and f"q{q.pk}" not in errors:
            errors[f"q{q.pk}"] = [_("Please answer this question.")]
    if errors:
        raise ValidationError(errors)
    return clean


def _segments_for(user_id: int) -> dict:
    leader = Leader.objects.select_related("organisation__sector").filter(user_id=user_id).first()
    if leader is None:
        return {"sector_code": "", "org_kind": "", "leader_level": None}
    return {
        "sector_code": leader.organisation.sector.code,
        "org_kind": leader.organisation.kind,
        "leader_level": leader.level,
    }


def response_submit(*, token: str, answers: dict) -> None:
    """Record one person's answers anonymously, once. Bad input stores nothing."""
    inv = invitation_for_token(token)
    questions = list(inv.survey.questionnaire.questions.order_by("order"))
    clean = answers_validate(questions=questions, answers=answers)
    segments = _segments_for(inv.user_id)
    with transaction.atomic():
        # Claim first: of two concurrent submissions only one updates the row. The filter
        # must stay on this table alone: with a join Django emits "id IN (subquery)", and
        # PostgreSQL re-checks only the outer row, so both submissions would "win".
        claimed = Invitation.objects.filter(pk=inv.pk, answered=False).update(answered=True)
        if claimed != 1:
            raise ValidationError(
                _("This survey has already been answered with this link. Thank you!"), code=ALREADY_ANSWERED
            )
        if timezone.now() >= inv.survey.closes_at:
            raise ValidationError(_("This survey is closed and no longer takes answers."), code=SURVEY_CLOSED)
        # Freeze before writing answers: this takes the questionnaire's row lock, which
        # questions_replace also takes, so an edit cannot slip in between (and if one
        # committed just before, the questions we validated against are gone: refuse).
        questionnaire_id = inv.survey.questionnaire_id
        Questionnaire.objects.filter(pk=questionnaire_id, is_frozen=False).update(is_frozen=True)
        current = set(Question.objects.filter(questionnaire_id=questionnaire_id).values_list("pk", flat=True))
        if current != {q.pk for q in questions}:
            raise ValidationError(
                _("The questions changed while you were answering. Please open the link again."),
                code=QUESTIONNAIRE_CHANGED,
            )
        response = Response.objects.create(survey_id=inv.survey_id, answered_on=timezone.localdate(), **segments)
        Answer.objects.bulk_create(
            [
                Answer(
                    response=response,
                    question_id=qid,
                    value=v if isinstance(v, int) else None,
                    text=v if isinstance(v, str) else "",
                )
                for qid, v in clean.items()
            ]
        )


# --- actions from results ----------------------------------------------------------


@transaction.atomic
def action_create(
    *,
    survey: Survey,
    factor: str,
    kind: str,
    text: str,
    owner,
    due_date,
    by,
    parties=(),
    measure=None,
) -> Action:
    """HR, or the named facilitator of the group a survey was made for, turns a factor's
    figure into an action: a commitment between named leaders (made through programmes'
    commitment_create, so it is followed up like every commitment) or an update to one of the
    programme's measures. The action stores no figure.

    A facilitator (who is not HR) acts for their own group only: the parties of a commitment
    are the group's members, and the owner is a member or the facilitator."""
    group = None
    if by is not None and not is_hr(by):
        group = _facilitated_group(survey, by)
        if group is None:
            raise ValidationError(_("Only HR or the group's facilitator can make an action from the results."))
    errors = {}
    factors = set(survey.questionnaire.questions.likert().values_list("dimension", flat=True))
    if factor not in factors:
        errors["factor"] = _("This survey does not measure that factor.")
    if not survey.is_closed:
        errors["factor"] = _("Actions are made from the results, which are shown when the survey closes.")
    if kind not in Action.Kind.values:
        errors["kind"] = _("Choose what kind of action this is.")
    if not (text or "").strip():
        errors["text"] = _("Write what will be done.")
    if owner is None:
        errors["owner"] = _("Choose who owns the action.")
    if due_date is None:
        errors["due_date"] = _("Choose a due date.")
    elif due_date < timezone.localdate():
        errors["due_date"] = _("The due date has already passed.")
    parties = list(parties or [])
    if kind == Action.Kind.COMMITMENT and len(parties) < 2:
        errors["parties"] = _("A commitment needs at least two parties.")
    if kind == Action.Kind.MEASURE and (
        measure is None or not Measure.objects.filter(pk=getattr(measure, "pk", measure)).exists()
    ):
        errors["measure"] = _("Choose the measure to update.")
    if group is not None:
        members = set(GroupMembership.objects.filter(group=group, active=True).values_list("leader_id", flat=True))
        if any(getattr(p, "pk", p) not in members for p in parties):
            errors["parties"] = _("A facilitator makes commitments between the group's own members.")
        member_users = set(Leader.objects.filter(pk__in=members).values_list("user_id", flat=True))
        if owner is not None and owner.pk not in member_users | {by.pk}:
            errors["owner"] = _("The owner is one of the group's members or its facilitator.")
    if errors:
        raise ValidationError(errors)
    commitment = None
    if kind == Action.Kind.COMMITMENT:
        commitment = commitment_create(programme=survey.programme, text=text, parties=parties, by=by, due_date=due_date)
    action = Action.objects.create(
        survey=survey,
        factor=factor,
        kind=kind,
        text=text.strip(),
        owner=owner,
        due_date=due_date,
        commitment=commitment,
        measure=measure if kind == Action.Kind.MEASURE else None,
        created_by=by,
    )
    audit.record(by, audit.CREATE, [action], audit.created(action), event="action_create")
    return action


def _facilitated_group(survey: Survey, user):
    """The group the survey was made for, when `user` is its named facilitator; else None."""
    if not survey.group_ref:
        return None
    return (
        ReflectionGroup.objects.visible_to_members()
        .filter(pk=survey.group_ref, programme_id=survey.programme_id, facilitator=user)
        .first()
    )


@transaction.atomic
def action_update_status(*, action: Action, status: str, by) -> Action:
    """The action's owner or HR marks it done or dropped (or planned again)."""
    if status not in Action.Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    locked = Action.objects.select_for_update().get(pk=action.pk)
    if by is not None and not (locked.owner_id == by.pk or is_hr(by)):
        raise ValidationError(_("Only the owner of the action or HR can update it."))
    if locked.status == status:
        return locked
    before = audit.values(locked)
    locked.status = status
    locked.save(update_fields=["status"])
    audit.record(by, audit.UPDATE, [locked], audit.diff(before, locked), event="action_update_status")
    return locked


# --- organisations' own 10-FAKTOR figures --------------------------------------------

FACTOR_COLUMNS = {
    "organisation": ("virksomhet", "organisasjon", "organisation", "organization"),
    "year": ("år", "ar", "year"),
    "factor": ("faktor", "factor"),
    "mean": ("snitt", "gjennomsnitt", "average", "mean"),
    "respondents": ("antall", "antall svar", "svar", "respondents", "n"),
}


def _factor_keys() -> dict:
    """Every accepted name of a factor (its key, Norwegian and English name) → its key."""
    names = {}
    for entry in reference.entries("ten_factors"):
        for name in (entry["key"], entry.get("nb", ""), entry.get("en", "")):
            if name:
                names[" ".join(name.replace("_", " ").lower().split())] = entry["key"]
    return names


@transaction.atomic
def factor_scores_import(*, file, by) -> int:
    """HR imports organisations' own 10-FAKTOR factor averages per year (a CSV or .xlsx made
    from KS's report: organisation; year; factor; average; respondents). All or nothing: any
    bad line (unknown organisation or factor, a value off the 1–5 scale, a unit under k, a
    line twice) is refused with its line number and nothing is imported. A figure already
    imported for the same organisation, year and factor is replaced. Returns the lines read."""
    table = _read_table(file)
    if len(table) < 2:
        raise ValidationError(_("The file has no lines to import."))
    header = [" ".join(str(h).replace("_", " ").lower().split()) for h in table[0]]
    index = {}
    for key, names in FACTOR_COLUMNS.items():
        found = [i for i, h in enumerate(header) if h in names]
        if not found:
            raise ValidationError(
                _("The column “%(column)s” is missing (organisation, year, factor, average, respondents)."),
                params={"column": names[0]},
            )
        index[key] = found[0]
    organisations = {o.name.lower(): o for o in Organisation.objects.all()}
    organisations.update({o.code.lower(): o for o in organisations.values() if o.code})
    factors = _factor_keys()
    k = min_respondents()
    errors, rows, seen = [], [], set()
    for number, cells in enumerate(table[1:], start=2):
        if not any(str(c).strip() for c in cells):
            continue
        cells = list(cells) + [""] * (len(header) - len(cells))

        def cell(key, cells=cells):
            return str(cells[index[key]]).strip()

        org = organisations.get(cell("organisation").lower())
        factor = factors.get(" ".join(cell("factor").replace("_", " ").lower().split()))
        problems = []
        if org is None:
            problems.append(_("unknown organisation “%(name)s”") % {"name": cell("organisation")[:80]})
        if factor is None:
            problems.append(_("unknown factor “%(name)s”") % {"name": cell("factor")[:80]})
        year = int(cell("year")) if cell("year").isdigit() else None
        if year is None or not 2000 <= year <= 2100:
            problems.append(_("the year must be a year such as 2025"))
        try:
            mean = Decimal(cell("mean").replace(",", "."))
        except InvalidOperation:
            mean = None
        if mean is None or not mean.is_finite() or not Decimal(1) <= mean <= Decimal(5):
            problems.append(_("the average must be a number from 1 to 5"))
        respondents = int(cell("respondents")) if cell("respondents").isdigit() else None
        if respondents is None:
            problems.append(_("the number of respondents must be a whole number"))
        elif respondents < k:
            problems.append(_("fewer than %(k)s respondents: figures for so small a unit are not imported") % {"k": k})
        if not problems and (org.pk, year, factor) in seen:
            problems.append(_("the same organisation, year and factor is on an earlier line"))
        if problems:
            errors.append(
                _("Line %(line)s: %(problems)s.") % {"line": number, "problems": "; ".join(str(p) for p in problems)}
            )
            continue
        seen.add((org.pk, year, factor))
        rows.append((org, year, factor, mean.quantize(Decimal("0.01")), respondents))
    if errors:
        raise ValidationError(errors[:50])
    for org, year, factor, mean, respondents in rows:
        existing = OrganisationFactorScore.objects.filter(organisation=org, year=year, factor=factor).first()
        if existing is None:
            score = OrganisationFactorScore.objects.create(
                organisation=org, year=year, factor=factor, mean=mean, respondents=respondents, imported_by=by
            )
            audit.record(by, audit.CREATE, [score], audit.created(score), event="factor_scores_import")
        elif (existing.mean, existing.respondents) != (mean, respondents):
            before = audit.values(existing)
            existing.mean, existing.respondents, existing.imported_by = mean, respondents, by
            existing.imported_at = timezone.now()
            existing.save(update_fields=["mean", "respondents", "imported_by", "imported_at"])
            audit.record(by, audit.UPDATE, [existing], audit.diff(before, existing), event="factor_scores_import")
    return len(rows)
