"""The interval and reliability figures against a reference implementation (SciPy)."""

import random

import pytest
from scipy import stats as scipy_stats

from surveys import stats


@pytest.mark.parametrize("seed", range(12))
def test_welch_interval_matches_scipy(seed):
    rng = random.Random(seed)
    before = [rng.choice([1, 2, 3, 3, 4, 4, 5]) + rng.random() for _ in range(rng.randint(5, 140))]
    after = [rng.choice([2, 3, 4, 4, 5]) - rng.random() for _ in range(rng.randint(5, 140))]
    ours = stats.welch_interval(before, after)
    ref = scipy_stats.ttest_ind(after, before, equal_var=False).confidence_interval(0.95)
    assert ours.low == pytest.approx(ref.low, abs=1e-9)
    assert ours.high == pytest.approx(ref.high, abs=1e-9)
    assert ours.difference == pytest.approx(sum(after) / len(after) - sum(before) / len(before))


def test_a_small_change_on_noisy_answers_is_within_random_variation():
    # +0.1 on 100 against 130 answers spread over the whole scale: not a result.
    before = [1, 2, 3, 4, 5] * 20
    after = [1, 2, 3, 4, 5] * 26
    ones = [i for i, v in enumerate(after) if v == 1]
    for i in ones[:13]:
        after[i] = 2  # +13 over 130 answers: +0.1 on average
    interval = stats.welch_interval(before, after)
    assert interval.difference == pytest.approx(0.1)
    assert interval.verdict == stats.NOISE and interval.verdict_label == "innenfor tilfeldig variasjon"


def test_a_large_consistent_change_is_a_clear_improvement_or_decline():
    low, high = [2, 2, 3, 2, 3, 2] * 5, [4, 4, 5, 4, 4, 5] * 5
    assert stats.welch_interval(low, high).verdict == stats.IMPROVEMENT
    assert stats.welch_interval(high, low).verdict == stats.DECLINE


def test_no_spread_gives_an_exact_interval_and_too_few_gives_none():
    assert stats.welch_interval([3, 3, 3], [4, 4, 4]).low == 1.0
    assert stats.welch_interval([3], [4, 4]) is None


def test_cronbach_alpha_matches_the_textbook_formula():
    # Three items, five respondents; hand-checked against the variance formula.
    rows = [[4, 4, 5], [2, 3, 2], [3, 3, 3], [5, 4, 5], [1, 2, 1]]
    k = 3
    item_vars = [scipy_stats.tvar([r[i] for r in rows]) for i in range(k)]
    total = scipy_stats.tvar([sum(r) for r in rows])
    assert stats.cronbach_alpha(rows) == pytest.approx(k / (k - 1) * (1 - sum(item_vars) / total))
    assert stats.cronbach_alpha(rows) > 0.9


def test_cronbach_alpha_is_low_for_unrelated_items_and_none_without_two_items():
    rows = [[1, 5], [5, 2], [2, 4], [4, 1], [3, 3]]
    assert stats.cronbach_alpha(rows) < stats.ALPHA_WARNING_BELOW
    assert stats.cronbach_alpha([[1], [2]]) is None
