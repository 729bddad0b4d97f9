"""Onboarding of new top leaders: four steps in the first twelve months, each ticked off (or
shown by the data), and HR sees who is behind."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from programmes.models import Measure, Registration
from reflection_groups import selectors, services
from reflection_groups.models import MentorPair, OnboardingPath
from tests.factories import HRUserFactory, LeaderFactory
from tests.programmes.factories import ProgrammeFactory, SessionFactory
from toppleder.audit import AuditEntry

pytestmark = pytest.mark.django_db
TODAY = date(2026, 12, 2)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("Europe/Oslo")), tick=False):
        yield


def new_leader(days_ago, **kw):
    return LeaderFactory(top_leader_since=TODAY - timedelta(days=days_ago), **kw)


def steps(row):
    return {st["key"]: st for st in row["steps"]}


def test_a_new_top_leader_ticks_steps_off_and_hr_names_the_contact():
    leader, hr = new_leader(20), HRUserFactory(name="Hanne HR")
    services.onboarding_tick(leader=leader, step="intro", by=leader.user)
    services.onboarding_set_contact(leader=leader, contact=hr, by=hr)
    path = OnboardingPath.objects.get()
    assert path.intro_at is not None and path.contact == hr
    (row,) = selectors.onboarding_rows([leader])
    assert steps(row)["intro"]["done"] and not steps(row)["contact"]["done"]  # named, not met yet
    assert [e.event for e in AuditEntry.objects.order_by("pk")] == ["onboarding_tick", "onboarding_set_contact"]
    services.onboarding_tick(leader=leader, step="intro", done=False, by=leader.user)
    assert OnboardingPath.objects.get().intro_at is None


def test_steps_shown_by_the_data_a_partner_mentor_and_an_attended_restructuring_course():
    leader = new_leader(100)
    programme = ProgrammeFactory()
    MentorPair.objects.create(
        programme=programme, scheme="partner", mentor=LeaderFactory(), mentee=leader, status="active"
    )
    measure = Measure.objects.get(text=selectors.restructuring_measure_text())
    start = datetime(2026, 11, 20, 9, 0, tzinfo=ZoneInfo("Europe/Oslo"))
    course = SessionFactory(programme=programme, starts_at=start, ends_at=start + timedelta(hours=3))
    course.measures.add(measure)
    Registration.objects.create(session=course, leader=leader, status="confirmed", attendance="attended")
    (row,) = selectors.onboarding_rows([leader])
    assert steps(row)["mentor"]["done"] and steps(row)["restructuring"]["done"]
    assert not OnboardingPath.objects.exists()  # reading ticks nothing


def test_hr_sees_who_is_behind():
    on_time = new_leader(20)  # nothing is due yet (the contact is due after 30 days)
    late = new_leader(200)  # contact, mentor and introduction are overdue
    (row_on_time, row_late) = selectors.onboarding_rows([on_time, late])
    assert not row_on_time["behind"] and row_late["behind"]
    assert {k for k, st in steps(row_late).items() if st["overdue"]} == {"contact", "mentor", "intro"}
    services.onboarding_tick(leader=late, step="contact", by=None)
    services.onboarding_tick(leader=late, step="intro", by=None)
    (row_late,) = selectors.onboarding_rows([late])
    assert {k for k, st in steps(row_late).items() if st["overdue"]} == {"mentor"}


def test_only_new_top_leaders_the_leader_themself_or_hr():
    leader = new_leader(20)
    with pytest.raises(ValidationError):
        services.onboarding_tick(leader=LeaderFactory(), step="intro", by=None)  # three years a top leader
    with pytest.raises(PermissionDenied):
        services.onboarding_tick(leader=leader, step="intro", by=LeaderFactory().user)
    with pytest.raises(ValidationError):
        services.onboarding_set_contact(leader=leader, contact=LeaderFactory().user, by=HRUserFactory())
    with pytest.raises(ValidationError):
        services.onboarding_tick(leader=leader, step="holiday", by=None)
    assert not OnboardingPath.objects.exists()


def test_the_front_page_shows_the_path_to_a_new_top_leader_only(client_nb):
    client = client_nb
    leader = new_leader(40)
    client.force_login(leader.user)
    page = client.get("/").content.decode()
    assert "Ditt første år som toppleder" in page and "HR har ikke utnevnt kontaktpersonen din ennå." in page
    client.force_login(LeaderFactory().user)
    assert "Ditt første år som toppleder" not in client.get("/").content.decode()


def test_hr_list_puts_those_behind_first_and_another_leader_gets_404(client_nb, settings):
    client = client_nb
    settings.MFA_REQUIRED_FOR_STAFF = False
    new_leader(20, user__name="Åse I Rute")
    late = new_leader(200, user__name="Sen Start")
    client.force_login(HRUserFactory())
    page = client.get("/onboarding/").content.decode()
    assert page.index("Sen Start") < page.index("Åse I Rute") and "1 ny toppleder ligger etter." in page
    client.force_login(new_leader(30).user)
    assert client.get(f"/onboarding/{late.pk}/").status_code == 404
    assert client.post(f"/onboarding/{late.pk}/tick/", {"step": "intro", "done": "on"}).status_code == 404
    assert not OnboardingPath.objects.exists()


def test_a_leader_ticks_a_step_off_on_their_page(client_nb):
    client = client_nb
    leader = new_leader(40)
    client.force_login(leader.user)
    assert client.post(f"/onboarding/{leader.pk}/tick/", {"step": "intro", "done": "on"}).status_code == 302
    assert OnboardingPath.objects.get().intro_at is not None
    assert "Angre «Introduksjonssamlingen»" in client.get(f"/onboarding/{leader.pk}/").content.decode()
