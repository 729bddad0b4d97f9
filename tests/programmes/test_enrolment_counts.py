"""The enrolment counts per programme and organisation that the database keeps
(`EnrolmentCount`, triggers in migration 0014) equal the real number of active enrolments
after every way an enrolment or a leader's organisation can change: each public service
function (the audit test's scenarios), bulk updates that bypass the services, a leader who
moves, the cascades when a person or a programme is deleted, concurrent enrolments, the
migration's first count, and the same triggers on SQLite (the embedded default of
`make run`). The programme overview and HR's dashboard show these counts."""

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from programmes import services
from programmes.models import EnrolmentCount, Programme, ProgrammeEnrolment
from tests.factories import HRUserFactory, LeaderFactory, OrganisationFactory
from tests.programmes.factories import ProgrammeFactory, enrolled_leader
from tests.security.test_audit_completeness import _scenarios, w  # noqa: F401  (w: the fixture)

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def real_counts() -> dict:
    """(programme, organisation) → active enrolments, counted from the enrolments."""
    rows = ProgrammeEnrolment.objects.active().values_list("programme_id", "leader__organisation_id")
    return dict(Counter(rows))


def kept_counts() -> dict:
    return {
        (p, o): n
        for p, o, n in EnrolmentCount.objects.values_list("programme_id", "organisation_id", "count")
        if n  # a count that fell to 0 stays as a row; it counts nobody
    }


@pytest.mark.parametrize("name", sorted(_scenarios()))
def test_counts_equal_the_real_counts_after_every_service(w, name, django_capture_on_commit_callbacks):  # noqa: F811
    assert kept_counts() == real_counts()
    _scenarios()[name](w)
    assert kept_counts() == real_counts(), name


def test_the_scenarios_do_change_enrolments():
    """The parametrised test above is not vacuous: enrolling and withdrawing are among them."""
    names = set(_scenarios())
    for needed in ("enrolment_add", "enrolment_withdraw"):
        assert any(n.endswith(needed) for n in names)


def test_enrol_withdraw_enrol_again_and_bulk_updates_move_the_counts():
    hr = HRUserFactory()
    programme = ProgrammeFactory()
    a, b = OrganisationFactory(), OrganisationFactory()
    leaders = [LeaderFactory(organisation=a) for _ in range(3)] + [LeaderFactory(organisation=b)]
    assert services.enrolment_add(programme=programme, leaders=leaders, by=hr) == 4
    assert kept_counts() == {(programme.pk, a.pk): 3, (programme.pk, b.pk): 1}

    enrolment = ProgrammeEnrolment.objects.get(programme=programme, leader=leaders[0])
    services.enrolment_withdraw(enrolment=enrolment, by=hr)
    assert kept_counts()[(programme.pk, a.pk)] == 2
    services.enrolment_add(programme=programme, leaders=[leaders[0]], by=hr)  # enrolled again
    assert kept_counts()[(programme.pk, a.pk)] == 3

    # Around the services: a queryset update, a save that changes nothing counted, a delete.
    ProgrammeEnrolment.objects.filter(leader__organisation=a).update(status="withdrawn")
    assert kept_counts() == {(programme.pk, b.pk): 1}
    ProgrammeEnrolment.objects.filter(leader__organisation=a).update(status="enrolled")
    enrolment.refresh_from_db()
    enrolment.save()
    ProgrammeEnrolment.objects.filter(leader=leaders[3]).delete()
    assert kept_counts() == {(programme.pk, a.pk): 3} == real_counts()


def test_a_leader_who_moves_takes_their_enrolments_along():
    first, second = ProgrammeFactory(), ProgrammeFactory()
    a, b = OrganisationFactory(), OrganisationFactory()
    mover = enrolled_leader(first, organisation=a)
    ProgrammeEnrolment.objects.create(programme=second, leader=mover)
    enrolled_leader(first, organisation=a)
    withdrawn = enrolled_leader(second, organisation=a)
    ProgrammeEnrolment.objects.filter(leader=withdrawn).update(status="withdrawn")

    mover.organisation = b
    mover.save()
    assert kept_counts() == {(first.pk, a.pk): 1, (first.pk, b.pk): 1, (second.pk, b.pk): 1}
    # A withdrawn leader who moves counts nowhere; moving back by a queryset update counts again.
    from toppleder.models import Leader

    Leader.objects.filter(pk=withdrawn.pk).update(organisation=b)
    Leader.objects.filter(pk=mover.pk).update(organisation=a)
    assert kept_counts() == {(first.pk, a.pk): 2, (second.pk, a.pk): 1} == real_counts()


