"""Measures of the four measure areas: HR sets their status, owner and target date.

Every change of status or target date (and every comment) leaves a `MeasureChange`: who,
when, from which status to which, and why. The measures page reads what changed in the last
month from those rows, and which measures are overdue from the target dates.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from programmes.models import Measure, MeasureChange
from programmes.services.common import KEEP
from toppleder import audit

MAX_COMMENT = 2000


@transaction.atomic
def measure_update(
    *,
    measure: Measure,
    by,
    status: str | None = None,
    owner: str | None = None,
    target_date=KEEP,
    comment: str = "",
) -> Measure:
    """HR sets a measure's status, owner and/or target date, with an optional comment."""
    measure = Measure.objects.select_for_update().get(pk=measure.pk)
    before = audit.values(measure)
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise ValidationError({"comment": _("At most %(n)s characters.") % {"n": MAX_COMMENT}})
    fields = []
    status_before = measure.status
    if status is not None:
        if status not in Measure.Status.values:
            raise ValidationError({"status": _("Unknown status.")})
        if status != measure.status:
            measure.status = status
            fields.append("status")
    if owner is not None and owner.strip()[:200] != measure.owner:
        measure.owner = owner.strip()[:200]
        fields.append("owner")
    if target_date is not KEEP and target_date != measure.target_date:
        measure.target_date = target_date
        fields.append("target_date")
    if fields:
        measure.save(update_fields=fields)
        audit.record(by, audit.UPDATE, [measure], audit.diff(before, measure), event="measure_update")
    if "status" in fields or "target_date" in fields or comment:
        change = MeasureChange.objects.create(
            measure=measure,
            by=by,
            status_before=status_before,
            status_after=measure.status,
            target_date=measure.target_date,
            comment=comment,
        )
        audit.record(by, audit.CREATE, [change], audit.created(change), event="measure_update")
    return measure
