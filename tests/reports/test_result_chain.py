"""The progress report's first page tells the result chain: activities, outputs, effects."""

import re
import subprocess

import pytest

from reports.content.programme import programme_report_data
from reports.documents import programme_report
from tests.reports.test_reports import two_closed_waves
from tests.surveys.factories import add_responses

pytestmark = pytest.mark.django_db


def _page(pdf: bytes, number: int) -> str:
    out = subprocess.run(
        ["pdftotext", "-f", str(number), "-l", str(number), "-", "-"], input=pdf, capture_output=True, check=True
    )
    return re.sub(r"\s+", " ", out.stdout.decode("utf-8"))


def test_first_page_has_activities_outputs_and_effects_with_intervals(programme_data, hr_user):
    programme = programme_data["programme"]
    baseline, follow = two_closed_waves(programme)
    add_responses(baseline, 8, values=[2, 3])
    add_responses(follow, 8, values=[4, 5])
    chain = programme_report_data(programme)["chain"]
    [change] = chain["effects"]["changes"]
    assert change["improved"] and not change["declined"]
    assert chain["outputs"]["enrolled"] == programme_data["programme"].enrolments.count()

    hr_user.language = "nb"
    pdf = programme_report(programme, user=hr_user).pdf
    first = _page(pdf, 1)
    assert "Resultatkjeden" in first
    for step in ("Aktiviteter", "Produkter og tjenester", "Effekter"):
        assert step in first
    assert "Tydelig bedring (95 %-intervall)" in first
    trust = next(r for r in change["improved"] if r.key == "trust")
    low = f"{trust.interval.low:.2f}".replace(".", ",")
    assert low in first


def test_a_change_hidden_under_k_is_counted_not_shown_on_the_first_page(programme_data, hr_user):
    programme = programme_data["programme"]
    baseline, follow = two_closed_waves(programme)
    add_responses(baseline, 8, values=[2])
    add_responses(follow, 10, values=[5])  # 2 more than before: fewer than k, hidden
    [change] = programme_report_data(programme)["chain"]["effects"]["changes"]
    assert change["improved"] == [] and change["hidden"] > 0
    hr_user.language = "nb"
    first = _page(programme_report(programme, user=hr_user).pdf, 1)
    assert "skjult (for få svar)" in first and "Tydelig bedring" not in first


def test_the_report_pools_end_of_pair_evaluations_over_pairs(programme_data, hr_user):
    import time_machine
    from django.utils import timezone

    from tests.surveys.test_pair_cohorts import _at, _pair_evaluations

    programme = programme_data["programme"]
    _pair_evaluations(programme, 2025, 3, values=(3, 5))
    with time_machine.travel(_at(2026, 3, 1), tick=False):
        [duo] = programme_report_data(programme)["mentoring"]
        [cohort] = duo["cohorts"]
        assert cohort.available and cohort.n == 6
        hr_user.language = "nb"
        text = re.sub(r"\s+", " ", _page_all(programme_report(programme, user=hr_user).pdf))
        assert "Evalueringer ved slutten av mentorparene" in text and "Tillit på tvers 4,0" in text
        assert timezone.localdate().year == 2026


def _page_all(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