def test_deleting_a_person_or_a_programme_keeps_the_counts_and_leaves_no_orphans():
    programme, other = ProgrammeFactory(), ProgrammeFactory()
    org = OrganisationFactory()
    leaving = enrolled_leader(programme, organisation=org)
    enrolled_leader(programme, organisation=org)
    enrolled_leader(other, organisation=org)
    leaving.user.delete()  # the person is erased: their enrolment goes with them
    assert kept_counts() == {(programme.pk, org.pk): 1, (other.pk, org.pk): 1}
    Programme.objects.filter(pk=programme.pk).delete()
    assert kept_counts() == {(other.pk, org.pk): 1} == real_counts()
    assert not EnrolmentCount.objects.filter(programme_id=programme.pk).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("again", [False, True], ids=["new", "enrolled-again"])
def test_concurrent_enrolments_of_the_same_organisations_all_count(again):
    """Eight HR users enrol leaders of the same two organisations into one programme at the
    same moment, half of them naming the organisations in the opposite order: every
    enrolment is counted once, and nobody gets an error (no deadlock between the counts).
    New enrolments are written in organisation order; leaders enrolled again (their rows
    updated) find their organisations' counts locked in that order first."""
    from tests.programmes.test_concurrency import _run_concurrently

    hr = HRUserFactory()
    programme = ProgrammeFactory()
    a, b = OrganisationFactory(), OrganisationFactory()
    enrolled_leader(programme, organisation=a)  # both counts exist before the rush
    enrolled_leader(programme, organisation=b)
    batches = []
    for i in range(8):  # created (so ordered by id) a, b, a, b … or b, a, b, a …
        first, second = (a, b) if i % 2 else (b, a)
        batches.append([LeaderFactory(organisation=org) for _ in range(3) for org in (first, second)])

    if again:
        for batch in batches:
            for leader in batch:
                ProgrammeEnrolment.objects.create(programme=programme, leader=leader, status="withdrawn")

    def enrol(leaders):
        return services.enrolment_add(programme=programme, leaders=leaders, by=hr)

    results, errors = _run_concurrently(enrol, [(batch,) for batch in batches])
    assert errors == []
    assert sorted(results) == [6] * 8
    assert kept_counts() == {(programme.pk, a.pk): 25, (programme.pk, b.pk): 25} == real_counts()


def test_the_migration_counts_the_enrolments_already_there():
    from importlib import import_module

    from django.apps import apps as live_apps

    programme = ProgrammeFactory()
    org = OrganisationFactory()
    for _ in range(3):
        enrolled_leader(programme, organisation=org)
    EnrolmentCount.objects.all().delete()
    migration = import_module("programmes.migrations.0014_enrolment_counts")
    migration.count_existing(live_apps, connection.schema_editor())
    assert kept_counts() == {(programme.pk, org.pk): 3} == real_counts()


def test_the_overview_shows_the_kept_counts(client):
    import re

    programme = ProgrammeFactory(name="Toppledersamling 2027")
    a = OrganisationFactory(name="Bydel Alna")
    for _ in range(2):
        enrolled_leader(programme, organisation=a)
    gone = enrolled_leader(programme, organisation=a)
    ProgrammeEnrolment.objects.filter(leader=gone).update(status="withdrawn")
    client.force_login(HRUserFactory())
    url = reverse("programmes:programme_detail", args=[programme.pk])
    page = client.get(url).content.decode()
    assert "2 ledere er påmeldt." in page
    assert re.search(r'<th scope="row">Bydel Alna</th><td>[^<]*</td><td>2</td>', page)
    ProgrammeEnrolment.objects.filter(leader__organisation=a).update(status="withdrawn")
    page = client.get(url).content.decode()
    assert "0 ledere er påmeldt." in page
    assert "Bydel Alna" not in page  # an organisation that no longer counts is not listed


SQLITE_SCRIPT = """
import django, json
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from toppleder.models import Leader, Organisation, Sector, User
from programmes.models import EnrolmentCount, Programme, ProgrammeEnrolment
sector = Sector.objects.create(code="S", name="S")
a = Organisation.objects.create(name="A", kind="district", sector=sector)
b = Organisation.objects.create(name="B", kind="district", sector=sector)
p = Programme.objects.create(name="P", period="2027")
leaders = [
    Leader.objects.create(user=User.objects.create(email=f"l{i}@oslo.kommune.no"), organisation=a)
    for i in range(3)
]
for le in leaders:
    ProgrammeEnrolment.objects.create(programme=p, leader=le)
ProgrammeEnrolment.objects.filter(leader=leaders[0]).update(status="withdrawn")
Leader.objects.filter(pk=leaders[1].pk).update(organisation=b)
ProgrammeEnrolment.objects.filter(leader=leaders[2]).delete()
print(json.dumps(sorted([o, n] for o, n in EnrolmentCount.objects.values_list("organisation__name", "count"))))
"""


def test_the_triggers_work_on_sqlite_too(tmp_path):
    """`make run` serves SQLite: the same migration installs triggers there that count the same."""
    from tests.toppleder.test_settings import _clean_env

    env = _clean_env(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    result = subprocess.run(  # noqa: S603 (our own interpreter)
        [sys.executable, "-c", SQLITE_SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [["A", 0], ["B", 1]]
    assert os.path.exists(tmp_path / "db.sqlite3")
