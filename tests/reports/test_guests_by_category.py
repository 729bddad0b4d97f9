"""The progress report shows participants who are not leaders by category, per session and per
activity kind, in tagged tables (one /Table each, every TH scoped), apart from the leader figures."""

import re

import pytest
import time_machine

from reports.documents import programme_report
from tests.programmes.test_guests import NOW, _held_conference_with_guests
from tests.reports.conftest import pdf_text
from tests.reports.test_pdf_structure import _structure

pytestmark = pytest.mark.django_db


def test_the_progress_report_shows_guests_by_category_in_tagged_tables(hr_user):
    with time_machine.travel(NOW, tick=False):
        programme, _session, _leaders = _held_conference_with_guests(hr_user)
        result = programme_report(programme, user=hr_user)

    text = re.sub(r"\s+", " ", pdf_text(result.pdf))
    assert "Gjester etter kategori" in text or "Guests by category" in text
    assert re.search(r"(Politiker|Politician) 1 1 1", text)
    assert re.search(r"(Tillitsvalgt|Union representative) 1 1 1", text)
    assert re.search(r"(Gjest|Guest) 1 0 0", text)
    assert re.search(r"(Totalt|Total) 3 2 2", text)

    counts = _structure(result.pdf)
    assert counts["unscoped"] == 0
    assert counts["/Table"] >= 2 and counts["/TH"] > 0
