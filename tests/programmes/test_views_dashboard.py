"""The programme panels on "/": the leader's "Mitt program" and HR's overview."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from programmes.models import Session
from tests.factories import LeaderFactory, OrganisationFactory
from tests.programmes.factories import (
    CommitmentFactory,
    ProgrammeFactory,
    RegistrationFactory,
    SessionFactory,
    enrolled_leader,
)
from tests.programmes.web import *  # noqa: F403
from tests.programmes.web import login

pytestmark = pytest.mark.django_db


def panel(response, template):
    for p in response.context["leader_panels"] + response.context["hr_panels"]:
        if p["template"] == template:
            return p["context"]
    raise AssertionError(f"no panel {template}")


def test_leader_dashboard_offers_next_sessions_with_sign_up_buttons(me_client, me, programme):
    open_session = SessionFactory(programme=programme, title="Åpen samling")
    mine = SessionFactory(programme=programme, title="Min samling")
    RegistrationFactory(session=mine, leader=me)
    SessionFactory(programme=programme, title="Utkast", status=Session.Status.DRAFT)
    SessionFactory(programme=ProgrammeFactory(), title="Annet program")
    r = me_client.get("/")
    assert r.status_code == 200
    titles = [s.title for s in panel(r, "programmes/panels/next_sessions.html")["sessions"]]
    assert titles == ["Åpen samling", "Min samling"]
    html = r.content.decode()
    assert reverse("programmes:registration_create", args=[open_session.pk]) in html
    assert reverse("programmes:registration_cancel", args=[mine.pk]) in html
    assert "Utkast" not in html and "Annet program" not in html


def test_leader_dashboard_shows_registrations_history_and_commitments(me_client, me, programme):
    upcoming = SessionFactory(programme=programme, capacity=1, title="Full samling")
    RegistrationFactory(session=upcoming, leader=enrolled_leader(programme))
    RegistrationFactory(session=upcoming, leader=me, status="waitlisted", waitlist_position=1)
    past = SessionFactory(
        programme=programme,
        title="Forrige samling",
        starts_at=timezone.now() - timedelta(days=10),
        status=Session.Status.COMPLETED,
    )
    RegistrationFactory(session=past, leader=me, attendance="attended")
    # Not in the history: a session held whose place the leader gave up, and one of another leader's.
    dropped = SessionFactory(programme=programme, starts_at=timezone.now() - timedelta(days=5), title="Avmeldt")
    RegistrationFactory(session=dropped, leader=me, status="cancelled")
    RegistrationFactory(session=SessionFactory(programme=programme, starts_at=timezone.now() - timedelta(days=3)))
    commitment = CommitmentFactory(programme=programme, session=past, parties=[me, LeaderFactory()])
    r = me_client.get("/")
    sessions = panel(r, "programmes/panels/next_sessions.html")
    assert [(x.title, x.my_status, x.my_position) for x in sessions["sessions"]] == [("Full samling", "waitlisted", 1)]
    assert [(x.session.title, x.attendance) for x in sessions["history"]] == [("Forrige samling", "attended")]
    # Each session once on the page: its link appears in one row only.
    html = r.content.decode()
    assert html.count(f'href="{reverse("programmes:session_detail", args=[upcoming.pk])}"') == 1
    commitments = panel(r, "programmes/panels/my_commitments.html")["commitments"]
    assert commitments == [commitment]
    assert reverse("programmes:commitment_status", args=[commitment.pk]) in html
    # The status form's fields, each with its label.
    for field in ("status", "follow_up"):
        assert f'for="id_c{commitment.pk}-{field}"' in html and f'id="id_c{commitment.pk}-{field}"' in html


def test_hr_dashboard_shows_programmes_fill_rates_waiting_lists_and_enrolment(client, hr, programme):
    org = OrganisationFactory(name="Bydel Grorud")
    leaders = [enrolled_leader(programme, organisation=org) for _ in range(3)]
    full = SessionFactory(programme=programme, capacity=2, title="Populær samling")
    RegistrationFactory(session=full, leader=leaders[0])
    RegistrationFactory(session=full, leader=leaders[1])
    RegistrationFactory(session=full, leader=leaders[2], status="waitlisted", waitlist_position=1)
    r = login(client, hr).get("/")
    assert r.status_code == 200
    assert panel(r, "programmes/panels/hr_programmes.html")["programmes"][0].enrolled_count == 3
    sessions = panel(r, "programmes/panels/hr_sessions.html")
    row = next(s for s in sessions["upcoming"] if s.pk == full.pk)
    assert (row.confirmed_count, row.waitlist_count, row.fill_percent) == (2, 1, 100)
    action = panel(r, "programmes/panels/hr_needs_action.html")
    assert [s.pk for s in action["waiting"]] == [full.pk]
    enrolment = panel(r, "programmes/panels/hr_enrolment.html")
    assert enrolment["total"] == 3
    assert enrolment["by_org"][0]["organisation"] == "Bydel Grorud"
    assert "Populær samling" in r.content.decode()
    assert not r.context["leader_panels"]


def test_leader_without_programme_sees_no_sessions(client):
    leader = LeaderFactory()
    SessionFactory()
    r = login(client, leader.user).get("/")
    assert panel(r, "programmes/panels/next_sessions.html")["sessions"] == []
    assert not r.context["hr_panels"]


def test_dashboard_needs_login(client):
    assert client.get("/").status_code == 302


def test_hr_sees_first_what_needs_action(client, hr, programme):
    """Waiting lists with open offers, a session held this week without attendance, an overdue
    commitment: all in the first panel; a session with every attendance recorded is not."""
    full = SessionFactory(programme=programme, capacity=1, title="Full samling")
    RegistrationFactory(session=full, leader=enrolled_leader(programme))
    RegistrationFactory(session=full, leader=enrolled_leader(programme), status="waitlisted", waitlist_position=1)
    held = SessionFactory(programme=programme, title="Holdt i går", starts_at=timezone.now() - timedelta(days=1))
    RegistrationFactory(session=held, leader=enrolled_leader(programme))
    RegistrationFactory(session=held, leader=enrolled_leader(programme), attendance="attended")
    recorded = SessionFactory(programme=programme, title="Alt registrert", starts_at=timezone.now() - timedelta(days=2))
    RegistrationFactory(session=recorded, leader=enrolled_leader(programme), attendance="attended")
    old = SessionFactory(programme=programme, title="For lenge siden", starts_at=timezone.now() - timedelta(days=20))
    RegistrationFactory(session=old, leader=enrolled_leader(programme))
    overdue = CommitmentFactory(programme=programme, due_date=timezone.localdate() - timedelta(days=3))
    r = login(client, hr).get("/")
    assert r.context["hr_panels"][0]["template"] == "programmes/panels/hr_needs_action.html"
    action = panel(r, "programmes/panels/hr_needs_action.html")
    assert [s.title for s in action["waiting"]] == ["Full samling"]
    assert [(s.title, s.unrecorded) for s in action["unrecorded"]] == [("Holdt i går", 1)]
    assert action["overdue"] == [overdue] and action["overdue_total"] == 1
    html = r.content.decode()
    assert html.index("Trenger handling") < html.index("Programmet i tall")
