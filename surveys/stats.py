"""The statistics behind the survey figures: pure functions over plain numbers.

* `welch_interval`: the 95 % interval of the difference between two waves' means (Welch's
  t interval, the two waves being independent samples: answers are anonymous, so nobody can
  be paired across waves). Checked against SciPy's
  `ttest_ind(equal_var=False).confidence_interval()` in tests/surveys/test_stats.py.
* `verdict`: the plain-language reading of an interval.
* `cronbach_alpha`: internal consistency of a factor's items in one wave.

Nothing here knows about k: callers pass only figures of groups already at or above it.
"""

import math
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from scipy import stats as scipy_stats

CONFIDENCE = 0.95
ALPHA_WARNING_BELOW = 0.6

IMPROVEMENT = "improvement"
NOISE = "noise"
DECLINE = "decline"
VERDICTS = {
    IMPROVEMENT: _("clear improvement"),
    NOISE: _("within random variation"),
    DECLINE: _("clear decline"),
}


@dataclass(frozen=True)
class Interval:
    difference: float
    low: float
    high: float
    df: float | None

    @property
    def verdict(self) -> str:
        return verdict(self.low, self.high)

    @property
    def verdict_label(self) -> str:
        return str(VERDICTS[self.verdict])


def mean_var(values) -> tuple[int, float, float]:
    """(n, mean, sample variance with n - 1)."""
    values = list(values)
    n = len(values)
    if n == 0:
        return 0, math.nan, math.nan
    mean = sum(values) / n
    var = sum((v - mean) ** 2 for v in values) / (n - 1) if n > 1 else math.nan
    return n, mean, var


def mean_var_of_sums(n, total, squares) -> tuple[int, float, float]:
    """(n, mean, sample variance) from n, the sum and the sum of squares, as the database
    gives them (SUM(x), SUM(x * x)): the same figures as `mean_var` without the values."""
    n = int(n or 0)
    if n == 0:
        return 0, math.nan, math.nan
    total, squares = float(total), float(squares)
    mean = total / n
    # Rounding can leave a tiny negative for values that are all equal: no spread.
    var = max(0.0, (squares - total * total / n) / (n - 1)) if n > 1 else math.nan
    return n, mean, var


def welch_interval(before, after, *, confidence: float = CONFIDENCE) -> Interval | None:
    """The interval for mean(after) - mean(before); None with fewer than two in a wave."""
    return welch_interval_of(mean_var(before), mean_var(after), confidence=confidence)


def welch_interval_of(before: tuple, after: tuple, *, confidence: float = CONFIDENCE) -> Interval | None:
    """`welch_interval` from each wave's (n, mean, sample variance)."""
    n_b, m_b, v_b = before
    n_a, m_a, v_a = after
    if n_b < 2 or n_a < 2:
        return None
    diff = m_a - m_b
    se_b, se_a = v_b / n_b, v_a / n_a
    se2 = se_a + se_b
    if se2 == 0:
        # Everyone in both waves gave the same answer: no spread, the difference is exact.
        return Interval(diff, diff, diff, None)
    df = se2**2 / (se_a**2 / (n_a - 1) + se_b**2 / (n_b - 1))
    t = float(scipy_stats.t.ppf(0.5 + confidence / 2, df))
    half = t * math.sqrt(se2)
    return Interval(diff, diff - half, diff + half, df)


def verdict(low: float, high: float) -> str:
    if low > 0:
        return IMPROVEMENT
    if high < 0:
        return DECLINE
    return NOISE


def cronbach_alpha(rows) -> float | None:
    """α over complete rows (one list of item values per respondent, same items in each).
    None for fewer than two items or two respondents, or when the total has no spread."""
    rows = [list(r) for r in rows]
    if len(rows) < 2 or not rows[0] or len(rows[0]) < 2:
        return None
    items = len(rows[0])
    item_vars = [mean_var(r[i] for r in rows)[2] for i in range(items)]
    return cronbach_alpha_of(item_vars, mean_var(sum(r) for r in rows)[2])


def cronbach_alpha_of(item_vars: list, total_var: float) -> float | None:
    """α from the items' variances and the variance of the respondents' totals (the same
    respondents for each); None for fewer than two items or a total without spread."""
    items = len(item_vars)
    if items < 2 or not total_var or math.isnan(total_var):
        return None
    return items / (items - 1) * (1 - sum(item_vars) / total_var)
