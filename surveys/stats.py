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


def welch_interval(before, after, *, confidence: float = CONFIDENCE) -> Interval | None:
    """The interval for mean(after) - mean(before); None with fewer than two in a wave."""
    n_b, m_b, v_b = mean_var(before)
    n_a, m_a, v_a = mean_var(after)
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
    total_var = mean_var(sum(r) for r in rows)[2]
    if not total_var:
        return None
    return items / (items - 1) * (1 - sum(item_vars) / total_var)
