"""seed_demo for programmes: a living programme, leder001's view, idempotent."""

import io
import random

import pytest

from programmes import demo, seats, selectors
from programmes.models import Commitment, GroupBooking, Measure, Programme, ProgrammeEnrolment, Registration, Session
from toppleder import demo as core_demo
from toppleder.models import Leader

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Assertions read the English source messages; test_imports checks the bokmål ones."""
    from django.utils import translation

    with translation.override("en"):
        yield


def _seed():
    out = io.StringIO()
    core_demo.seed(size="small", rng=random.Random(1), stdout=out, password="demo-pass-123")
    demo.seed(size="small", rng=random.Random(2), stdout=out)
    return out.getvalue()


def _counts():
    return [m.objects.count() for m in (Programme, ProgrammeEnrolment, Session, Registration, Commitment)]


def test_demo_has_a_living_programme_and_is_idempotent():
    _seed()
    assert seats.drift() == []  # the registrations came by COPY: counted afterwards
    before = _counts()
    programme = Programme.objects.get(name="Tilbud til toppledere", period="2026/27")
    assert programme.status == Programme.Status.RUNNING
    sessions = selectors.sessions_fill_rates(programme)
    past = [s for s in sessions if s.status == Session.Status.COMPLETED]
    upcoming = [s for s in sessions if s.status == Session.Status.PUBLISHED]
    assert past and all(s.confirmed_count for s in past)
    assert Registration.objects.filter(session__in=past, attendance="attended").exists()
    assert any(s.seats_left > 0 for s in upcoming)
    full = [s for s in upcoming if s.seats_left == 0 and s.waitlist_count > 0 and "(hybrid)" not in s.title]
    assert len(full) == 1
    # A leader group booked "all or none" by its top leader waits on the full session as one unit.
    booking = GroupBooking.objects.get(session=full[0])
    assert booking.mode == "all" and booking.booked_by.level == 1
    assert set(booking.registrations.values_list("status", flat=True)) == {"waitlisted"}
    assert booking.registrations.count() == booking.size >= 3
    # A hybrid session full in the room and open online (no limit).
    hybrid = Session.objects.get(programme=programme, format="hybrid", title__startswith="Ledersamling (hybrid)")
    assert hybrid.seats_left == 0 and hybrid.waitlist_count == 2
    assert hybrid.online_open and hybrid.online_confirmed_count == 6
    assert selectors.enrolment_summary(programme)["by_organisation"].__len__() > 10
    assert Measure.objects.exclude(status="not_started").exists()
    assert Measure.objects.filter(sessions__isnull=False).exists()

    _seed()
    assert _counts() == before


def test_demo_leader_001_has_sessions_history_and_a_commitment():
    _seed()
    leader = Leader.objects.get(user__email="leder001@toppleder.example")
    upcoming = list(selectors.sessions_upcoming_for(leader))
    assert any(s.my_status is None and s.seats_left > 0 for s in upcoming)
    assert any(s.my_status == "confirmed" for s in upcoming)
    assert any(s.my_status == "waitlisted" for s in upcoming)
    assert selectors.registrations_for(leader).filter(attendance="attended").exists()
    assert selectors.commitments_for(leader).exists()


def test_demo_has_two_leader_group_courses_one_under_way():
    from programmes.models import Course

    _seed()
    programme = Programme.objects.get(name="Tilbud til toppledere", period="2026/27")
    courses = selectors.course_overview(programme)
    assert len(courses) == 2
    running = max(courses, key=lambda c: c.held)
    assert running.held == 3 and running.planned == 6 and 0 < running.attendance_percent < 100
    progress = selectors.course_progress(running)
    assert progress["groups"][0]["commitments"]
    _seed()
    assert Course.objects.count() == 2


def test_demo_has_two_collaboration_projects_one_with_leader_001():
    from programmes.models import CollaborationProject

    _seed()
    projects = list(CollaborationProject.objects.order_by("title"))
    assert len(projects) == 2
    assert {p.status for p in projects} == {"active", "completed"}
    assert all(p.organisations.count() >= 2 and p.sessions.exists() for p in projects)
    assert CollaborationProject.objects.filter(leaders__user__email="leder001@toppleder.example").count() == 1
    _seed()
    assert CollaborationProject.objects.count() == 2
