"""Factories for survey tests (kept here, not in the shared tests/factories.py)."""

from datetime import timedelta

import factory
from django.utils import timezone

from programmes.models import Programme, ProgrammeEnrolment
from surveys.models import Invitation, Question, Questionnaire, Response, Survey
from surveys.services import questionnaire_default_create
from tests.factories import LeaderFactory, OrganisationFactory, SectorFactory


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    name = factory.Sequence(lambda n: f"Toppledertilbud {n}")
    period = "2026/27"
    status = Programme.Status.RUNNING


class QuestionnaireFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Questionnaire

    name = factory.Sequence(lambda n: f"Skjema {n}")
    series = factory.Sequence(lambda n: f"serie-{n}")
    version = 1


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    questionnaire = factory.SubFactory(QuestionnaireFactory)
    order = factory.Sequence(lambda n: n + 1)
    text = factory.Sequence(lambda n: f"Spørsmål {n}")
    kind = Question.Kind.LIKERT
    dimension = "trust"
    low_label = "Helt uenig"
    high_label = "Helt enig"
    required = True


class SurveyFactory(factory.django.DjangoModelFactory):
    """An open baseline survey on the default questionnaire."""

    class Meta:
        model = Survey

    programme = factory.SubFactory(ProgrammeFactory)
    questionnaire = factory.LazyFunction(questionnaire_default_create)
    title = factory.Sequence(lambda n: f"Undersøkelse {n}")
    kind = Survey.Kind.BASELINE
    series = "samhandling"
    wave = 1
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    survey = factory.SubFactory(SurveyFactory)
    user = factory.LazyAttribute(lambda o: LeaderFactory().user)


def enrolled_leaders(programme, n, *, sector=None, kind="agency", level=1):
    sector = sector or SectorFactory()
    out = []
    for _ in range(n):
        leader = LeaderFactory(organisation=OrganisationFactory(sector=sector, kind=kind), level=level)
        ProgrammeEnrolment.objects.create(programme=programme, leader=leader)
        out.append(leader)
    return out


def add_responses(survey, count, *, values=None, sector_code="S1", org_kind="agency", leader_level=1, text=""):
    """Anonymous responses straight into the tables (for results tests)."""
    from surveys.models import Answer

    questions = list(survey.questionnaire.questions.order_by("order"))
    for i in range(count):
        r = Response.objects.create(
            survey=survey,
            answered_on=timezone.localdate(),
            sector_code=sector_code,
            org_kind=org_kind,
            leader_level=leader_level,
        )
        rows = []
        for q in questions:
            if q.is_likert:
                v = values[i % len(values)] if values else 3
                rows.append(Answer(response=r, question=q, value=v))
            elif text:
                rows.append(Answer(response=r, question=q, text=f"{text} {i}"))
        Answer.objects.bulk_create(rows)
