"""The "I just answered" attack, and why a survey cannot be reopened.

Choice: results are shown only after the survey closes (results.py rule 5), not "when k new
answers have arrived since the figures were last shown". The second needs the page to
remember what it showed, which is a write on every GET (the portal never writes on a GET),
and it still lets HR watch the figures move in steps of k while people answer. After the
close nothing can be added: answering refuses a closed survey, and the closing time of a
closed survey can no longer be moved, in the admin or anywhere else.
"""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from surveys import services
from surveys.models import Response, Survey
from surveys.results import survey_results
from tests.surveys.factories import InvitationFactory, SurveyFactory

pytestmark = pytest.mark.django_db
NOW = timezone.datetime(2026, 11, 2, 10, 0, tzinfo=timezone.get_current_timezone())


def _answers(survey, value):
    return {q.pk: value for q in survey.questionnaire.questions.likert()}


def _figures_part(html: str) -> str:
    # Everything on the page but the line counting who answered (which says nothing about
    # what anyone answered: the invitation list shows who answered anyway).
    # The CSRF token of the page's sign-out form changes on every page.
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    return re.sub(r'<p class="tl-lead">.*?</p>', "", html, flags=re.S)


@time_machine.travel(NOW, tick=False)
def test_opening_results_adding_one_answer_and_opening_again_learns_nothing(hr_client):
    survey = SurveyFactory(opens_at=NOW - timedelta(days=3), closes_at=NOW + timedelta(days=3))
    invitations = InvitationFactory.create_batch(7, survey=survey)
    for inv in invitations[:6]:
        services.response_submit(token=inv.token, answers=_answers(survey, 4))
    page = reverse("surveys:survey_results", args=[survey.pk])
    csv = reverse("surveys:survey_results_csv", args=[survey.pk])
    before_page, before_csv = hr_client.get(page).content.decode(), hr_client.get(csv).content
    before_segment = hr_client.get(page, {"segment": "level"}).content.decode()

    # "I just answered": one more answer, all ones, from a known person.
    services.response_submit(token=invitations[6].token, answers=_answers(survey, 1))
    assert Response.objects.filter(survey=survey).count() == 7

    after_page, after_csv = hr_client.get(page).content.decode(), hr_client.get(csv).content
    assert after_csv == before_csv
    assert _figures_part(after_page) == _figures_part(before_page)
    assert _figures_part(hr_client.get(page, {"segment": "level"}).content.decode()) == _figures_part(before_segment)
    result = survey_results(survey)
    assert not result.available and result.questions == [] and result.dimensions == []


@time_machine.travel(NOW, tick=False)
def test_a_closed_survey_cannot_be_reopened_to_let_one_more_person_answer(admin_client, settings):
    settings.MFA_REQUIRED_FOR_STAFF = False
    survey = SurveyFactory(opens_at=NOW - timedelta(days=10), closes_at=NOW + timedelta(days=1))
    invitations = InvitationFactory.create_batch(6, survey=survey)
    for inv in invitations[:5]:
        services.response_submit(token=inv.token, answers=_answers(survey, 4))
    closes = survey.closes_at

    with time_machine.travel(NOW + timedelta(days=2), tick=False):
        shown = survey_results(survey)
        assert shown.available and shown.n == 5
        # Through the model, a bulk update and the admin's form: the closing time stays.
        survey.refresh_from_db()
        survey.closes_at = NOW + timedelta(days=30)
        with pytest.raises(ValidationError):
            survey.save()
        with pytest.raises(ValidationError):
            Survey.objects.filter(pk=survey.pk).update(closes_at=NOW + timedelta(days=30))
        change = f"/admin/surveys/survey/{survey.pk}/change/"
        form = admin_client.get(change).content.decode()
        assert 'name="closes_at_0"' not in form and 'name="wave"' not in form and 'name="series"' not in form
        admin_client.post(
            change,
            {
                "title": survey.title,
                "closes_at_0": "2026-12-30",
                "closes_at_1": "10:00:00",
                "wave": "3",
                "series": "annen",
            },
        )
        survey.refresh_from_db()
        assert (survey.closes_at, survey.wave, survey.series) == (closes, 1, "samhandling")
        with pytest.raises(ValidationError):
            services.response_submit(token=invitations[5].token, answers=_answers(survey, 1))
        assert survey_results(survey).n == 5


@time_machine.travel(NOW, tick=False)
def test_an_opened_survey_keeps_its_period_series_and_wave():
    survey = SurveyFactory(opens_at=NOW - timedelta(days=1), closes_at=NOW + timedelta(days=7))
    for field, value in (
        ("series", "annen"),
        ("wave", 2),
        ("opens_at", NOW - timedelta(days=20)),
    ):
        with pytest.raises(ValidationError):
            Survey.objects.filter(pk=survey.pk).update(**{field: value})
        fresh = Survey.objects.get(pk=survey.pk)
        setattr(fresh, field, value)
        with pytest.raises(ValidationError):
            fresh.save()
    # While it is open it may still be closed early or given more days: nothing is shown yet.
    Survey.objects.filter(pk=survey.pk).update(closes_at=NOW + timedelta(days=9))
    fresh = Survey.objects.get(pk=survey.pk)
    assert (fresh.series, fresh.wave, fresh.opens_at) == ("samhandling", 1, NOW - timedelta(days=1))


@time_machine.travel(NOW, tick=False)
def test_a_survey_not_yet_open_can_still_be_moved():
    survey = SurveyFactory(opens_at=NOW + timedelta(days=1), closes_at=NOW + timedelta(days=7))
    survey.opens_at = NOW + timedelta(days=2)
    survey.wave = 2
    survey.save()
    assert Survey.objects.get(pk=survey.pk).wave == 2
