"""Networks by interest in the database: HR opens a theme choice, leaders choose in the window
(never after it), and the proposed networks put each leader in a theme they chose."""

import itertools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from reflection_groups import selectors, services
from reflection_groups.models import GroupMembership, ReflectionGroup, ThemeChoice, ThemeWindow
from tests.factories import HRUserFactory, LeaderFactory, OrganisationFactory
from tests.reflection_groups.conftest import enrol, make_programme
from toppleder.audit import AuditEntry

pytestmark = pytest.mark.django_db
OSLO = ZoneInfo("Europe/Oslo")
OPENS = datetime(2026, 9, 1, 8, 0, tzinfo=OSLO)
CLOSES = datetime(2026, 9, 15, 16, 0, tzinfo=OSLO)
STRATEGY, DIGITAL, DIALOGUE = (
    "Fra strategi til handling",
    "Digitalisering og digital transformasjon",
    "Styringsdialogen",
)
NUMBERS = itertools.count()


def leaders(n):
    return [LeaderFactory(organisation=OrganisationFactory(name=f"Etat {next(NUMBERS):03d}")) for _ in range(n)]


@pytest.fixture
def window():
    programme = make_programme(status="running")
    enrol(programme, leaders(14))
    return services.theme_window_open(
        programme=programme,
        title="Nettverk høsten 2026",
        themes=[STRATEGY, DIGITAL, DIALOGUE],
        opens_at=OPENS,
        closes_at=CLOSES,
        max_choices=2,
        size_min=5,
        size_max=8,
        by=HRUserFactory(),
    )


def pool(window):
    return [e.leader for e in window.programme.enrolments.select_related("leader").order_by("pk")]


def test_a_choice_in_the_window_is_saved_and_can_be_changed(window):
    leader = pool(window)[0]
    with time_machine.travel(OPENS + timedelta(days=1)):
        services.theme_choice_save(window=window, leader=leader, themes=[DIGITAL, STRATEGY], by=leader.user)
        services.theme_choice_save(window=window, leader=leader, themes=[], no_preference=True, by=leader.user)
    choice = ThemeChoice.objects.get()
    assert choice.themes == [] and choice.no_preference
    assert AuditEntry.objects.filter(event="theme_choice_save").count() == 2


def test_a_theme_choice_after_the_window_is_refused_and_nothing_changes(window):
    leader = pool(window)[0]
    with time_machine.travel(OPENS + timedelta(days=1)):
        services.theme_choice_save(window=window, leader=leader, themes=[DIGITAL], by=leader.user)
    with time_machine.travel(CLOSES + timedelta(minutes=1)), pytest.raises(ValidationError) as exc:
        services.theme_choice_save(window=window, leader=leader, themes=[STRATEGY], by=leader.user)
    assert "closed" in exc.value.messages[0] or "stengte" in exc.value.messages[0]
    assert ThemeChoice.objects.get().themes == [DIGITAL]


@pytest.mark.parametrize(
    "themes, no_preference",
    [
        ([STRATEGY, DIGITAL, DIALOGUE], False),
        (["Noe annet"], False),
        ([STRATEGY], True),
        ([], False),
        ([DIGITAL, DIGITAL], False),
    ],
)
def test_bad_choices_are_refused(window, themes, no_preference):
    leader = pool(window)[0]
    with time_machine.travel(OPENS + timedelta(days=1)), pytest.raises(ValidationError):
        services.theme_choice_save(window=window, leader=leader, themes=themes, no_preference=no_preference)
    assert not ThemeChoice.objects.exists()


def test_a_leader_outside_the_programme_cannot_choose(window):
    with time_machine.travel(OPENS + timedelta(days=1)), pytest.raises(ValidationError):
        services.theme_choice_save(window=window, leader=LeaderFactory(), themes=[STRATEGY])


