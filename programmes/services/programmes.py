"""Programmes: create, change, and move through draft → open → running → closed."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from programmes.models import Programme
from programmes.services.common import KEEP, given
from toppleder import audit, reference
from toppleder.models import Organisation

STATUS_ORDER = [
    Programme.Status.DRAFT,
    Programme.Status.OPEN,
    Programme.Status.RUNNING,
    Programme.Status.CLOSED,
]


def default_programme_goal() -> tuple[str, list[dict]]:
    """The goal and sub-goals from reference.yaml `programme_goal`."""
    goal = reference.load()["programme_goal"]
    return goal["title_nb"], [dict(sg) for sg in goal.get("sub_goals", [])]


def _validate(programme: Programme) -> None:
    errors = {}
    if not (programme.name or "").strip():
        errors["name"] = _("Give the programme a name.")
    if not (programme.period or "").strip():
        errors["period"] = _("Give the programme a period, for example 2026/27.")
    if programme.enrolment_opens and programme.enrolment_closes:
        if programme.enrolment_closes < programme.enrolment_opens:
            errors["enrolment_closes"] = _("Enrolment must close after it opens.")
    if any(level not in (1, 2, 3) for level in programme.eligible_levels or []):
        errors["eligible_levels"] = _("Leader levels are 1, 2 or 3.")
    if any(kind not in Organisation.Kind.values for kind in programme.eligible_org_kinds or []):
        errors["eligible_org_kinds"] = _("Unknown organisation kind.")
    if programme.status not in Programme.Status.values:
        errors["status"] = _("Unknown status.")
    if errors:
        raise ValidationError(errors)


def _organisation_ids(organisations: Iterable) -> list[int]:
    return sorted({getattr(o, "pk", o) for o in organisations})


def programme_create(
    *,
    by,
    name: str,
    period: str,
    goal: str = "",
    sub_goals: list | None = None,
    description: str = "",
    enrolment_opens=None,
    enrolment_closes=None,
    eligible_levels: Iterable[int] = (),
    eligible_org_kinds: Iterable[str] = (),
    eligible_organisations: Iterable = (),
    status: str = Programme.Status.DRAFT,
) -> Programme:
    """Create a programme (a draft unless told otherwise). Goal and sub-goals default to
    reference.yaml's programme goal."""
    default_goal, default_sub_goals = default_programme_goal()
    programme = Programme(
        name=(name or "").strip(),
        period=(period or "").strip(),
        goal=goal or default_goal,
        sub_goals=default_sub_goals if sub_goals is None else list(sub_goals),
        description=description,
        enrolment_opens=enrolment_opens,
        enrolment_closes=enrolment_closes,
        eligible_levels=[int(x) for x in eligible_levels or []],
        eligible_org_kinds=list(eligible_org_kinds or []),
        status=status,
    )
    _validate(programme)
    organisations = _organisation_ids(eligible_organisations)
    with transaction.atomic():
        programme.save()
        programme.eligible_organisations.set(organisations)
        changes = audit.created(programme)
        if organisations:
            changes["eligible_organisations"] = [None, organisations]
        audit.record(by, audit.CREATE, [programme], changes, event="programme_create")
    return programme


def programme_update(
    *,
    programme: Programme,
    by,
    name: str = KEEP,
    period: str = KEEP,
    goal: str = KEEP,
    sub_goals: list = KEEP,
    description: str = KEEP,
    enrolment_opens=KEEP,
    enrolment_closes=KEEP,
    eligible_levels: Iterable[int] = KEEP,
    eligible_org_kinds: Iterable[str] = KEEP,
    eligible_organisations: Iterable = KEEP,
) -> Programme:
    """Change a programme's fields (not its status: use programme_set_status). Arguments not
    given keep their value."""
    fields = given(
        name=name,
        period=period,
        goal=goal,
        sub_goals=sub_goals,
        description=description,
        enrolment_opens=enrolment_opens,
        enrolment_closes=enrolment_closes,
        eligible_levels=eligible_levels,
        eligible_org_kinds=eligible_org_kinds,
    )
    if "eligible_levels" in fields:
        fields["eligible_levels"] = [int(x) for x in fields["eligible_levels"] or []]
    for key in ("name", "period"):
        if key in fields:
            fields[key] = (fields[key] or "").strip()
    with transaction.atomic():
        locked = Programme.objects.select_for_update().get(pk=programme.pk)
        before = audit.values(locked)
        for key, value in fields.items():
            setattr(locked, key, value)
        _validate(locked)
        locked.save()
        changes = audit.diff(before, locked)
        if eligible_organisations is not KEEP:
            old = sorted(locked.eligible_organisations.values_list("pk", flat=True))
            new = _organisation_ids(eligible_organisations)
            locked.eligible_organisations.set(new)
            if old != new:
                changes["eligible_organisations"] = [old, new]
        audit.record(by, audit.UPDATE, [locked], changes, event="programme_update")
    for key in fields:
        setattr(programme, key, getattr(locked, key))
    return locked


def programme_set_status(*, programme: Programme, status: str, by) -> Programme:
    """Move a programme forward: draft → open → running → closed (never back)."""
    if status not in Programme.Status.values:
        raise ValidationError(_("Unknown status."))
    with transaction.atomic():
        current = Programme.objects.select_for_update().get(pk=programme.pk)
        if STATUS_ORDER.index(status) <= STATUS_ORDER.index(current.status):
            raise ValidationError(
                _("A programme can only move forward: draft, open, running, closed."), code="backwards"
            )
        was = current.status
        current.status = status
        current.save(update_fields=["status", "updated_at"])
        audit.record(by, audit.UPDATE, [current], {"status": [was, status]}, event="programme_set_status")
    programme.status = status
    return programme
