"""The administrator's summary: every programme with sessions in a period, one section each
(the programme report's figures), behind a cover and a table of contents."""

from __future__ import annotations

from collections.abc import Callable

from programmes.models import Programme, Session
from reports.content.programme import programme_report_data
from reports.period import Period


def programmes_in_period(period: Period):
    """Programmes with at least one session in the period (all programmes for an open period)."""
    qs = Programme.objects.all()
    if not period.is_open:
        qs = qs.filter(pk__in=Session.objects.filter(period.filter("starts_at")).values("programme"))
    return qs.order_by("name", "period", "pk")


def summary_data(period: Period, progress: Callable[[int], None] | None = None) -> dict:
    """The summary's context; `progress` (10 → 60) is told after each programme's section."""
    programmes = list(programmes_in_period(period))
    sections = []
    for i, programme in enumerate(programmes):
        sections.append(programme_report_data(programme, period))
        if progress:
            progress(10 + int(50 * (i + 1) / len(programmes)))
    return {"period": period, "sections": sections}
