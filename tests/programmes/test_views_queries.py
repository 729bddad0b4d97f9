"""The main pages run a fixed number of SQL queries: the same for 10 leaders as for 200.

Each test measures a page on a small data set, grows the data twentyfold (more leaders,
enrolments, registrations, waiting lists, commitments, organisations), measures again,
and pins both the equality and an upper bound.
"""

from datetime import timedelta
from itertools import count

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from programmes import seats
from programmes.models import Commitment, ProgrammeEnrolment, Registration, Session
from tests.factories import OrganisationFactory, SectorFactory
from tests.programmes.factories import ProgrammeFactory, SessionFactory
from tests.programmes.web import *  # noqa: F403
from tests.programmes.web import login
from toppleder.models import Leader, User

pytestmark = pytest.mark.django_db

_seq = count()


class World:
    """A running programme whose size can grow: sessions with seats, waiting lists and a past session."""

    def __init__(self):
        self.programme = ProgrammeFactory()
        self.sectors = [SectorFactory() for _ in range(3)]
        self.orgs = []
        self.big = SessionFactory(programme=self.programme, capacity=10_000, title="Byrådets ledersamling")
        self.small = [SessionFactory(programme=self.programme, capacity=3) for _ in range(3)]
        self.past = SessionFactory(
            programme=self.programme,
            starts_at=timezone.now() - timedelta(days=20),
            status=Session.Status.COMPLETED,
            title="Forrige samling",
        )
        self.leaders = []
        self.me = self.add_leaders(1)[0]

    def add_leaders(self, n):
        new = []
        for _ in range(n):
            i = next(_seq)
            if len(self.orgs) < 40 and i % 5 == 0:
                self.orgs.append(OrganisationFactory(sector=self.sectors[i % 3]))
            org = self.orgs[i % len(self.orgs)] if self.orgs else OrganisationFactory(sector=self.sectors[0])
            if not self.orgs:
                self.orgs.append(org)
            new.append(Leader(user=User(email=f"q{i:05d}@toppleder.example", name=f"Kari Q{i:05d}"), organisation=org))
        users = User.objects.bulk_create([le.user for le in new])
        for le, user in zip(new, users, strict=False):
            le.user = user
        new = Leader.objects.bulk_create(new)
        ProgrammeEnrolment.objects.bulk_create(ProgrammeEnrolment(programme=self.programme, leader=le) for le in new)
        regs = []
        for le in new:
            regs.append(Registration(session=self.big, leader=le, status="confirmed"))
            regs.append(Registration(session=self.past, leader=le, status="confirmed", attendance="attended"))
        Registration.objects.bulk_create(regs)
        for session in self.small:
            taken = session.registrations.filter(status="confirmed").count()
            last = session.registrations.filter(status="waitlisted").count()
            regs = []
            for le in new:
                if taken < session.capacity:
                    regs.append(Registration(session=session, leader=le, status="confirmed"))
                    taken += 1
                else:
                    last += 1
                    regs.append(Registration(session=session, leader=le, status="waitlisted", waitlist_position=last))
            Registration.objects.bulk_create(regs)
        everyone = [self.me, *new] if self.leaders else new
        pairs = list(zip(everyone[::2], everyone[1::2], strict=False))
        # Every other commitment is past its due date: HR's "Needs action" lists those with their parties.
        overdue = timezone.localdate() - timedelta(days=3)
        commitments = Commitment.objects.bulk_create(
            Commitment(
                programme=self.programme, session=self.past, text="Felles tiltak", due_date=overdue if i % 2 else None
            )
            for i, _pair in enumerate(pairs)
        )
        Parties, Orgs = Commitment.parties.through, Commitment.organisations.through
        Parties.objects.bulk_create(
            Parties(commitment=c, leader=le)
            for c, (a, b) in zip(commitments, pairs, strict=False)
            for le in {a, b, self.me}
        )
        Orgs.objects.bulk_create(
            Orgs(commitment=c, organisation_id=o)
            for c, (a, b) in zip(commitments, pairs, strict=False)
            for o in {a.organisation_id, b.organisation_id}
        )
        self.leaders.extend(new)
        seats.recount()  # the registrations came in bulk, past the services
        return new

    def grow_to(self, n):
        self.add_leaders(n - len(self.leaders))


def queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200, (url, r.status_code)
    return len(ctx.captured_queries)


def same_count_small_and_large(client, url, world, django_assert_max_num_queries, limit):
    """Every page at most 10 queries (the shared layout's included), the same with 10 leaders as with 200."""
    queries(client, url)  # warm per-process caches (content types, templates)
    small = queries(client, url)
    world.grow_to(200)
    queries(client, url)  # warm again (per-process caches)
    with django_assert_max_num_queries(limit):
        large = queries(client, url)
    assert small == large, f"{url}: {small} queries with 10 leaders, {large} with 200"
    return large