def test_networks_are_proposed_from_the_choices_and_hr_sees_who_got_a_first_choice(window):
    people = pool(window)
    with time_machine.travel(OPENS + timedelta(days=1)):
        for p in people[:7]:
            services.theme_choice_save(window=window, leader=p, themes=[STRATEGY, DIGITAL])
        for p in people[7:10]:
            services.theme_choice_save(window=window, leader=p, themes=[DIALOGUE, DIGITAL])  # too few: closed
        for p in people[10:12]:
            services.theme_choice_save(window=window, leader=p, themes=[DIGITAL])
        # people[12:] did not answer: no preference
    with time_machine.travel(OPENS + timedelta(days=1)), pytest.raises(ValidationError):
        services.networks_compose(window=window)  # not before the window has closed
    hr = HRUserFactory()
    with time_machine.travel(CLOSES + timedelta(hours=1)):
        result = services.networks_compose(window=window, by=hr)
    networks = ReflectionGroup.objects.filter(kind="network", status="proposed")
    assert {g.theme for g in networks} == {STRATEGY, DIGITAL}
    placed = GroupMembership.objects.filter(group__in=networks)
    assert placed.count() == 14  # everyone, once
    for m in placed.select_related("group"):
        choice = ThemeChoice.objects.filter(leader=m.leader_id).first()
        if choice:
            assert m.group.theme in choice.themes  # a theme they chose
            assert choice.got_theme == m.group.theme
    figures = selectors.theme_window_figures(ThemeWindow.objects.get())
    assert figures["n_answers"] == 12 and figures["n_first"] == 9 and figures["n_other_choice"] == 3
    assert result.proposal.first_choices == 9
    assert AuditEntry.objects.filter(
        event="networks_compose", object_type="reflection_groups.reflectiongroup"
    ).count() == len(networks)


def test_composing_again_replaces_the_proposals(window):
    with time_machine.travel(CLOSES + timedelta(hours=1)):
        services.networks_compose(window=window)
        first = set(ReflectionGroup.objects.values_list("pk", flat=True))
        services.networks_compose(window=window)
    assert not first & set(ReflectionGroup.objects.values_list("pk", flat=True))
    assert GroupMembership.objects.count() == 14


def test_opening_a_window_checks_its_input():
    programme = make_programme()
    with pytest.raises(ValidationError) as exc:
        services.theme_window_open(
            programme=programme, title="", themes=["Én"], opens_at=CLOSES, closes_at=OPENS, max_choices=3, by=None
        )
    assert {"title", "themes", "closes_at"} <= set(exc.value.message_dict)
    assert not ThemeWindow.objects.exists()


# --------------------------------------------------------------------------- pages
def test_a_leader_chooses_on_the_page_and_the_dashboard_shows_the_choice(client_nb, window):
    client = client_nb
    leader = pool(window)[0]
    client.force_login(leader.user)
    with time_machine.travel(OPENS + timedelta(days=1)):
        front = client.get("/").content.decode()
        assert "Velg nettverkstemaer" in front and "du har ikke valgt ennå" in front
        r = client.post(f"/networks/themes/{window.pk}/choose/", {"choice_1": DIGITAL, "choice_2": STRATEGY})
        assert r.status_code == 302
        assert f"du valgte {DIGITAL}, {STRATEGY}" in client.get("/").content.decode()
    assert ThemeChoice.objects.get().themes == [DIGITAL, STRATEGY]


def test_a_choice_posted_after_the_window_answers_400_in_norwegian_and_keeps_the_old_one(client_nb, window):
    client = client_nb
    leader = pool(window)[0]
    with time_machine.travel(OPENS + timedelta(days=1)):
        services.theme_choice_save(window=window, leader=leader, themes=[DIGITAL])
    client.force_login(leader.user)
    with time_machine.travel(CLOSES + timedelta(hours=2)):
        r = client.post(f"/networks/themes/{window.pk}/choose/", {"choice_1": STRATEGY})
    assert r.status_code == 400
    assert "Temavalget stengte 15. september 2026 kl. 16.00: valget ditt ble ikke lagret." in r.content.decode()
    assert ThemeChoice.objects.get().themes == [DIGITAL]


def test_hr_proposes_networks_from_the_page_and_sees_who_got_a_first_choice(client_nb, window, settings):
    client = client_nb
    settings.MFA_REQUIRED_FOR_STAFF = False
    people = pool(window)
    with time_machine.travel(OPENS + timedelta(days=1)):
        for p in people[:8]:
            services.theme_choice_save(window=window, leader=p, themes=[STRATEGY])
    client.force_login(HRUserFactory())
    with time_machine.travel(CLOSES + timedelta(hours=2)):
        r = client.post(f"/networks/themes/{window.pk}/compose/")
        assert r.status_code == 302 and r["Location"].endswith("/network/")
        page = client.get(f"/networks/themes/{window.pk}/").content.decode()
    assert "8 fikk førstevalget sitt" in page
