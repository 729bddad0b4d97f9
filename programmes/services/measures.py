"""Measures of the four measure areas: HR sets their status and owner."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from programmes.models import Measure
from toppleder import audit


@transaction.atomic
def measure_update(*, measure: Measure, by, status: str | None = None, owner: str | None = None) -> Measure:
    """HR sets a measure's status and/or owner."""
    before = audit.values(measure)
    fields = []
    if status is not None:
        if status not in Measure.Status.values:
            raise ValidationError({"status": _("Unknown status.")})
        measure.status = status
        fields.append("status")
    if owner is not None:
        measure.owner = owner.strip()[:200]
        fields.append("owner")
    if fields:
        measure.save(update_fields=fields)
        audit.record(by, audit.UPDATE, [measure], audit.diff(before, measure), event="measure_update")
    return measure
