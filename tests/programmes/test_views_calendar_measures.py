"""Calendar downloads and the personal feed, measure areas, and commitment status from the dashboard."""

import pytest
from django.urls import reverse

from programmes.models import Commitment, Measure, MeasureArea
from tests.factories import LeaderFactory
from tests.programmes.factories import CommitmentFactory, RegistrationFactory, SessionFactory
from tests.programmes.web import *  # noqa: F403
from tests.programmes.web import login

pytestmark = pytest.mark.django_db


# --- calendar ---


def test_session_calendar_is_an_ics_download(me_client, session):
    r = me_client.get(reverse("programmes:session_calendar", args=[session.pk]))
    assert r.status_code == 200
    assert r["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VEVENT" in r.content and b"BEGIN:VTIMEZONE" in r.content
    assert str(session.uid).encode() in r.content


def test_session_calendar_of_another_programme_is_404(other_client, session):
    assert other_client.get(reverse("programmes:session_calendar", args=[session.pk])).status_code == 404


def test_session_calendar_needs_login_and_get(client, me, session):
    assert client.get(reverse("programmes:session_calendar", args=[session.pk])).status_code == 302
    login(client, me.user)
    assert client.post(reverse("programmes:session_calendar", args=[session.pk])).status_code == 405


def test_personal_feed_works_without_login_and_lists_my_sessions(client, me, session):
    RegistrationFactory(session=session, leader=me)
    other = SessionFactory(programme=session.programme, title="Ikke min")
    r = client.get(reverse("programmes:calendar_feed", args=[me.calendar_token]))
    assert r.status_code == 200
    assert r["Content-Type"].startswith("text/calendar")
    assert session.title.encode() in r.content
    assert other.title.encode() not in r.content


def test_personal_feed_with_unknown_token_is_404(client, me):
    assert client.get("/calendar/not-a-real-token-123.ics").status_code == 404


def test_personal_feed_refuses_post(client, me):
    assert client.post(reverse("programmes:calendar_feed", args=[me.calendar_token])).status_code == 405


def test_leader_resets_the_feed_token_and_the_old_address_stops_working(me_client, client, me):
    old = me.calendar_token
    page = me_client.get(reverse("programmes:calendar"))
    assert page.status_code == 200 and old in page.context["feed_url"]
    r = me_client.post(reverse("programmes:calendar_reset"))
    assert r.status_code == 302
    me.refresh_from_db()
    assert me.calendar_token != old
    client.logout()
    assert client.get(reverse("programmes:calendar_feed", args=[old])).status_code == 404
    assert client.get(reverse("programmes:calendar_feed", args=[me.calendar_token])).status_code == 200


def test_reset_is_post_only_and_needs_a_leader(me_client, client, hr, me):
    old = me.calendar_token
    assert me_client.get(reverse("programmes:calendar_reset")).status_code == 405
    me.refresh_from_db()
    assert me.calendar_token == old
    login(client, hr)
    assert client.post(reverse("programmes:calendar_reset")).status_code == 403
    assert client.get(reverse("programmes:calendar")).status_code == 403


def test_reset_needs_login(client, me):
    assert client.post(reverse("programmes:calendar_reset")).status_code == 302


# --- measures ---


def test_measures_page_shows_the_four_areas(me_client):
    r = me_client.get(reverse("programmes:measure_list"))
    assert r.status_code == 200
    assert len(r.context["areas"]) == 4


def test_measure_area_shows_measures_with_delivered_sessions(hr_client, session):
    area = MeasureArea.objects.get(key="competence_support")
    measure = area.measures.first()
    session.measures.add(measure)
    r = hr_client.get(reverse("programmes:measure_area", args=[area.key]))
    assert r.status_code == 200
    assert session.title in r.content.decode()
    assert len(r.context["measures"]) == area.measures.count()


def test_unknown_area_is_404(hr_client):
    assert hr_client.get(reverse("programmes:measure_area", args=["nope"])).status_code == 404


def test_hr_updates_status_and_owner(hr_client):
    measure = Measure.objects.select_related("area").first()
    r = hr_client.post(
        reverse("programmes:measure_update", args=[measure.area.key, measure.pk]),
        {f"m{measure.pk}-status": "in_progress", f"m{measure.pk}-owner": "Byrådsavdeling for finans"},
    )
    assert r.status_code == 302
    measure.refresh_from_db()
    assert (measure.status, measure.owner) == ("in_progress", "Byrådsavdeling for finans")


def test_measure_update_with_bad_status_changes_nothing(hr_client):
    measure = Measure.objects.select_related("area").first()
    r = hr_client.post(
        reverse("programmes:measure_update", args=[measure.area.key, measure.pk]),
        {f"m{measure.pk}-status": "exploded", f"m{measure.pk}-owner": "X"},
    )
    assert r.status_code == 400
    measure.refresh_from_db()
    assert measure.status == "not_started" and measure.owner == ""


def test_measure_update_is_hr_only_and_post_only(hr_client, me_client):
    measure = Measure.objects.select_related("area").first()
    u = reverse("programmes:measure_update", args=[measure.area.key, measure.pk])
    assert hr_client.get(u).status_code == 405
    assert me_client.post(u, {f"m{measure.pk}-status": "done"}).status_code == 403
    measure.refresh_from_db()
    assert measure.status == "not_started"


def test_measure_in_another_area_url_is_404(hr_client):
    measure = Measure.objects.exclude(area__key="culture_values").first()
    u = reverse("programmes:measure_update", args=["culture_values", measure.pk])
    assert hr_client.post(u, {f"m{measure.pk}-status": "done"}).status_code == 404


# --- commitment status ---


def test_party_updates_commitment_status_from_the_dashboard(me_client, me, programme):
    c = CommitmentFactory(programme=programme, parties=[me, LeaderFactory()])
    r = me_client.post(
        reverse("programmes:commitment_status", args=[c.pk]), {"status": "done", "follow_up": "Levert", "next": "/"}
    )
    assert r.status_code == 302 and r["Location"] == "/"
    c.refresh_from_db()
    assert (c.status, c.follow_up) == ("done", "Levert")


def test_someone_elses_commitment_is_404(me_client, programme):
    c = CommitmentFactory(programme=programme, parties=[LeaderFactory(), LeaderFactory()])
    assert me_client.post(reverse("programmes:commitment_status", args=[c.pk]), {"status": "done"}).status_code == 404
    c.refresh_from_db()
    assert c.status == Commitment.Status.OPEN


def test_commitment_bad_status_changes_nothing(me_client, me, programme):
    c = CommitmentFactory(programme=programme, parties=[me])
    r = me_client.post(reverse("programmes:commitment_status", args=[c.pk]), {"status": "bogus"}, follow=True)
    c.refresh_from_db()
    assert c.status == Commitment.Status.OPEN
    assert any(m.level_tag == "error" for m in r.context["messages"])


def test_commitment_status_is_post_only(me_client, me, programme):
    c = CommitmentFactory(programme=programme, parties=[me])
    assert me_client.get(reverse("programmes:commitment_status", args=[c.pk])).status_code == 405


def test_hr_updates_a_commitment_and_returns_to_the_session(hr_client, programme, session):
    c = CommitmentFactory(programme=programme, session=session, parties=[LeaderFactory()])
    r = hr_client.post(reverse("programmes:commitment_status", args=[c.pk]), {"status": "in_progress"})
    assert r["Location"] == reverse("programmes:session_detail", args=[session.pk])
    c.refresh_from_db()
    assert c.status == "in_progress"


def test_personal_feed_answers_head_for_calendar_apps(client, me):
    assert client.head(reverse("programmes:calendar_feed", args=[me.calendar_token])).status_code == 200


def test_leader_sees_how_many_sessions_served_a_measure_but_not_other_programmes_titles(me_client):
    area = MeasureArea.objects.get(key="competence_support")
    measure = area.measures.first()
    foreign = SessionFactory(title="Samling i et annet program")
    foreign.measures.add(measure)
    r = me_client.get(reverse("programmes:measure_area", args=[area.key]))
    assert r.status_code == 200
    assert "Samling i et annet program" not in r.content.decode()
