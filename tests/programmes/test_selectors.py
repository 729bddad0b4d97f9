"""Reads: the right rows for the right person, counts from the database, constant query counts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from programmes import selectors
from programmes.models import Measure, ProgrammeEnrolment
from tests.factories import HRUserFactory, LeaderFactory, LeaderGroupFactory, OrganisationFactory, UserFactory
from tests.programmes.factories import (
    CommitmentFactory,
    ProgrammeFactory,
    RegistrationFactory,
    SessionFactory,
    enrolled_leader,
)

pytestmark = pytest.mark.django_db


def _many_sessions(programme, n, regs_each):
    sessions = [SessionFactory(programme=programme, capacity=regs_each + 2) for _ in range(n)]
    for s in sessions:
        for _ in range(regs_each):
            RegistrationFactory(session=s)
        RegistrationFactory(session=s, status="waitlisted", waitlist_position=1)
    return sessions


def test_sessions_upcoming_for_shows_only_what_the_leader_may_sign_up_for():
    programme = ProgrammeFactory()
    leader = enrolled_leader(programme)
    open_session = SessionFactory(programme=programme, capacity=3)
    mine = SessionFactory(programme=programme)
    group_session = SessionFactory(programme=programme)
    group_session.reserved_for_groups.set([LeaderGroupFactory(members=[leader])])
    others = SessionFactory(programme=programme)
    others.reserved_for_groups.set([LeaderGroupFactory()])
    SessionFactory(programme=programme, status="draft")
    SessionFactory(programme=programme, starts_at=timezone.now() - timedelta(days=1))
    SessionFactory()  # a programme the leader is not enrolled in
    RegistrationFactory(session=mine, leader=leader)
    RegistrationFactory(session=open_session)

    rows = {s.pk: s for s in selectors.sessions_upcoming_for(leader)}

    assert set(rows) == {open_session.pk, mine.pk, group_session.pk}
    assert rows[mine.pk].my_status == "confirmed" and rows[mine.pk].my_registration_id
    assert rows[open_session.pk].my_status is None
    assert (rows[open_session.pk].confirmed_count, rows[open_session.pk].seats_left) == (1, 2)
    assert len(selectors.sessions_upcoming_for(leader, limit=2)) == 2


def test_sessions_upcoming_for_withdrawn_leader_is_empty():
    programme = ProgrammeFactory()
    leader = enrolled_leader(programme)
    SessionFactory(programme=programme)
    ProgrammeEnrolment.objects.filter(leader=leader).update(status="withdrawn")
    assert list(selectors.sessions_upcoming_for(leader)) == []


@pytest.mark.parametrize("n", [2, 12])
def test_upcoming_sessions_query_count_is_constant(django_assert_num_queries, n):
    programme = ProgrammeFactory()
    leader = enrolled_leader(programme)
    _many_sessions(programme, n, 3)
    with django_assert_num_queries(1):
        rows = list(selectors.sessions_upcoming_for(leader))
        assert [r.programme.name for r in rows]
    assert all(r.confirmed_count == 3 and r.waitlist_count == 1 for r in rows)


@pytest.mark.parametrize("n", [2, 12])
def test_fill_rates_and_hr_overview_query_counts_are_constant(django_assert_num_queries, n):
    programme = ProgrammeFactory()
    _many_sessions(programme, n, 2)
    with django_assert_num_queries(1):
        rows = list(selectors.sessions_fill_rates(programme))
    assert all(r.fill_percent == 50 for r in rows)
    with django_assert_num_queries(3):
        overview = selectors.hr_overview()
        list(overview["programmes"]), list(overview["sessions_this_month"]), list(overview["waiting_lists"])
    assert len(overview["waiting_lists"]) == n


def test_registrations_for_is_the_leaders_history_in_one_query(django_assert_num_queries):
    leader = LeaderFactory()
    for _ in range(5):
        RegistrationFactory(leader=leader, attendance="attended")
    RegistrationFactory()
    with django_assert_num_queries(1):
        rows = [(r.session.title, r.session.programme.name, r.attendance) for r in selectors.registrations_for(leader)]
    assert len(rows) == 5


def test_enrolment_summary_counts_per_organisation_and_sector():
    programme = ProgrammeFactory()
    a, b = OrganisationFactory(), OrganisationFactory()
    for org, n in ((a, 3), (b, 1)):
        for _ in range(n):
            enrolled_leader(programme, organisation=org)
    withdrawn = enrolled_leader(programme, organisation=b)
    ProgrammeEnrolment.objects.filter(leader=withdrawn).update(status="withdrawn")
    summary = selectors.enrolment_summary(programme)
    assert summary["total"] == 4
    assert {r["organisation"]: r["count"] for r in summary["by_organisation"]} == {a.name: 3, b.name: 1}
    assert sum(r["count"] for r in summary["by_sector"]) == 4


def test_waitlist_in_order():
    session = SessionFactory(capacity=1)
    third = RegistrationFactory(session=session, status="waitlisted", waitlist_position=3)
    first = RegistrationFactory(session=session, status="waitlisted", waitlist_position=1)
    RegistrationFactory(session=session)
    assert list(selectors.waitlist(session)) == [first, third]


def test_programmes_for_user_hr_sees_all_leader_only_own():
    mine, other = ProgrammeFactory(), ProgrammeFactory()
    leader = enrolled_leader(mine)
    assert set(selectors.programmes_for_user(HRUserFactory())) == {mine, other}
    assert list(selectors.programmes_for_user(leader.user)) == [mine]
    assert list(selectors.programmes_for_user(UserFactory())) == []
    assert selectors.programmes_for_user(leader.user)[0].enrolled_count == 1


def test_commitments_for_a_party_only(django_assert_num_queries):
    leader = LeaderFactory()
    for _ in range(3):
        CommitmentFactory(parties=[leader, LeaderFactory()])
    CommitmentFactory(parties=[LeaderFactory()])
    with django_assert_num_queries(3):
        rows = [
            (c.programme.name, [p.name for p in c.parties.all()], list(c.organisations.all()))
            for c in selectors.commitments_for(leader)
        ]
    assert len(rows) == 3


def test_measure_areas_count_delivered_sessions(django_assert_num_queries):
    measure = Measure.objects.get(area__key="competence_support", order=1)
    for status in ("completed", "completed", "published", "draft"):
        SessionFactory(status=status).measures.add(measure)
    # Areas, measures with their counts, their linked sessions, the actions that update them.
    with django_assert_num_queries(4):
        areas = list(selectors.measure_areas_with_measures())
        counted = {m.pk: (m.delivered_count, m.planned_count) for a in areas for m in a.measures.all()}
        linked = {m.pk: len(m.sessions.all()) for a in areas for m in a.measures.all()}
    assert len(areas) == 4
    assert counted[measure.pk] == (2, 1)
    assert linked[measure.pk] == 3  # the draft is not linked yet


def test_session_detail_404s_for_missing_session():
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.session_detail(999999)
    session = SessionFactory()
    assert selectors.session_detail(session.pk).seats_left == session.capacity