@pytest.fixture
def world(db):
    w = World()
    w.grow_to(10)
    return w


def test_leader_dashboard_query_count_is_flat(client, world, django_assert_max_num_queries):
    login(client, world.me.user)
    # 10: the user (1); roles, profile, organisation and leader groups' names (1); the upcoming
    # sessions and those held in one UNION (1); pair (1) and groups (1); open surveys (1); theme
    # choices (1); own actions (1); open commitments with parties (1); courses and projects in
    # one UNION (1). Was 14.
    same_count_small_and_large(client, "/", world, django_assert_max_num_queries, 10)


def test_leader_dashboard_after_a_change_asks_the_same_queries(client, world, django_assert_max_num_queries):
    login(client, world.me.user)
    queries(client, "/")
    before = queries(client, "/")
    world.grow_to(40)  # new registrations, enrolments and commitments
    with django_assert_max_num_queries(10):
        assert queries(client, "/") == before  # built on every visit: no cheaper "cached" visit


def test_hr_dashboard_query_count_is_flat(client, hr, world, django_assert_max_num_queries):
    login(client, hr)
    # 10 (was 14): "Needs action" in two (waiting lists and attendance not recorded in one
    # UNION; the first overdue commitments with their parties and the overdue count in one),
    # the pair and group counts in one UNION, roles and profile in one.
    same_count_small_and_large(client, "/", world, django_assert_max_num_queries, 10)


def test_programme_detail_query_count_is_flat_for_hr(client, hr, world, django_assert_max_num_queries):
    login(client, hr)
    url = reverse("programmes:programme_detail", args=[world.programme.pk])
    same_count_small_and_large(client, url, world, django_assert_max_num_queries, 10)


def test_programme_detail_query_count_is_flat_for_a_leader(client, world, django_assert_max_num_queries):
    login(client, world.me.user)
    url = reverse("programmes:programme_detail", args=[world.programme.pk])
    same_count_small_and_large(client, url, world, django_assert_max_num_queries, 10)


def test_session_page_query_count_is_flat_for_hr(client, hr, world, django_assert_max_num_queries):
    login(client, hr)
    url = reverse("programmes:session_detail", args=[world.big.pk])
    # HR's page holds every list and form of the session; 2 of the 12 are the commitment
    # form's choices (leaders, organisations).
    same_count_small_and_large(client, url, world, django_assert_max_num_queries, 12)


def test_session_page_with_waiting_list_query_count_is_flat_for_hr(client, hr, world, django_assert_max_num_queries):
    login(client, hr)
    url = reverse("programmes:session_detail", args=[world.small[0].pk])
    # HR's page holds every list and form of the session; 2 of the 12 are the commitment
    # form's choices (leaders, organisations).
    same_count_small_and_large(client, url, world, django_assert_max_num_queries, 12)


def test_session_page_query_count_is_flat_for_a_leader(client, world, django_assert_max_num_queries):
    login(client, world.me.user)
    url = reverse("programmes:session_detail", args=[world.big.pk])
    same_count_small_and_large(client, url, world, django_assert_max_num_queries, 10)


def test_programme_list_query_count_is_flat(client, hr, world, django_assert_max_num_queries):
    for _ in range(5):
        ProgrammeFactory()
    login(client, hr)
    same_count_small_and_large(client, reverse("programmes:programme_list"), world, django_assert_max_num_queries, 10)


def test_programme_list_query_count_is_flat_for_a_leader(client, world, django_assert_max_num_queries):
    login(client, world.me.user)
    same_count_small_and_large(client, reverse("programmes:programme_list"), world, django_assert_max_num_queries, 10)


def test_enrolment_list_query_count_is_flat(client, hr, world, django_assert_max_num_queries):
    login(client, hr)
    url = reverse("programmes:enrolment_list", args=[world.programme.pk]) + "?find=Kari"
    same_count_small_and_large(client, url, world, django_assert_max_num_queries, 10)


def test_measure_area_query_count_is_flat(client, hr, world, django_assert_max_num_queries):
    from programmes.models import Measure

    measure = Measure.objects.filter(area__key="competence_support").first()
    for s in [world.big, *world.small]:
        s.measures.add(measure)
    login(client, hr)
    url = reverse("programmes:measure_area", args=["competence_support"])
    same_count_small_and_large(client, url, world, django_assert_max_num_queries, 10)
