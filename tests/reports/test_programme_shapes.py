"""The progress report shows the programme's leader-group courses and how far each has come."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from programmes import services
from programmes.models import Registration
from reports.documents import programme_report
from tests.factories import FacilitatorFactory, HRUserFactory, LeaderFactory, LeaderGroupFactory, OrganisationFactory
from tests.programmes.factories import ProgrammeFactory
from tests.reports.conftest import pdf_text

pytestmark = pytest.mark.django_db
OSLO = ZoneInfo("Europe/Oslo")


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=OSLO), tick=False):
        yield


def test_the_progress_report_lists_courses_with_sessions_held_and_attendance():
    programme = ProgrammeFactory(name="Tilbud til toppledere")
    org = OrganisationFactory(name="Bydel Grorud")
    group = LeaderGroupFactory(organisation=org, members=[LeaderFactory(organisation=org) for _ in range(2)])
    template = services.course_template_create(
        name="Ledergruppeutvikling", session_titles=[f"Samling {n}" for n in range(1, 7)], by=None
    )
    (course,) = services.courses_create(
        programme=programme,
        template=template,
        groups=[group],
        first_starts_at=datetime(2026, 9, 1, 13, 0, tzinfo=OSLO),  # sessions 1–3 are past on 2 November
        facilitator=FacilitatorFactory(name="Frida Fasilitator"),
        place="Rådhuset",
        publish=True,
        by=None,
    )
    a, b = group.members.order_by("pk")
    for link in course.course_sessions.select_related("session").order_by("position")[:3]:
        Registration.objects.create(session=link.session, leader=a, status="confirmed", attendance="attended")
    text = " ".join(pdf_text(programme_report(programme, user=HRUserFactory()).pdf).split())
    assert "Ledergruppeforløp" in text
    assert "Ledergruppeutvikling – Toppledergruppen i" in text and "Frida" in text
    assert "2 3 av 6 50 %" in text  # members, held of planned, 3 of 6 possible attendances


def test_the_progress_report_lists_collaboration_projects_with_status_and_outcome():
    programme = ProgrammeFactory(name="Tilbud til toppledere")
    a, b = LeaderFactory(), LeaderFactory()
    services.project_create(
        programme=programme,
        title="Delt vikarpool",
        leaders=[a, b],
        status="completed",
        outcome="Vikarpoolen er i drift.",
        by=None,
    )
    text = " ".join(pdf_text(programme_report(programme, user=HRUserFactory()).pdf).split())
    after = text.split("Samhandlingsprosjekter", 1)[1]  # the section's heading
    assert "Delt" in after and "vikarpool" in after  # the title (wrapped in its column)
    assert "Gjennomført" in after and "Vikarpoolen er i" in after  # status and outcome
