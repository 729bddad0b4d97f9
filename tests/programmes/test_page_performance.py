"""What the page-speed work changed: pages show a page of rows, and cached HTML
is renewed when what it shows changes."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from programmes.models import Session
from tests.factories import OrganisationFactory
from tests.programmes.factories import SessionFactory
from tests.programmes.web import *  # noqa: F403
from tests.programmes.web import login
from toppleder.models import LeaderGroup

pytestmark = pytest.mark.django_db


def test_enrolment_page_lists_an_organisation_created_after_its_forms_were_cached(hr_client, programme):
    url = reverse("programmes:enrolment_list", args=[programme.pk])
    assert "Nyetaten for bench" not in hr_client.get(url).content.decode()
    OrganisationFactory(name="Nyetaten for bench")
    assert "Nyetaten for bench" in hr_client.get(url).content.decode()


def test_enrolment_page_drops_a_deleted_leader_group_from_its_cached_form(hr_client, programme):
    org = OrganisationFactory()
    group = LeaderGroup.objects.create(organisation=org, name="Gruppen som forsvinner")
    url = reverse("programmes:enrolment_list", args=[programme.pk])
    assert "Gruppen som forsvinner" in hr_client.get(url).content.decode()
    group.delete()
    assert "Gruppen som forsvinner" not in hr_client.get(url).content.decode()


def _sessions(programme, past: int, upcoming: int):
    now = timezone.now()
    for i in range(past):
        SessionFactory(
            programme=programme,
            title=f"Tidligere {i:02d}",
            starts_at=now - timedelta(days=300 - i),
            status=Session.Status.COMPLETED,
        )
    for i in range(upcoming):
        SessionFactory(programme=programme, title=f"Kommende {i:02d}", starts_at=now + timedelta(days=3 + i))


def test_programme_page_opens_on_the_page_with_the_next_session(hr_client, programme):
    _sessions(programme, past=40, upcoming=5)
    url = reverse("programmes:programme_detail", args=[programme.pk])
    page = hr_client.get(url).content.decode()
    assert "Kommende 00" in page
    assert "Tidligere 00" not in page  # the oldest sessions are on page 1, not shown by default
    first = hr_client.get(url + "?page=1").content.decode()
    assert "Tidligere 00" in first
    assert "Kommende 00" not in first


def test_programme_page_shows_a_page_of_sessions_not_all(hr_client, programme):
    _sessions(programme, past=0, upcoming=60)
    page = hr_client.get(reverse("programmes:programme_detail", args=[programme.pk])).content.decode()
    assert page.count("Kommende ") == 25


def test_leader_sees_their_status_on_the_programme_page_of_sessions(client, programme, me):
    from programmes.models import Registration

    _sessions(programme, past=30, upcoming=3)
    nxt = Session.objects.get(title="Kommende 00")
    Registration.objects.create(session=nxt, leader=me, status=Registration.Status.CONFIRMED)
    login(client, me.user)
    resp = client.get(reverse("programmes:programme_detail", args=[programme.pk]))
    row = next(s for s in resp.context["sessions"] if s.pk == nxt.pk)
    assert row.my_registration.status == Registration.Status.CONFIRMED


def test_programme_page_counts_a_new_enrolment_at_once_despite_the_cached_summary(hr_client, programme):
    from tests.programmes.factories import enrolled_leader

    enrolled_leader(programme)
    url = reverse("programmes:programme_detail", args=[programme.pk])
    assert hr_client.get(url).context["summary"]["total"] == 1
    enrolled_leader(programme)  # a plain insert: no signal is needed for the figure to change
    assert hr_client.get(url).context["summary"]["total"] == 2


def test_programme_page_drops_a_withdrawn_leader_at_once(hr_client, programme):
    from programmes.models import ProgrammeEnrolment
    from tests.programmes.factories import enrolled_leader

    leader = enrolled_leader(programme)
    enrolled_leader(programme)
    url = reverse("programmes:programme_detail", args=[programme.pk])
    assert hr_client.get(url).context["summary"]["total"] == 2
    ProgrammeEnrolment.objects.filter(leader=leader).update(
        status=ProgrammeEnrolment.Status.WITHDRAWN, withdrawn_at=timezone.now()
    )
    assert hr_client.get(url).context["summary"]["total"] == 1
