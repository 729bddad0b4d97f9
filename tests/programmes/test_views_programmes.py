"""Programme pages: list, detail, create, edit, status."""

import pytest
from django.urls import reverse

from programmes.models import Programme, ProgrammeEnrolment, Session
from tests.factories import OrganisationFactory
from tests.programmes.factories import ProgrammeFactory, SessionFactory, enrolled_leader
from tests.programmes.web import *  # noqa: F403
from tests.programmes.web import login

pytestmark = pytest.mark.django_db

LIST = reverse("programmes:programme_list")


def detail(p):
    return reverse("programmes:programme_detail", args=[p.pk])


# --- list ---


def test_leader_list_shows_only_enrolled_programmes(me_client, programme):
    ProgrammeFactory(name="Et annet program")
    r = me_client.get(LIST)
    assert r.status_code == 200
    names = [p.name for p in r.context["page"].object_list]
    assert names == [programme.name]
    assert b"Et annet program" not in r.content


def test_leader_list_hides_draft_and_withdrawn(client, me, programme):
    ProgrammeEnrolment.objects.filter(leader=me).update(status=ProgrammeEnrolment.Status.WITHDRAWN)
    draft = ProgrammeFactory(status=Programme.Status.DRAFT)
    ProgrammeEnrolment.objects.create(programme=draft, leader=me)
    r = login(client, me.user).get(LIST)
    assert list(r.context["page"].object_list) == []


def test_hr_list_filters_searches_and_paginates(hr_client):
    for i in range(27):
        ProgrammeFactory(name=f"Program {i:02d}", status=Programme.Status.RUNNING)
    ProgrammeFactory(name="Utkast til nytt tilbud", status=Programme.Status.DRAFT)
    r = hr_client.get(LIST)
    assert r.context["page"].paginator.count == 28
    assert len(r.context["page"].object_list) == 25
    assert len(hr_client.get(LIST + "?page=2").context["page"].object_list) == 3
    r = hr_client.get(LIST + "?status=draft")
    assert [p.name for p in r.context["page"].object_list] == ["Utkast til nytt tilbud"]
    r = hr_client.get(LIST + "?q=Program 1")
    assert r.context["page"].paginator.count == 10


def test_list_needs_login(client):
    r = client.get(LIST)
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_list_refuses_post(hr_client):
    assert hr_client.post(LIST).status_code == 405


# --- detail ---


def test_leader_sees_programme_with_sign_up_button(me_client, programme, session):
    r = me_client.get(detail(programme))
    assert r.status_code == 200
    html = r.content.decode()
    assert reverse("programmes:registration_create", args=[session.pk]) in html
    assert f"«{session.title}»" in html  # the button names the session
    assert "by_organisation" not in r.context  # no HR figures for a leader
    assert "summary" not in r.context


def test_leader_does_not_see_draft_sessions(me_client, programme, session):
    SessionFactory(programme=programme, title="Hemmelig utkast", status=Session.Status.DRAFT)
    r = me_client.get(detail(programme))
    assert "Hemmelig utkast" not in r.content.decode()


def test_leader_b_gets_404_on_another_programme(other_client, programme):
    assert other_client.get(detail(programme)).status_code == 404


def test_hr_sees_enrolment_by_organisation_and_sector(hr_client, programme, session):
    org = OrganisationFactory(name="Bydel Gamle Oslo")
    enrolled_leader(programme, organisation=org)
    enrolled_leader(programme, organisation=org)
    r = hr_client.get(detail(programme))
    assert r.status_code == 200
    summary = r.context["summary"]
    assert summary["total"] == 2
    assert summary["by_organisation"][0]["organisation"] == "Bydel Gamle Oslo"
    assert summary["by_organisation"][0]["count"] == 2
    assert "Bydel Gamle Oslo" in r.content.decode()


def test_detail_refuses_post(hr_client, programme):
    assert hr_client.post(detail(programme)).status_code == 405


def test_detail_unknown_programme_is_404(hr_client):
    assert hr_client.get(reverse("programmes:programme_detail", args=[999999])).status_code == 404


# --- create / edit ---

CREATE = reverse("programmes:programme_create")


def test_hr_creates_a_programme_with_the_standard_goal(hr_client):
    r = hr_client.post(CREATE, {"name": "Tilbud til toppledere", "period": "2026/27"})
    programme = Programme.objects.get(period="2026/27")
    assert r.status_code == 302 and r["Location"] == detail(programme)
    assert programme.status == Programme.Status.DRAFT
    assert programme.goal.startswith("Økt strategisk samhandling")
    assert len(programme.sub_goals) == 3


def test_create_with_bad_dates_shows_the_form_again(hr_client):
    r = hr_client.post(
        CREATE,
        {"name": "X", "period": "2026/27", "enrolment_opens": "2026-05-01", "enrolment_closes": "2026-04-01"},
    )
    assert r.status_code == 200
    assert r.context["form"].errors["enrolment_closes"]
    assert not Programme.objects.exists()


def test_create_is_hr_only(me_client):
    assert me_client.get(CREATE).status_code == 403
    assert me_client.post(CREATE, {"name": "X", "period": "1"}).status_code == 403
    assert not Programme.objects.filter(name="X").exists()


