"""Anonymity by construction: the schema has no path from an answer to a person.

Survey and Question are shared by every response of a survey, so a path through them
cannot single anyone out; every other path from Response/Answer must be absent.
"""

from collections import deque

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models

from surveys.models import Answer, Invitation, Question, Questionnaire, Response, Survey
from toppleder.models import Leader, LeaderGroup, Organisation, Sector

SHARED_HUBS = {Survey, Question, Questionnaire}
PERSONAL = {get_user_model(), Invitation, Leader, LeaderGroup, Organisation, Sector}


def _related_models(model):
    for f in model._meta.get_fields(include_hidden=True):
        if f.is_relation and f.related_model is not None:
            yield f.related_model


def _reachable_without_hubs(start):
    seen, todo = {start}, deque([start])
    while todo:
        model = todo.popleft()
        for other in _related_models(model):
            if other in seen or other in SHARED_HUBS:
                continue
            seen.add(other)
            todo.append(other)
    return seen


def test_response_and_answer_hold_only_anonymous_columns():
    response_columns = {f.name for f in Response._meta.concrete_fields}
    answer_columns = {f.name for f in Answer._meta.concrete_fields}
    assert response_columns == {"id", "survey", "answered_on", "sector_code", "org_kind", "leader_level"}
    assert answer_columns == {"id", "response", "question", "value", "text"}


def test_response_tables_have_no_time_of_day_and_no_sequential_id():
    for model in (Response, Answer):
        for f in model._meta.concrete_fields:
            assert not isinstance(f, (models.DateTimeField, models.TimeField)), f"{model.__name__}.{f.name}"
        assert isinstance(model._meta.pk, models.UUIDField), f"{model.__name__} pk would reveal order of arrival"
    assert isinstance(Response._meta.get_field("answered_on"), models.DateField)


def test_response_relations_are_only_to_the_shared_survey_and_question():
    assert set(_related_models(Response)) == {Survey, Answer}
    assert set(_related_models(Answer)) == {Response, Question}


def test_no_path_from_a_response_to_a_person_except_through_shared_hubs():
    for start in (Response, Answer):
        reachable = _reachable_without_hubs(start)
        assert reachable == {Response, Answer}
        assert not (reachable & PERSONAL)


def test_no_model_in_the_project_points_at_responses_or_answers():
    for model in apps.get_models():
        if model in (Response, Answer):
            continue
        for f in model._meta.get_fields():
            if f.is_relation and f.concrete:
                assert f.related_model not in (Response, Answer), f"{model.__name__}.{f.name}"


def test_invitation_has_no_answering_time():
    names = {f.name for f in Invitation._meta.concrete_fields}
    assert "answered" in names
    assert not any("answered_at" in n or "updated" in n for n in names)
