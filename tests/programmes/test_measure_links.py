"""The measures page: each measure with the sessions, actions and factors linked to it, and for
HR what changed since last month (status changes with who, when and why; new actions). The
page's queries do not grow with the sessions, actions and changes."""

from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from programmes import services
from programmes.models import Measure, Session
from surveys.models import Action
from tests.factories import HRUserFactory, LeaderFactory
from tests.programmes.factories import SessionFactory
from tests.surveys.factories import SurveyFactory

pytestmark = pytest.mark.django_db
NOW = timezone.datetime(2026, 11, 2, 10, 0, tzinfo=timezone.get_current_timezone())


def _action(survey, measure, text, *, factor="trust", owner, created):
    with time_machine.travel(created, tick=False):
        return Action.objects.create(
            survey=survey,
            factor=factor,
            kind="measure",
            text=text,
            owner=owner,
            due_date=date(2027, 1, 31),
            measure=measure,
        )


def _world(n=1):
    """`n` sessions, actions and status changes on the first measures."""
    hr = HRUserFactory(name="Hanne HR")
    measures = list(Measure.objects.select_related("area").order_by("pk")[:3])
    survey = SurveyFactory(opens_at=NOW - timedelta(days=90), closes_at=NOW - timedelta(days=60))
    for i in range(n):
        m = measures[i % 3]
        s = SessionFactory(
            programme=survey.programme,
            title=f"Samling om tillit {i}",
            starts_at=NOW - timedelta(days=20 + i),
            status=Session.Status.COMPLETED,
        )
        s.measures.add(m)
        _action(survey, m, f"Tillit på dagsorden {i}", owner=hr, created=NOW - timedelta(days=3 + i))
        with time_machine.travel(NOW - timedelta(days=2 + i), tick=False):
            services.measure_update(measure=m, status=["in_progress", "paused"][i % 2], comment=f"Grunn {i}", by=hr)
    return hr, measures, survey


@time_machine.travel(NOW, tick=False)
def test_each_measure_shows_its_sessions_actions_and_factors(client):
    hr, (m, *_rest), survey = _world()
    _action(survey, m, "Gammel handling", factor="autonomy", owner=hr, created=NOW - timedelta(days=45))
    SessionFactory(programme=survey.programme, title="Kladd", status=Session.Status.DRAFT).measures.add(m)
    client.force_login(hr)
    page = client.get(reverse("programmes:measure_list")).content.decode()
    row = page.split(f'<th scope="row">{m.text}</th>')[1].split("</tr>")[0]
    assert "Samling om tillit 0" in row and "Kladd" not in row  # drafts are not linked yet
    assert "Tillit på dagsorden 0" in row and "Gammel handling" in row
    assert "Tillit på tvers" in row and "Autonomi" in row  # the factors the actions answer
    # Leaders see how many sessions and actions, and the factors, not other programmes' titles.
    client.force_login(LeaderFactory().user)
    page = client.get(reverse("programmes:measure_list")).content.decode()
    row = page.split(f'<th scope="row">{m.text}</th>')[1].split("</tr>")[0]
    assert "1 samling" in row and "2 handlinger" in row and "Autonomi" in row
    assert "Samling om tillit 0" not in row and "Tillit på dagsorden 0" not in row


@time_machine.travel(NOW, tick=False)
def test_hr_sees_what_changed_since_last_month_with_who_when_and_why(client):
    hr, (m, *_rest), survey = _world()
    _action(survey, m, "Gammel handling", owner=hr, created=NOW - timedelta(days=45))
    with time_machine.travel(NOW - timedelta(days=40), tick=False):
        services.measure_update(measure=m, status="done", comment="For lenge siden", by=hr)
    client.force_login(hr)
    page = client.get(reverse("programmes:measure_list")).content.decode()
    changed = page.split('id="changes-h"')[1].split("</section>")[0]
    assert "Siden 3. oktober 2026" in changed  # 30 days before the frozen today
    # The status change: when (with the time), who, from and to, and why.
    assert "31. oktober 2026 kl. 10.00, Hanne HR" in changed and "Ikke startet → Pågår" in changed
    assert "«Grunn 0»" in changed and "For lenge siden" not in changed
    # The new action on the measure, and not the one made before the month.
    assert "Tillit på dagsorden 0" in changed and "svarer på Tillit på tvers" in changed
    assert "Gammel handling" not in changed


@time_machine.travel(NOW, tick=False)
def test_the_measures_page_queries_stay_flat_with_data(client, django_assert_num_queries):
    hr, _measures, _survey = _world(1)
    client.force_login(hr)
    # 8: the signed-in page's roles, profile and leader-group names are one query.
    client.get(reverse("programmes:measure_list"))  # warm the session and the user's roles
    with django_assert_num_queries(8) as small:
        client.get(reverse("programmes:measure_list"))
    _world(12)
    with django_assert_num_queries(8) as large:
        page = client.get(reverse("programmes:measure_list")).content.decode()
    assert "Tillit på dagsorden 11" in page and "Samling om tillit 11" in page
    assert len(small.captured_queries) == len(large.captured_queries)
