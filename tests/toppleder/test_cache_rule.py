"""The one cache rule (toppleder/caching.py), on real commits: a cached value is used while the
tables it was read from are unchanged, and a change counts from the moment its transaction
commits — not before (a rolled-back write changes nothing), not later (no clock, no margin)."""

import pytest
from django.core.cache import cache
from django.db import connection, transaction

from programmes.models import Programme
from toppleder import caching

pytestmark = pytest.mark.django_db(transaction=True)


def _names():
    return sorted(Programme.objects.values_list("name", flat=True))


def test_a_committed_write_is_seen_at_once_and_a_rolled_back_one_never():
    Programme.objects.create(name="A", period="2026")
    assert caching.cached("names", _names) == ["A"]
    Programme.objects.create(name="B", period="2026")  # autocommit: committed when it returns
    assert caching.cached("names", _names) == ["A", "B"]

    with pytest.raises(RuntimeError), transaction.atomic():
        Programme.objects.create(name="C", period="2026")
        raise RuntimeError
    entry = cache.get("names")
    assert caching.is_fresh(entry), "a rolled-back write must not invalidate anything"
    assert caching.cached("names", _names) == ["A", "B"]


def test_inside_the_writers_transaction_its_own_change_shows_and_nobody_else_reuses_it():
    Programme.objects.create(name="A", period="2026")
    assert caching.cached("names", _names) == ["A"]
    with transaction.atomic():
        Programme.objects.create(name="B", period="2026")
        assert caching.cached("names", _names) == ["A", "B"]  # its own change, before commit
        built_inside = cache.get("names")
    # Built from uncommitted rows, stored under a version only that transaction could see: once it
    # has committed, the value is stale (the table has a new version) and is built again.
    assert not caching.is_fresh(built_inside)
    assert caching.cached("names", _names) == ["A", "B"]


def test_a_rolled_back_savepoint_keeps_the_outer_transactions_change():
    Programme.objects.create(name="A", period="2026")
    assert caching.cached("names", _names) == ["A"]
    with transaction.atomic():
        Programme.objects.create(name="B", period="2026")
        try:
            with transaction.atomic():
                Programme.objects.create(name="C", period="2026")
                raise RuntimeError
        except RuntimeError:
            pass
    assert caching.cached("names", _names) == ["A", "B"]


def test_bulk_updates_and_raw_sql_writes_count_too():
    Programme.objects.create(name="A", period="2026")
    assert caching.cached("names", _names) == ["A"]
    Programme.objects.update(name="Ny")
    assert caching.cached("names", _names) == ["Ny"]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE programmes_programme SET name = %s", ["Rå"])
    assert caching.cached("names", _names) == ["Rå"]


def test_a_lost_version_makes_every_value_read_from_that_table_unusable():
    Programme.objects.create(name="A", period="2026")
    caching.cached("names", _names)
    cache.delete(caching.VERSION_KEY.format("programmes_programme"))  # evicted, or a new cache server
    assert not caching.is_fresh(cache.get("names"))


def test_a_value_records_only_the_tables_it_read():
    Programme.objects.create(name="A", period="2026")
    entry, value = caching.build_recorded(_names)
    assert value == ["A"]
    assert "programmes_programme" in entry[0]
    assert "programmes_session" not in entry[0]


def test_a_write_that_changes_no_row_keeps_the_version():
    """An UPDATE whose WHERE matches nothing (a "seen" mark posted twice) changes nothing."""
    Programme.objects.create(name="A", period="2026")
    assert caching.cached("names", _names) == ["A"]
    assert Programme.objects.filter(name="finnes ikke").update(name="B") == 0
    with transaction.atomic():
        Programme.objects.filter(name="finnes ikke").delete()
    assert caching.is_fresh(cache.get("names"))
    Programme.objects.filter(name="A").update(name="B")
    assert not caching.is_fresh(cache.get("names"))


def test_a_table_written_by_triggers_changes_with_its_sources():
    """The enrolment counts are written by the database (triggers), never named by a statement:
    a value read from them is built again once a change to the enrolments commits."""
    from programmes.models import EnrolmentCount, ProgrammeEnrolment
    from tests.factories import OrganisationFactory
    from tests.programmes.factories import ProgrammeFactory, enrolled_leader

    def counts():
        return list(EnrolmentCount.objects.values_list("count", flat=True))

    leader = enrolled_leader(ProgrammeFactory(), organisation=OrganisationFactory())
    assert caching.cached("counts", counts) == [1]
    # Only the enrolments table is named (leaders and organisations are always checked anyway).
    ProgrammeEnrolment.objects.filter(leader=leader).update(status="withdrawn")
    assert caching.cached("counts", counts) == [0]
    with transaction.atomic():
        ProgrammeEnrolment.objects.filter(leader=leader).update(status="enrolled")
    assert caching.cached("counts", counts) == [1]
