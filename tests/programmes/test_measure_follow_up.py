"""Measures that are followed: a target date, a history of who changed what and why, the
overdue ones for HR and what changed in the last month."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from programmes import services
from programmes.models import Measure, MeasureChange
from tests.factories import HRUserFactory, LeaderFactory

pytestmark = pytest.mark.django_db
NOW = timezone.datetime(2026, 11, 2, 10, 0, tzinfo=timezone.get_current_timezone())


def _measures():
    return list(Measure.objects.select_related("area").order_by("pk")[:3])


@time_machine.travel(NOW, tick=False)
def test_a_status_change_is_kept_with_who_when_and_why():
    hr = HRUserFactory(name="Hanne HR")
    m = _measures()[0]
    services.measure_update(
        measure=m, status="in_progress", target_date=date(2027, 3, 1), comment="Startet i høst", by=hr
    )
    services.measure_update(measure=m, status="in_progress", comment="", by=hr)  # nothing changed: no step
    change = MeasureChange.objects.get()
    assert (change.by, change.at, change.status_before, change.status_after, change.comment) == (
        hr,
        NOW,
        "not_started",
        "in_progress",
        "Startet i høst",
    )
    assert Measure.objects.get(pk=m.pk).target_date == date(2027, 3, 1)
    with pytest.raises(ValidationError):
        services.measure_update(measure=m, status="nope", comment="x", by=hr)
    assert MeasureChange.objects.count() == 1


def test_hr_sees_overdue_measures_and_what_changed_in_the_last_month(client):
    hr = HRUserFactory(name="Hanne HR")
    late, on_time, done = _measures()
    with time_machine.travel(NOW - timedelta(days=60), tick=False):
        services.measure_update(measure=on_time, status="in_progress", comment="Gammel endring", by=hr)
    with time_machine.travel(NOW - timedelta(days=5), tick=False):
        services.measure_update(measure=late, target_date=date(2026, 10, 1), comment="Ny frist", by=hr)
        services.measure_update(measure=done, status="done", target_date=date(2026, 9, 1), by=hr)
    with time_machine.travel(NOW, tick=False):
        client.force_login(hr)
        page = client.get(reverse("programmes:measure_list")).content.decode()
        overdue = page.split('id="overdue-h"')[1].split("</section>")[0]
        assert late.text in overdue and done.text not in overdue and on_time.text not in overdue
        changed = page.split('id="changes-h"')[1].split("</section>")[0]
        assert "Ny frist" in changed and "Gammel endring" not in changed and "Hanne HR" in changed
        # The measure's own page shows its whole history.
        area_page = client.get(reverse("programmes:measure_area", args=[on_time.area.key])).content.decode()
        assert "Gammel endring" in area_page
        # Leaders see the measures, not HR's follow-up.
        client.force_login(LeaderFactory().user)
        page = client.get(reverse("programmes:measure_list")).content.decode()
        assert 'id="overdue-h"' not in page and "Ny frist" not in page


@time_machine.travel(NOW, tick=False)
def test_the_form_sets_target_date_and_comment(client):
    hr = HRUserFactory()
    m = _measures()[0]
    client.force_login(hr)
    prefix = f"m{m.pk}"
    r = client.post(
        reverse("programmes:measure_update", args=[m.area.key, m.pk]),
        {
            f"{prefix}-status": "paused",
            f"{prefix}-target_date": "2027-06-30",
            f"{prefix}-comment": "Venter på budsjett",
        },
    )
    assert r.status_code == 302
    m.refresh_from_db()
    assert (m.status, m.target_date) == ("paused", date(2027, 6, 30))
    assert MeasureChange.objects.get().comment == "Venter på budsjett"
    r = client.post(
        reverse("programmes:measure_update", args=[m.area.key, m.pk]),
        {f"{prefix}-status": "done", f"{prefix}-target_date": "30.02.2027"},
    )
    assert r.status_code == 400 and Measure.objects.get(pk=m.pk).status == "paused"
