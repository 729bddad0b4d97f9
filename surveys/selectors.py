"""Reads for surveys: lists with counts, audiences, and the access helpers.

Access: surveys and questionnaires are managed, and their results read, by HR only:
`survey_for(user, pk)` and `questionnaire_for(user, pk)` answer 403 for any other role and
404 for a missing one. One exception: a group's *named* facilitator reads the factor figures
of the surveys made for that group (`facilitated_group_for`, `group_survey_for`; anyone else,
HR included, gets a 404 there). Answering needs no sign-in: the invitation's token is the credential
(services.invitation_for_token).
"""

from django.db.models import Count, F, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from programmes.models import ProgrammeEnrolment, Registration
from reflection_groups.models import GroupMembership, MentorPair, ReflectionGroup
from surveys.models import Invitation, Questionnaire, Survey
from toppleder.permissions import require_hr


def surveys_with_counts():
    return (
        Survey.objects.select_related("programme", "questionnaire", "session")
        .annotate(
            invited_count=Count("invitations", distinct=True),
            answered_count=Count("invitations", filter=Q(invitations__answered=True), distinct=True),
        )
        .order_by("-opens_at", "pk")
    )


def questionnaires_with_counts():
    return Questionnaire.objects.annotate(
        likert_count=Count("questions", filter=Q(questions__kind="likert"), distinct=True),
        free_text_count=Count("questions", filter=Q(questions__kind="free_text"), distinct=True),
        survey_count=Count("surveys", distinct=True),
    ).order_by("series", "-version")


def invitations_open_for(user):
    """The user's unanswered invitations to surveys open now (the leader's dashboard), as the
    rows the panel shows: `token`, `title`, `closes_at` and the questionnaire's number of
    likert and free-text questions (grouped over these columns only)."""
    now = timezone.now()
    questions = "survey__questionnaire__questions"
    return (
        Invitation.objects.filter(user=user, answered=False, survey__opens_at__lte=now, survey__closes_at__gt=now)
        .values("token", title=F("survey__title"), closes_at=F("survey__closes_at"))
        .annotate(
            likert_count=Count(questions, filter=Q(**{f"{questions}__kind": "likert"})),
            free_text_count=Count(questions, filter=Q(**{f"{questions}__kind": "free_text"})),
        )
        .order_by("closes_at", "token")
    )


def question_kinds(questionnaire) -> list[str]:
    return list(questionnaire.questions.values_list("kind", flat=True))


# --- audiences --------------------------------------------------------------------

AUDIENCE_PROGRAMME = "programme"
AUDIENCE_SESSION = "session"
AUDIENCE_GROUP = "group"
AUDIENCE_PAIR = "pair"


def audience_user_ids(*, survey: Survey, audience: str, target_id: int | None = None) -> set[int]:
    """The user ids an audience stands for; an unknown target is an empty audience."""
    if audience == AUDIENCE_PROGRAMME:
        return set(
            ProgrammeEnrolment.objects.active()
            .filter(programme=survey.programme, leader__user__is_active=True)
            .values_list("leader__user_id", flat=True)
        )
    if audience == AUDIENCE_SESSION:
        session_id = target_id or survey.session_id
        return set(
            # Leaders only: participants who are not leaders (politicians, union
            # representatives, guests) are never asked to answer a survey.
            Registration.objects.filter(
                session_id=session_id,
                session__programme=survey.programme,
                attendance=Registration.Attendance.ATTENDED,
                leader__isnull=False,
            ).values_list("leader__user_id", flat=True)
        )
    if audience == AUDIENCE_GROUP:
        return set(
            GroupMembership.objects.filter(
                group_id=target_id or survey.group_ref, group__programme_id=survey.programme_id, active=True
            ).values_list("leader__user_id", flat=True)
        )
    if audience == AUDIENCE_PAIR:
        pair = (
            MentorPair.objects.filter(pk=target_id or survey.pair_ref, programme_id=survey.programme_id)
            .values("mentor__user_id", "mentee__user_id")
            .first()
        )
        return {uid for uid in (pair or {}).values() if uid is not None}
    raise ValueError(audience)


# --- access helpers ---------------------------------------------------------------


def survey_for(user, pk) -> Survey:
    require_hr(user)
    return get_object_or_404(Survey.objects.select_related("programme", "questionnaire", "session"), pk=pk)


def questionnaire_for(user, pk) -> Questionnaire:
    require_hr(user)
    return get_object_or_404(Questionnaire, pk=pk)


def facilitated_group_for(user, group_pk) -> ReflectionGroup:
    """A published or closed group the user is the named facilitator of; a 404 for everyone
    else (HR and administrators too: their role adds nothing to a facilitator's pages)."""
    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(
        ReflectionGroup.objects.visible_to_members().select_related("programme", "facilitator"),
        pk=group_pk,
        facilitator=user,
    )


def group_surveys(group):
    """The surveys made for a group (its `group_ref`), newest first."""
    return (
        Survey.objects.filter(group_ref=group.pk, programme_id=group.programme_id)
        .select_related("questionnaire")
        .order_by("-opens_at", "pk")
    )


def group_survey_for(user, group_pk, pk) -> Survey:
    """A survey made for a group the user facilitates (404 otherwise)."""
    group = facilitated_group_for(user, group_pk)
    survey = get_object_or_404(group_surveys(group).select_related("programme"), pk=pk)
    survey.group = group
    return survey


# --- actions ----------------------------------------------------------------------


def action_for(user, pk):
    """HR reads every action; an owner reads their own; anyone else gets a 404."""
    from surveys.models import Action
    from toppleder.permissions import is_hr

    qs = Action.objects.select_related("survey", "owner", "measure", "commitment")
    if not user.is_authenticated:
        raise Http404
    if not is_hr(user):
        qs = qs.filter(owner=user)
    return get_object_or_404(qs, pk=pk)


def actions_for_leader(user):
    """A leader's own actions that "Mine forpliktelser" does not already show: measure updates
    they own, and commitments they own without being party to them. An action that is a
    commitment the leader is party to is listed once, as that commitment (its status follows
    the commitment's)."""
    from programmes.models import Commitment
    from surveys.models import Action

    # The commitments as a subquery, not a join over their parties: no DISTINCT over every
    # column of four joined tables (PostgreSQL spent 5 ms planning that for a 0.2 ms read).
    party_to = Commitment.parties.through.objects.filter(leader__user=user).values("commitment_id")
    return (
        Action.objects.filter(owner=user)
        .exclude(commitment_id__in=party_to)
        .select_related("measure")
        .order_by("status", "due_date", "pk")
    )


def factor_scores_by_organisation():
    """Imported 10-FAKTOR figures, one row per organisation and year: how many factors and
    their average (one grouped query)."""
    from django.db.models import Avg

    from surveys.models import OrganisationFactorScore

    return (
        OrganisationFactorScore.objects.values("organisation__name", "year")
        .annotate(
            factors=Count("id"),
            average=Avg("mean"),
        )
        .order_by("organisation__name", "-year")
    )
