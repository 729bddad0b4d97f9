"""The progress report counts hybrid sessions by mode: confirmed and attended, in the room and online."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from programmes.models import Registration, Session
from reports.content.programme import programme_report_data
from reports.documents import programme_report
from tests.programmes.factories import ProgrammeFactory, RegistrationFactory, SessionFactory, enrolled_leader
from tests.reports.conftest import pdf_text

pytestmark = pytest.mark.django_db


def test_the_progress_report_shows_hybrid_sessions_by_mode(hr_user):
    programme = ProgrammeFactory(name="Tilbud til toppledere")
    start = timezone.now() - timedelta(days=3)
    session = SessionFactory(
        programme=programme,
        title="Hybrid ledersamling",
        format=Session.Format.HYBRID,
        video_link="https://teams.example.no/x",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
    )
    SessionFactory(programme=programme, title="Bare i salen")  # not hybrid: not in the table
    marks = [
        ("room", "attended"),
        ("room", "attended"),
        ("room", "no_show"),
        ("online", "attended"),
        ("online", "unknown"),
    ]
    for mode, attendance in marks:
        RegistrationFactory(
            session=session, leader=enrolled_leader(programme), status="confirmed", mode=mode, attendance=attendance
        )
    RegistrationFactory(session=session, leader=enrolled_leader(programme), status="cancelled", mode="online")

    data = programme_report_data(programme)["hybrid"]
    assert [r["session"].title for r in data["rows"]] == ["Hybrid ledersamling"]
    assert data["total"] == {"room": [3, 2], "online": [2, 1]}

    text = re.sub(r"[ \t]+", " ", pdf_text(programme_report(programme, user=hr_user).pdf))
    assert "Hybride samlinger etter deltakelsesform" in text or "Hybrid sessions by mode" in text
    section = text[text.find("by mode") :]
    assert re.search(r"Hybrid\s+3 2 2 1", section), section[:400]  # the title wraps in its cell
    assert "Total 3 2 2 1" in section
    assert Registration.objects.filter(session=session).count() == 6
