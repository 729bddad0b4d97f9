"""A closed survey's figures are computed when it closes (beat), not on the first visit."""

from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone, translation

from surveys import results, views
from surveys.models import Survey
from surveys.tasks import survey_figures_warm
from tests.surveys.factories import SurveyFactory, add_responses

pytestmark = pytest.mark.django_db

NOW = timezone.datetime(2026, 11, 2, 10, 0, tzinfo=timezone.get_current_timezone())
CLOSES = NOW + timedelta(hours=1)


@pytest.fixture(autouse=True)
def _no_mfa(settings):
    settings.MFA_REQUIRED_FOR_STAFF = False


def _waves():
    """A baseline closed a month ago and its follow-up, answered while open, closing at CLOSES."""
    base = SurveyFactory(kind="baseline", wave=1, opens_at=NOW - timedelta(days=60), closes_at=NOW - timedelta(days=30))
    follow = SurveyFactory(
        kind="follow_up", wave=2, programme=base.programme, opens_at=NOW - timedelta(days=7), closes_at=CLOSES
    )
    for code in ("A", "B", "C"):
        add_responses(base, 6, sector_code=code, values=[2, 3])
        add_responses(follow, 6, sector_code=code, values=[3, 4], text="Tekst")
    return base, follow


def _shown(r, c):
    """What the results page shows of its figures (free texts are shown in random order)."""
    rows = [(row.key, row.overall, row.cells) for row in r.dimensions + r.questions]
    texts = sorted((q.pk, sorted(items)) for q, items in r.free_texts)
    return (r.n, r.available, r.segment_values, rows, texts, [vars(row) for row in c.rows], c.available)


@time_machine.travel(NOW, tick=False)
def test_after_the_close_and_the_beat_task_the_first_visit_computes_nothing(hr_client, django_assert_max_num_queries):
    base, follow = _waves()
    assert survey_figures_warm() == 0  # open: nothing is kept (only the response count is shown)
    with time_machine.travel(CLOSES + timedelta(minutes=5), tick=False):
        assert survey_figures_warm() == 4  # the follow-up and the baseline it is now compared with, nb and en
        hr_client.get(reverse("healthz_me"))  # the browser's session, as signed in before
        with (
            mock.patch.object(results, "survey_results", side_effect=AssertionError("computed on the visit")),
            mock.patch.object(results, "wave_comparison", side_effect=AssertionError("computed on the visit")),
            mock.patch.object(views, "render_to_string", wraps=views.render_to_string) as rendered,
        ):
            with django_assert_max_num_queries(7):  # as a second visit: figures and body kept
                warmed = hr_client.get(reverse("surveys:survey_results", args=[follow.pk]))
            assert warmed.status_code == 200
            assert "surveys/_results_body.html" not in [c.args[0] for c in rendered.call_args_list]
            assert hr_client.get(reverse("surveys:survey_results", args=[base.pk])).status_code == 200
            assert survey_figures_warm() == 0  # run again: everything is kept, nothing computed
            with translation.override("nb"):
                kept = results.figures(Survey.objects.get(pk=follow.pk))  # as the page reads it
        cache.clear()  # the figures as the visit computes them
        visited = hr_client.get(reverse("surveys:survey_results", args=[follow.pk]))
    assert kept[0].n == 18 and kept[1].available and "(n=18)" in warmed.content.decode()
    assert _shown(*kept) == _shown(visited.context["result"], visited.context["comparison"])
    main = warmed.content.decode()
    assert (
        main[main.index("<main") :].split("<form")[0]
        == visited.content.decode()[main.index("<main") :].split("<form")[0]
    )


@time_machine.travel(NOW, tick=False)
def test_the_warming_writes_nothing_but_the_cache():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _waves()
    with time_machine.travel(CLOSES + timedelta(minutes=5), tick=False):
        with CaptureQueriesContext(connection) as ctx:
            survey_figures_warm()
    statements = [q["sql"].lstrip().split()[0].upper() for q in ctx.captured_queries]
    assert set(statements) <= {"SELECT", "WITH"}, statements


@time_machine.travel(NOW, tick=False)
def test_surveys_closed_long_ago_are_not_computed_again_by_every_run():
    base, follow = _waves()
    with time_machine.travel(CLOSES + timedelta(seconds=results.FIGURES_TIMEOUT + 60), tick=False):
        assert survey_figures_warm() == 0  # outside the window: a visit computes them (kept a week)


def test_the_beat_runs_the_warming():
    from toppleder.celery import app

    assert "surveys.tasks.survey_figures_warm" in {j["task"] for j in app.conf.beat_schedule.values()}
