"""k-suppression: primary, complementary (subtraction), segment URLs, waves, free text."""

from datetime import timedelta

import pytest
from django.utils import timezone

from surveys import results
from surveys.results import suppressed_keys, survey_results, wave_comparison
from tests.surveys.factories import SurveyFactory, add_responses

pytestmark = pytest.mark.django_db
K = 5


def _closed(**kw):
    now = timezone.now()
    return SurveyFactory(opens_at=now - timedelta(days=30), closes_at=now - timedelta(days=1), **kw)


# --- the suppression rule itself ----------------------------------------------


def test_nothing_hidden_when_every_cell_reaches_k():
    assert suppressed_keys({"a": 5, "b": 9}, K) == set()


def test_single_small_cell_hides_the_next_smallest_too():
    # The total (28) is shown: hiding only c would reveal it as 28 - 10 - 8 - 6.
    assert suppressed_keys({"a": 10, "b": 8, "c": 4, "d": 6}, K) == {"c", "d"}


def test_hidden_cells_together_reach_k():
    # 1 + 2 = 3 < k: a third cell is hidden so the subtractable group holds >= k people.
    assert suppressed_keys({"a": 1, "b": 2, "c": 7, "d": 20}, K) == {"a", "b", "c"}


def test_two_cells_one_small_hides_both():
    assert suppressed_keys({"a": 2, "b": 30}, K) == {"a", "b"}


def test_subtraction_never_recovers_a_hidden_cell():
    """Brute force over small rows: the hidden cells are never one cell, and hold >= k."""
    import itertools

    for row in itertools.product([1, 3, 5, 8], repeat=3):
        counts = dict(zip("abc", row, strict=True))
        hidden = suppressed_keys(counts, K)
        if hidden:
            assert len(hidden) >= 2
            assert sum(counts[h] for h in hidden) >= K or hidden == set(counts)


# --- survey results ----------------------------------------------------------


def test_open_survey_shows_no_figures():
    survey = SurveyFactory()
    add_responses(survey, 12)
    r = survey_results(survey)
    assert not r.available and r.reason == "open" and r.questions == []


def test_survey_under_k_shows_no_figures():
    survey = _closed()
    add_responses(survey, K - 1)
    r = survey_results(survey)
    assert not r.available and r.reason == "too_few" and r.questions == [] and r.free_texts == []


def test_overall_results_have_n_mean_and_distribution():
    survey = _closed()
    add_responses(survey, 6, values=[2, 4])
    r = survey_results(survey)
    assert r.available and r.n == 6
    q = r.questions[0]
    assert q.overall.n == 6 and q.overall.mean == pytest.approx(3.0)
    assert q.overall.distribution == {1: 0, 2: 3, 3: 0, 4: 3, 5: 0}
    dims = {d.key: d for d in r.dimensions}
    assert dims["trust"].overall.n == 6 and dims["trust"].overall.mean == pytest.approx(3.0)


def test_segment_under_k_and_its_complement_are_suppressed():
    survey = _closed()
    add_responses(survey, 10, sector_code="HEL", values=[5])
    add_responses(survey, 7, sector_code="UKF", values=[4])
    add_responses(survey, 2, sector_code="BYU", values=[1])
    r = survey_results(survey, segment="sector")
    for row in r.questions + r.dimensions:
        assert row.cells["BYU"].suppressed and row.cells["BYU"].mean is None and row.cells["BYU"].shares == []
        # The total is shown, so UKF (next smallest) is hidden too: 19 - 10 - ? stays unknown.
        assert row.cells["UKF"].suppressed
        assert not row.cells["HEL"].suppressed and row.cells["HEL"].mean == pytest.approx(5.0)
        assert not row.overall.suppressed
    assert {v: visible for v, _l, visible in r.segment_values} == {"HEL": True, "UKF": False, "BYU": False}


