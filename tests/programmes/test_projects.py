"""Collaboration projects: recorded across organisations, kept up to date by their leaders (or
HR), linked to sessions, commitments and measures; on the leader's front page."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from programmes import selectors, services
from programmes.models import CollaborationProject, Measure
from tests.factories import HRUserFactory, LeaderFactory, OrganisationFactory
from tests.programmes.factories import CommitmentFactory, ProgrammeFactory, SessionFactory, enrolled_leader
from toppleder.audit import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    programme = ProgrammeFactory()
    a = enrolled_leader(programme)
    b = enrolled_leader(programme)
    session = SessionFactory(programme=programme)
    commitment = CommitmentFactory(programme=programme, session=session, parties=[a, b])
    return programme, a, b, session, commitment


def test_a_project_is_recorded_with_its_organisations_leaders_sessions_and_links(setup):
    programme, a, b, session, commitment = setup
    measure = Measure.objects.first()
    project = services.project_create(
        programme=programme,
        title="Felles overgang barnehage–skole",
        leaders=[a, b],
        sessions=[session],
        commitments=[commitment],
        measures=[measure] if measure else [],
        by=HRUserFactory(),
    )
    assert set(project.organisations.all()) == {a.organisation, b.organisation}  # from the leaders
    assert list(project.sessions.all()) == [session] and list(project.commitments.all()) == [commitment]
    entry = AuditEntry.objects.get(event="project_create")
    assert entry.changes["leaders"] == [None, sorted([a.pk, b.pk])]


def test_a_project_needs_two_organisations(setup):
    programme, a, *_ = setup
    with pytest.raises(ValidationError) as exc:
        services.project_create(programme=programme, title="Alene", leaders=[a], by=None)
    assert "organisations" in exc.value.message_dict and not CollaborationProject.objects.exists()


def test_a_session_of_another_programme_is_refused(setup):
    programme, a, b, *_ = setup
    with pytest.raises(ValidationError) as exc:
        services.project_create(programme=programme, title="Feil", leaders=[a, b], sessions=[SessionFactory()], by=None)
    assert "sessions" in exc.value.message_dict


def test_its_leader_marks_it_completed_with_an_outcome_and_an_outsider_cannot(setup):
    programme, a, b, *_ = setup
    project = services.project_create(programme=programme, title="Felles vikarpool", leaders=[a, b], by=None)
    with pytest.raises(ValidationError) as exc:
        services.project_update(project=project, status="completed", by=a.user)
    assert "outcome" in exc.value.message_dict  # completed says what came of it
    services.project_update(project=project, status="completed", outcome="Vikarpoolen er i drift.", by=a.user)
    project.refresh_from_db()
    assert (project.status, project.outcome) == ("completed", "Vikarpoolen er i drift.")
    with pytest.raises(PermissionDenied):
        services.project_update(project=project, title="Kapret", by=LeaderFactory().user)
    project.refresh_from_db()
    assert project.title == "Felles vikarpool"


def test_the_leader_sees_their_projects_on_the_front_page_and_another_gets_404(client, setup):
    programme, a, b, *_ = setup
    project = services.project_create(programme=programme, title="Felles vikarpool", leaders=[a, b], by=None)
    client.force_login(a.user)
    assert "Felles vikarpool" in client.get("/").content.decode()
    assert client.get(f"/projects/{project.pk}/").status_code == 200
    client.force_login(enrolled_leader(programme).user)
    assert client.get(f"/projects/{project.pk}/").status_code == 404
    assert "Felles vikarpool" not in client.get("/projects/").content.decode()


def test_the_project_page_saves_the_outcome_and_a_bad_form_answers_400(client, setup):
    programme, a, b, *_ = setup
    project = services.project_create(programme=programme, title="Felles vikarpool", leaders=[a, b], by=None)
    client.force_login(a.user)
    data = {"title": "Felles vikarpool", "leaders": [a.pk, b.pk], "status": "completed", "outcome": ""}
    r = client.post(f"/projects/{project.pk}/", data)
    assert r.status_code == 400 and "Skriv hva prosjektet førte til" in r.content.decode()
    r = client.post(f"/projects/{project.pk}/", {**data, "outcome": "I drift fra januar."})
    assert r.status_code == 302
    project.refresh_from_db()
    assert project.outcome == "I drift fra januar."


def test_the_list_costs_the_same_queries_for_more_projects(setup, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    programme, a, b, *_ = setup

    def count():
        with CaptureQueriesContext(connection) as q:
            list(selectors.projects_listed(CollaborationProject.objects.filter(programme=programme)))
        return len(q)

    services.project_create(programme=programme, title="Én", leaders=[a, b], by=None)
    small = count()
    for n in range(5):
        org = OrganisationFactory()
        services.project_create(
            programme=programme, title=f"P{n}", leaders=[a, b, LeaderFactory(organisation=org)], by=None
        )
    assert count() == small