def test_create_needs_login(client):
    assert client.get(CREATE).status_code == 302


def test_hr_edits_a_programme_and_keeps_structured_sub_goals(hr_client, programme):
    hr_client.post(CREATE, {"name": "A", "period": "2030/31"})
    p = Programme.objects.get(period="2030/31", name="A")  # the fixture's period may be the same
    url = reverse("programmes:programme_edit", args=[p.pk])
    form = hr_client.get(url).context["form"]
    data = {"name": "Nytt navn", "period": "2030/31", "goal": p.goal, "sub_goals_text": form["sub_goals_text"].value()}
    r = hr_client.post(url, data)
    assert r.status_code == 302
    p.refresh_from_db()
    assert p.name == "Nytt navn"
    assert isinstance(p.sub_goals[0], dict) and p.sub_goals[0]["points_nb"]


def test_edit_with_bad_input_changes_nothing(hr_client, programme):
    url = reverse("programmes:programme_edit", args=[programme.pk])
    r = hr_client.post(url, {"name": "", "period": ""})
    assert r.status_code == 200 and r.context["form"].errors
    programme.refresh_from_db()
    assert programme.name == "Tilbud til toppledere"


def test_edit_is_hr_only(me_client, programme):
    assert me_client.get(reverse("programmes:programme_edit", args=[programme.pk])).status_code == 403


# --- status ---


def set_status(client, programme, status):
    status_url = reverse("programmes:programme_status", args=[programme.pk])
    page = client.get(status_url, {"status": status})
    return page, client.post(status_url, {"status": status, "confirmation": page.context["confirmation"]}, follow=True)


def test_hr_closes_a_programme_after_being_told_what_it_means(hr_client, programme):
    SessionFactory(programme=programme)
    enrolled_leader(programme)
    page = hr_client.get(reverse("programmes:programme_status", args=[programme.pk]), {"status": "closed"})
    html = page.content.decode()
    assert "Statusen kan ikke endres tilbake etterpå." in html
    assert "1 leder er tatt opp" in html and "1 publisert samling er ikke holdt ennå" in html
    programme.refresh_from_db()
    assert programme.status == Programme.Status.RUNNING  # the GET changed nothing
    _, r = set_status(hr_client, programme, "closed")
    programme.refresh_from_db()
    assert programme.status == Programme.Status.CLOSED


def test_a_status_change_without_confirmation_changes_nothing(hr_client, programme):
    hr_client.post(reverse("programmes:programme_status", args=[programme.pk]), {"status": "closed"})
    programme.refresh_from_db()
    assert programme.status == Programme.Status.RUNNING


def test_status_cannot_go_backwards(hr_client, programme):
    _, r = set_status(hr_client, programme, "draft")
    programme.refresh_from_db()
    assert programme.status == Programme.Status.RUNNING
    assert any(m.level_tag == "error" for m in r.context["messages"])


def test_status_unknown_value_changes_nothing(hr_client, programme):
    r = hr_client.get(reverse("programmes:programme_status", args=[programme.pk]), {"status": "bogus"}, follow=True)
    hr_client.post(reverse("programmes:programme_status", args=[programme.pk]), {"status": "bogus"})
    programme.refresh_from_db()
    assert programme.status == Programme.Status.RUNNING
    assert any(m.level_tag == "error" for m in r.context["messages"])


def test_status_is_hr_only(hr_client, client, me, programme):
    status_url = reverse("programmes:programme_status", args=[programme.pk])
    token = hr_client.get(status_url, {"status": "closed"}).context["confirmation"]
    leader = login(client, me.user)
    assert leader.get(status_url, {"status": "closed"}).status_code == 403
    assert leader.post(status_url, {"status": "closed", "confirmation": token}).status_code == 403
    programme.refresh_from_db()
    assert programme.status == Programme.Status.RUNNING


@pytest.mark.parametrize("who", ["hr", "leader"])
def test_programme_page_shows_its_enrolment_window_and_who_can_take_part(client, hr, me, programme, who):
    from datetime import date

    org = OrganisationFactory(name="Bydel Gamle Oslo")
    programme.enrolment_opens, programme.enrolment_closes = date(2027, 1, 4), date(2027, 2, 1)
    programme.eligible_levels, programme.eligible_org_kinds = [1, 2], ["district"]
    programme.save()
    programme.eligible_organisations.add(org)
    login(client, hr if who == "hr" else me.user)
    html = " ".join(client.get(detail(programme)).content.decode().split())
    assert "Fra 4. januar 2027 til 1. februar 2027" in html
    assert "Toppleder, Leder på nivå 2; i: Bydel; bare fra: Bydel Gamle Oslo" in html
    report = reverse("reports:programme_pdf", args=[programme.pk])
    assert (report in html) == (who == "hr")  # the report is HR's


def test_hr_finds_the_session_report_from_the_session_page(hr_client, session):
    page = hr_client.get(reverse("programmes:session_detail", args=[session.pk])).content.decode()
    assert reverse("reports:session_pdf", args=[session.pk]) in page
