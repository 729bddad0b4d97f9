import pytest
from django.contrib import admin

from surveys import services
from surveys.models import Answer, Response
from tests.surveys.factories import InvitationFactory

pytestmark = pytest.mark.django_db


def test_responses_and_answers_are_not_in_the_admin():
    assert Response not in admin.site._registry and Answer not in admin.site._registry


def test_admin_pages_open_and_frozen_questions_are_read_only(admin_client, settings):
    settings.MFA_REQUIRED_FOR_STAFF = False
    inv = InvitationFactory()
    services.response_submit(token=inv.token, answers={q.pk: 3 for q in inv.survey.questionnaire.questions.likert()})
    q = inv.survey.questionnaire
    for url in (
        "/admin/surveys/questionnaire/",
        f"/admin/surveys/questionnaire/{q.pk}/change/",
        "/admin/surveys/survey/",
        f"/admin/surveys/survey/{inv.survey.pk}/change/",
        "/admin/surveys/invitation/",
        f"/admin/surveys/invitation/{inv.pk}/change/",
    ):
        assert admin_client.get(url).status_code == 200, url
    page = admin_client.get(f"/admin/surveys/questionnaire/{q.pk}/change/").content.decode()
    assert 'name="questions-0-text"' not in page
    assert inv.token not in admin_client.get(f"/admin/surveys/invitation/{inv.pk}/change/").content.decode()
    assert admin_client.get("/admin/surveys/response/").status_code == 404
