"""Pages show every committed change at once. The dashboard panels and HR's programme and
enrolment pages are built on every visit (a per-person cache of them did not pay under real
use: bench/README.md), so nothing about them may be kept in the cache."""

import pytest
from django.urls import reverse

from programmes import services
from programmes.models import Registration, Session
from tests.programmes.factories import CommitmentFactory, SessionFactory
from tests.programmes.web import *  # noqa: F403
from tests.programmes.web import login

pytestmark = pytest.mark.django_db


def _count_queries(client, url="/"):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(ctx.captured_queries)


def test_pages_are_built_on_every_visit_and_keep_nothing_in_the_cache(me_client, hr_client, me, programme):
    from django.core.cache import cache

    SessionFactory(programme=programme, title="Vårsamling")
    me_client.get("/")  # the first visit of a browser loads its session and the like
    first, cold = _count_queries(me_client)
    second, warm = _count_queries(me_client)
    assert "Vårsamling" in second.content.decode()
    assert warm == cold  # no hidden cache: the second visit asks the same
    for url in (
        reverse("programmes:programme_detail", args=[programme.pk]),
        reverse("programmes:enrolment_list", args=[programme.pk]),
    ):
        hr_client.get(url)
    client = cache._cache.get_client()
    stored = [k.decode() for k in client.scan_iter(match=cache.make_key("*"))]
    pages = [k for k in stored if not any(part in k for part in ("table-version:", "session", "rl:"))]
    assert pages == [], stored


def test_signing_up_shows_on_the_dashboard_at_once(me_client, me, programme):
    session = SessionFactory(programme=programme, title="Høstsamling")
    me_client.get("/")  # cached: not registered yet
    response = me_client.post(reverse("programmes:registration_create", args=[session.pk]))
    assert response.status_code == 302
    html = me_client.get("/").content.decode()
    assert reverse("programmes:registration_cancel", args=[session.pk]) in html


def test_a_bulk_update_by_hr_shows_too(me_client, me, programme, hr):
    session = SessionFactory(programme=programme, title="Avlyst samling")
    services.registration_create(session=session, leader=me)
    assert "Avlyst samling" in me_client.get("/").content.decode()
    # A queryset update, no save() and no signal: the table stamp still moves.
    Session.objects.filter(pk=session.pk).update(status=Session.Status.CANCELLED)
    Registration.objects.filter(session=session).update(status=Registration.Status.CANCELLED)
    assert "Avlyst samling" not in me_client.get("/").content.decode()


def test_each_person_and_language_gets_their_own_panels(client, programme):
    from tests.programmes.factories import enrolled_leader

    anne = enrolled_leader(programme, user__name="Anne Aas")
    bjorn = enrolled_leader(programme, user__name="Bjørn Berg")
    login(client, anne.user)
    assert "Anne Aas" in client.get("/").content.decode()
    login(client, bjorn.user)
    html = client.get("/").content.decode()
    assert "Bjørn Berg" in html and "Anne Aas" not in html
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = client.get("/").content.decode()
    assert "My profile" in english and "Min profil" not in english


def test_a_form_on_the_dashboard_always_carries_a_token_for_the_browsers_csrf_secret(programme, me):
    # The commitment form on the dashboard holds a CSRF token: shown to a browser with another
    # secret (new sign-in, cookie lost) a stale copy would be refused with 403.
    import re

    from django.conf import settings
    from django.test import Client

    commitment = CommitmentFactory(programme=programme, parties=[me], text="Holde medarbeidersamtaler")
    client = login(Client(enforce_csrf_checks=True), me.user)
    client.get("/")
    client.get("/")
    del client.cookies[settings.CSRF_COOKIE_NAME]  # a browser with a new secret
    html = client.get("/").content.decode()
    url = reverse("programmes:commitment_status", args=[commitment.pk])
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html[html.index(url) :]).group(1)
    response = client.post(url, {"status": "done", "follow_up": "", "next": "/", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    commitment.refresh_from_db()
    assert commitment.status == "done"


def test_programme_overview_for_hr_shows_a_new_sign_up_at_once(hr_client, programme, me):
    session = SessionFactory(programme=programme, title="Vintersamling", capacity=10)
    url = reverse("programmes:programme_detail", args=[programme.pk])
    assert "0 av 10" in hr_client.get(url).content.decode()
    services.registration_create(session=session, leader=me)
    html = hr_client.get(url).content.decode()
    assert "1 av 10" in html


def test_programme_overview_for_hr_shows_each_page_in_each_language(hr_client, programme):
    for n in range(30):
        SessionFactory(programme=programme, title=f"Samling {n:02d}")
    url = reverse("programmes:programme_detail", args=[programme.pk])
    first = hr_client.get(url + "?page=1").content.decode()
    second = hr_client.get(url + "?page=2").content.decode()
    assert "Samling 00" in first and "Samling 00" not in second
    hr_client.post(reverse("set_language"), {"language": "en", "next": url})
    assert "Sessions in" in hr_client.get(url + "?page=1").content.decode()


def test_enrolment_list_shows_a_bulk_enrolment_at_once(hr_client, programme):
    from programmes.models import ProgrammeEnrolment
    from tests.factories import LeaderFactory

    url = reverse("programmes:enrolment_list", args=[programme.pk])
    hr_client.get(url)
    leader = LeaderFactory(user__name="Ragnhild Bulk")
    ProgrammeEnrolment.objects.bulk_create(
        [ProgrammeEnrolment(programme=programme, leader=leader)]
    )  # as the CSV import
    assert "Ragnhild Bulk" in hr_client.get(url).content.decode()


def test_a_new_leader_group_shows_in_the_enrolment_form_at_once(hr_client, programme):
    from tests.factories import LeaderGroupFactory, OrganisationFactory

    organisation = OrganisationFactory()
    url = reverse("programmes:enrolment_list", args=[programme.pk])
    hr_client.get(url)
    hr_client.get(url + "?q=x")
    LeaderGroupFactory(name="Ledergruppe Nyvik", organisation=organisation)
    assert "Ledergruppe Nyvik" in hr_client.get(url + "?q=x").content.decode()