def test_segment_requested_by_url_under_k_reveals_nothing():
    survey = _closed()
    add_responses(survey, 10, sector_code="HEL")
    add_responses(survey, 7, sector_code="UKF")
    add_responses(survey, 2, sector_code="BYU")
    for value in ("BYU", "UKF", "NOPE"):
        r = survey_results(survey, segment="sector", value=value)
        assert r.selected_hidden
    assert not survey_results(survey, segment="sector", value="HEL").selected_hidden


def test_unknown_segment_parameter_falls_back_to_overall():
    survey = _closed()
    add_responses(survey, 6)
    r = survey_results(survey, segment="user_id", value="1")
    assert r.segment is None and r.available


def test_level_segment_with_garbage_value_is_hidden():
    survey = _closed()
    add_responses(survey, 6, leader_level=1)
    r = survey_results(survey, segment="level", value="1 OR 1=1")
    assert r.selected_hidden


def test_free_text_only_when_survey_reaches_k():
    survey = _closed()
    add_responses(survey, K, text="Mer samarbeid")
    r = survey_results(survey)
    assert len(r.free_texts) == 1 and len(r.free_texts[0][1]) == K
    small = _closed()
    add_responses(small, K - 1, text="Hemmelig")
    assert survey_results(small).free_texts == []


def test_free_text_never_shown_per_segment():
    survey = _closed()
    add_responses(survey, 8, text="Tekst", sector_code="HEL")
    assert survey_results(survey, segment="sector").free_texts == []


def test_threshold_follows_the_setting(settings):
    settings.SURVEY_MIN_RESPONDENTS = 10
    survey = _closed()
    add_responses(survey, 8)
    assert not survey_results(survey).available


def test_results_use_a_fixed_number_of_queries(django_assert_max_num_queries):
    survey = _closed()
    for code in ("A", "B", "C", "D", "E", "F"):
        add_responses(survey, 6, sector_code=code, values=[1, 3, 5])
    with django_assert_max_num_queries(8):
        survey_results(survey, segment="sector")


# --- wave comparison ------------------------------------------------------------


def _waves(n_before, n_after, *, vb=(3,), va=(4,), **seg):
    base = _closed(kind="baseline", wave=1)
    follow = _closed(kind="follow_up", wave=2, programme=base.programme)
    add_responses(base, n_before, values=list(vb), **seg)
    add_responses(follow, n_after, values=list(va), **seg)
    return base, follow


def test_wave_comparison_shows_change_and_n_per_dimension():
    base, follow = _waves(10, 10)
    comp = wave_comparison(follow)
    assert comp.available and (comp.before, comp.after) == (base, follow)
    row = {r.key: r for r in comp.rows}["trust"]
    assert (row.n_before, row.n_after) == (10, 10)
    assert row.change == pytest.approx(1.0)


def test_wave_comparison_hidden_when_a_wave_is_under_k():
    base, follow = _waves(10, K - 1)
    comp = wave_comparison(follow)
    assert not comp.available and comp.rows == []


def test_wave_comparison_hidden_when_segment_changed_by_fewer_than_k():
    """Difference attack: 10 before, 11 after in a segment -> the newcomer's answers leak."""
    base, follow = _waves(10, 11)
    comp = wave_comparison(follow)
    assert comp.rows and all(r.suppressed and r.change is None and r.mean_after is None for r in comp.rows)


def test_wave_comparison_shown_when_change_is_at_least_k():
    base, follow = _waves(10, 10 + K)
    assert all(not r.suppressed for r in wave_comparison(follow).rows)


def test_wave_comparison_for_a_hidden_segment_reveals_nothing():
    base, follow = _waves(10, 10, sector_code="HEL")
    add_responses(base, 2, sector_code="BYU")
    add_responses(follow, 2, sector_code="BYU")
    comp = wave_comparison(follow, segment="sector", value="BYU")
    assert all(r.suppressed and r.mean_before is None for r in comp.rows)
    visible = wave_comparison(follow, segment="sector", value="HEL")
    # HEL is the complement of hidden BYU in each wave's breakdown, so it is hidden too.
    assert all(r.suppressed for r in visible.rows)


