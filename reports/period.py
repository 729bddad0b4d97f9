"""The date range a report covers: an inclusive period whose ends may both be open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone


@dataclass(frozen=True)
class Period:
    """An inclusive date range; either end may be open."""

    start: date | None = None
    end: date | None = None

    @classmethod
    def from_params(cls, params: dict) -> Period:
        """The period of a report's plain parameters (`start`/`end` as ISO dates or "")."""
        return cls(
            date.fromisoformat(params["start"]) if params.get("start") else None,
            date.fromisoformat(params["end"]) if params.get("end") else None,
        )

    def params(self) -> dict:
        """The period as plain parameters for a cache key or a Celery task (JSON-safe)."""
        return {
            "start": self.start.isoformat() if self.start else "",
            "end": self.end.isoformat() if self.end else "",
        }

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """Aware datetimes in Europe/Oslo: [start 00:00, day after end 00:00)."""
        tz = timezone.get_default_timezone()
        lo = timezone.make_aware(datetime.combine(self.start, time.min), tz) if self.start else None
        hi = timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min), tz) if self.end else None
        return lo, hi

    def filter(self, field_name: str) -> Q:
        """A filter on a datetime field: within the period, in Oslo days."""
        lo, hi = self.bounds()
        q = Q()
        if lo:
            q &= Q(**{f"{field_name}__gte": lo})
        if hi:
            q &= Q(**{f"{field_name}__lt": hi})
        return q

    def filter_dates(self, field_name: str) -> Q:
        """A filter on a date field: within the period, both ends included."""
        q = Q()
        if self.start:
            q &= Q(**{f"{field_name}__gte": self.start})
        if self.end:
            q &= Q(**{f"{field_name}__lte": self.end})
        return q

    @property
    def is_open(self) -> bool:
        return self.start is None and self.end is None
