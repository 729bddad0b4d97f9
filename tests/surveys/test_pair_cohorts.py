"""Mentoring across pairs: end-of-pair evaluations pooled over a scheme's pairs per year,
k counted over the pairs' answers, shown once the year is over, change between cohorts with
its interval."""

from datetime import date, timedelta

import pytest
import time_machine
from django.utils import timezone
from scipy import stats as scipy_stats

from reflection_groups.models import MentorPair
from surveys.results import pair_cohort_change, pair_cohorts, survey_results
from tests.factories import LeaderFactory
from tests.surveys.factories import ProgrammeFactory, SurveyFactory, add_responses

pytestmark = pytest.mark.django_db
TZ = timezone.get_current_timezone()


def _at(y, m, d):
    return timezone.datetime(y, m, d, 12, 0, tzinfo=TZ)


def _pair_evaluations(programme, year, pairs, *, scheme="duo", values=(4,), answers=2, made=None):
    """`pairs` pairs of the scheme, each with an end-of-pair survey that closed in `year`."""
    surveys = []
    with time_machine.travel(made or _at(year, 6, 1), tick=False):
        for i in range(pairs):
            pair = MentorPair.objects.create(
                programme=programme, scheme=scheme, mentor=LeaderFactory(), mentee=LeaderFactory(), status="closed"
            )
            survey = SurveyFactory(
                programme=programme,
                kind="pair_end",
                series="",
                pair_ref=pair.pk,
                opens_at=_at(year, 6, 1) + timedelta(days=i),
                closes_at=_at(year, 6, 20) + timedelta(days=i),
            )
            add_responses(survey, answers, values=list(values))
            surveys.append(survey)
    return surveys


@time_machine.travel(_at(2026, 3, 1), tick=False)
def test_pairs_pooled_over_a_scheme_are_shown_when_their_answers_reach_k():
    programme = ProgrammeFactory()
    surveys = _pair_evaluations(programme, 2025, 3, values=(3, 5))  # 6 answers over 3 pairs
    [cohort] = pair_cohorts(programme, "duo")
    assert (cohort.year, cohort.pairs, cohort.n, cohort.available) == (2025, 3, 6, True)
    trust = next(r for r in cohort.rows if r["key"] == "trust")
    assert trust["n"] == 6 and trust["mean"] == pytest.approx(4.0)
    # One pair alone is never shown: two answers are under k.
    assert not survey_results(surveys[0]).available


@time_machine.travel(_at(2026, 3, 1), tick=False)
def test_two_pairs_are_under_k_and_show_nothing():
    programme = ProgrammeFactory()
    _pair_evaluations(programme, 2025, 2)  # 4 answers
    _pair_evaluations(programme, 2025, 3, scheme="partner")  # another scheme does not count
    [cohort] = pair_cohorts(programme, "duo")
    assert cohort.n == 4 and not cohort.available and cohort.reason == "too_few" and cohort.rows == []


def test_the_current_year_is_shown_only_when_it_is_over():
    programme = ProgrammeFactory()
    _pair_evaluations(programme, 2026, 4)
    with time_machine.travel(_at(2026, 11, 1), tick=False):
        [cohort] = pair_cohorts(programme, "duo")
        assert not cohort.available and cohort.reason == "year_not_over" and cohort.rows == []
        # ...so one more pair's evaluation closing cannot be read off the difference.
    with time_machine.travel(_at(2027, 1, 2), tick=False):
        [cohort] = pair_cohorts(programme, "duo")
        assert cohort.available and cohort.n == 8


def test_a_survey_made_after_its_year_was_over_does_not_change_that_year():
    programme = ProgrammeFactory()
    _pair_evaluations(programme, 2025, 3)
    with time_machine.travel(_at(2026, 2, 1), tick=False):
        shown = pair_cohorts(programme, "duo")[0]
    # Someone makes an end-of-pair survey dated back into 2025, with one answer.
    _pair_evaluations(programme, 2025, 1, values=(1,), answers=1, made=_at(2026, 2, 2))
    with time_machine.travel(_at(2026, 2, 3), tick=False):
        again = pair_cohorts(programme, "duo")[0]
    assert (again.n, again.rows) == (shown.n, shown.rows)


@time_machine.travel(_at(2026, 3, 1), tick=False)
def test_change_between_cohorts_has_a_welch_interval_and_hides_a_difference_attack():
    programme = ProgrammeFactory()
    _pair_evaluations(programme, 2024, 4, values=(2, 3))  # 8 answers
    _pair_evaluations(programme, 2025, 5, values=(4, 5))  # 10 answers: 2 more, fewer than k
    before, after = pair_cohorts(programme, "duo")
    assert all(r.suppressed and r.interval is None for r in pair_cohort_change(before, after))

    other = ProgrammeFactory()
    _pair_evaluations(other, 2024, 4, values=(2, 3))  # 8
    _pair_evaluations(other, 2025, 7, values=(4, 5))  # 14: 6 more, at least k
    before, after = pair_cohorts(other, "duo")
    trust = next(r for r in pair_cohort_change(before, after) if r.key == "trust")
    ref = scipy_stats.ttest_ind([4, 5] * 7, [2, 3] * 4, equal_var=False).confidence_interval(0.95)
    assert trust.interval.low == pytest.approx(ref.low) and trust.interval.high == pytest.approx(ref.high)
    assert trust.verdict == "improvement"
    assert date(2026, 3, 1) == timezone.localdate()