def test_chart_geometry_has_a_bar_per_wave_and_none_for_hidden_rows():
    base, follow = _waves(10, 10)
    chart = results.comparison_chart(wave_comparison(follow))
    assert chart["rows"] and all(len(r["bars"]) == 2 and r["bars"][1]["w"] > 0 for r in chart["rows"])
    base2, follow2 = _waves(10, 12)
    hidden = results.comparison_chart(wave_comparison(follow2))
    assert all(b["w"] == 0 for r in hidden["rows"] for b in r["bars"])


def test_wave_comparison_with_garbage_level_value_reveals_nothing_and_does_not_fail():
    base, follow = _waves(10, 10)
    comp = wave_comparison(follow, segment="level", value="1 OR 1=1")
    assert comp.rows and all(r.suppressed for r in comp.rows)


def test_sessions_between_waves_are_grouped_by_measure_area():
    from programmes.models import Measure, MeasureArea, Session

    now = timezone.now()
    # The baseline ran two months before the follow-up (a closed survey's period is frozen:
    # it is made with these dates, never moved afterwards).
    base = SurveyFactory(kind="baseline", wave=1, opens_at=now - timedelta(days=90), closes_at=now - timedelta(days=80))
    follow = _closed(kind="follow_up", wave=2, programme=base.programme)
    add_responses(base, 10, values=[3])
    add_responses(follow, 10, values=[4])
    area, _ = MeasureArea.objects.get_or_create(
        key="test-area", defaults={"name_nb": "Område", "name_en": "Area", "order": 1}
    )
    measure = Measure.objects.create(area=area, text="Tiltak", horizon="short")
    between = base.opens_at + timedelta(days=10)
    s = Session.objects.create(
        programme=base.programme,
        kind="theme_gathering",
        title="Mellom",
        starts_at=between,
        ends_at=between + timedelta(hours=2),
        capacity=10,
        status="completed",
    )
    s.measures.add(measure)
    Session.objects.create(
        programme=base.programme,
        kind="theme_gathering",
        title="Utenfor",
        starts_at=follow.closes_at + timedelta(days=1),
        ends_at=follow.closes_at + timedelta(days=1, hours=2),
        capacity=10,
        status="published",
    )
    grouped = results.sessions_between_waves(wave_comparison(follow))
    assert [(name, [x["title"] for x in sessions]) for name, sessions in grouped] == [(area.name, ["Mellom"])]


# --- honest change: intervals per factor -------------------------------------------


def test_wave_change_has_a_welch_interval_over_respondents_matching_scipy():
    from scipy import stats as scipy_stats

    base, follow = _waves(12, 17, vb=(2, 3, 3, 4, 5), va=(4, 5, 4, 5))
    row = {r.key: r for r in wave_comparison(follow).rows}["trust"]
    # Each respondent gives every item the same value, so their factor score is that value.
    before = [(2, 3, 3, 4, 5)[i % 5] for i in range(12)]
    after = [(4, 5, 4, 5)[i % 4] for i in range(17)]
    ref = scipy_stats.ttest_ind(after, before, equal_var=False).confidence_interval(0.95)
    assert row.interval.low == pytest.approx(ref.low) and row.interval.high == pytest.approx(ref.high)
    assert row.change == pytest.approx(sum(after) / 17 - sum(before) / 12)
    assert row.verdict == "improvement" and row.verdict_label == "tydelig bedring"


def test_a_change_within_noise_is_called_so():
    base, follow = _waves(10, 10, vb=(1, 3, 5), va=(1, 3, 5, 4))
    row = {r.key: r for r in wave_comparison(follow).rows}["trust"]
    assert row.interval.low < 0 < row.interval.high and row.verdict == "noise"


def test_a_hidden_change_carries_no_interval():
    base, follow = _waves(10, 12)  # 2 more answers than before: fewer than k, a difference attack
    rows = wave_comparison(follow).rows
    assert rows and all(r.suppressed and r.interval is None and r.verdict == "" for r in rows)


# --- factors: items behind the factor, internal consistency ----------------------


