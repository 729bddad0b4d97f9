"""Mentor capacity holds (PostgreSQL: the project's test database) when HR (or two HR people) add pairs at the same moment.

The service locks the mentor's row before counting; a wrapper makes both requests wait at
a barrier right after their capacity check. With the lock the second request is still
waiting for the row (the barrier times out, the first commits, the second then sees the
mentor full); without the lock both pass the check and the mentor ends up over capacity.
"""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection

from reflection_groups import services
from reflection_groups.models import MenteeWish, MentorPair, MentorProfile
from tests.factories import LeaderFactory, OrganisationFactory
from tests.reflection_groups.conftest import make_programme


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_pairs_never_put_a_mentor_over_capacity(monkeypatch):
    programme = make_programme()
    mentor = LeaderFactory(organisation=OrganisationFactory())
    MentorProfile.objects.create(leader=mentor, capacity=1)
    mentees = [LeaderFactory(organisation=OrganisationFactory()) for _ in range(2)]
    for m in mentees:
        MenteeWish.objects.create(leader=m, scheme="duo")

    barrier = threading.Barrier(2, timeout=2)
    original = services._check_pair

    def check_then_wait(**kwargs):
        original(**kwargs)
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass

    monkeypatch.setattr(services, "_check_pair", check_then_wait)
    outcomes = []

    def add(mentee):
        try:
            services.pair_create(programme=programme, scheme="duo", mentor=mentor, mentee=mentee)
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        except OperationalError:  # SQLite serialises writers by refusing them ("database is locked")
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=add, args=(m,)) for m in mentees]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert sorted(outcomes) == ["ok", "refused"]
    assert MentorPair.objects.filter(mentor=mentor).count() == 1