def test_factor_figure_is_the_mean_of_its_items_and_has_its_alpha():
    survey = _closed()
    add_responses(survey, 6, values=[2, 4, 5])
    result = survey_results(survey)
    trust = {r.key: r for r in result.dimensions}["trust"]
    assert len(trust.items) == 2 and all(item.question.dimension == "trust" for item in trust.items)
    assert trust.overall.mean == pytest.approx(sum(i.overall.mean for i in trust.items) / 2)
    assert trust.alpha == pytest.approx(1.0) and not trust.alpha_low


def test_alpha_is_not_shown_under_k_nor_per_segment():
    survey = _closed()
    add_responses(survey, 4, values=[2, 4])
    add_responses(survey, 4, values=[1, 5], sector_code="S2")
    by_sector = survey_results(survey, segment="sector")
    assert all(r.alpha is None for r in by_sector.dimensions)
    small = _closed()
    add_responses(small, 4, values=[2, 4])
    assert survey_results(small).dimensions == []


def test_alpha_under_the_threshold_is_flagged_on_the_page(client):
    from surveys.models import Answer, Question
    from tests.factories import HRUserFactory

    survey = _closed()
    add_responses(survey, 6, values=[1, 2, 3, 4, 5, 3])
    # Make the two trust items disagree: the second one's answers shifted round the scale
    # (1 -> 2, ..., 5 -> 1), which leaves them uncorrelated with the first's (α = 0).
    second = Question.objects.filter(questionnaire=survey.questionnaire, dimension="trust").order_by("order")[1]
    for answer in Answer.objects.filter(question=second):
        Answer.objects.filter(pk=answer.pk).update(value=answer.value % 5 + 1)
    trust = {r.key: r for r in survey_results(survey).dimensions}["trust"]
    assert trust.alpha_low
    client.force_login(HRUserFactory())
    page = client.get(f"/surveys/{survey.pk}/results/").content.decode()
    assert "Lav intern konsistens" in page


def test_alpha_from_the_database_equals_the_textbook_alpha_over_the_complete_respondents():
    """The database sums each item over the respondents who answered every item of the factor;
    α from those sums is the α of the answer rows themselves (stats.cronbach_alpha)."""
    import random

    from surveys import stats
    from surveys.models import Answer

    survey = _closed()
    add_responses(survey, 14, values=[3])
    trust_items = [q.pk for q in survey.questionnaire.questions.order_by("order") if q.dimension == "trust"]
    rng = random.Random(7)
    rows = []
    answers = Answer.objects.filter(response__survey=survey, question_id__in=trust_items).order_by("response_id")
    per_response: dict = {}
    for answer in answers:
        answer.value = rng.randint(1, 5)
        answer.save(update_fields=["value"])
        per_response.setdefault(answer.response_id, {})[answer.question_id] = answer.value
    # One respondent skipped an item: left out of α (not of the factor's mean).
    skipped = next(iter(per_response))
    Answer.objects.filter(response_id=skipped, question_id=trust_items[-1]).update(value=None)
    del per_response[skipped]
    rows = [[values[q] for q in trust_items] for values in per_response.values()]
    trust = {r.key: r for r in survey_results(survey).dimensions}["trust"]
    assert trust.alpha == pytest.approx(stats.cronbach_alpha(rows))


def test_the_summary_forms_give_the_same_figures_as_the_values():
    from surveys import stats

    before, after = [1, 2, 2, 3, 5, 4, 4], [3, 4, 4, 5, 5, 2]
    sums = [(len(v), sum(v), sum(x * x for x in v)) for v in (before, after)]
    assert stats.mean_var_of_sums(*sums[0]) == pytest.approx(stats.mean_var(before))
    a, b = stats.welch_interval(before, after), stats.welch_interval_of(*(stats.mean_var_of_sums(*s) for s in sums))
    assert (a.low, a.high, a.df) == pytest.approx((b.low, b.high, b.df))
    assert stats.mean_var_of_sums(3, 12, 48) == (3, 4.0, 0.0)  # no spread: exactly 0, never below
