"""Commitments: agreements between top leaders made at a session ("avtaler/forpliktelser")."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from programmes.models import Commitment, Programme, Session
from toppleder import audit
from toppleder.models import Leader
from toppleder.permissions import is_hr, leader_of


def commitment_create(
    *,
    programme: Programme,
    text: str,
    parties: Iterable,
    by,
    session: Session | None = None,
    organisations: Iterable = (),
    due_date=None,
) -> Commitment:
    """Record an agreement between top leaders (at a session or in the programme)."""
    parties = list(Leader.objects.filter(pk__in=[getattr(p, "pk", p) for p in parties]).order_by("pk"))
    errors = {}
    if not (text or "").strip():
        errors["text"] = _("Write what was agreed.")
    if not parties:
        errors["parties"] = _("Choose at least one leader who is party to the commitment.")
    if session is not None and session.programme_id != programme.pk:
        errors["session"] = _("The session belongs to another programme.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        commitment = Commitment.objects.create(
            programme=programme, session=session, text=text.strip(), due_date=due_date, created_by=by
        )
        party_ids = [p.pk for p in parties]
        org_ids = sorted({getattr(o, "pk", o) for o in organisations}) or sorted({p.organisation_id for p in parties})
        commitment.parties.set(party_ids)
        commitment.organisations.set(org_ids)
        changes = {**audit.created(commitment), "parties": [None, party_ids], "organisations": [None, org_ids]}
        audit.record(by, audit.CREATE, [commitment], changes, event="commitment_create")
    return commitment


@transaction.atomic
def commitment_update_status(*, commitment: Commitment, status: str, by, follow_up: str = "") -> Commitment:
    """A party to the commitment (or HR) updates its status and follow-up note."""
    if status not in Commitment.Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    leader = leader_of(by)
    is_party = leader is not None and commitment.parties.filter(pk=leader.pk).exists()
    if by is not None and not (is_party or is_hr(by)):
        raise PermissionDenied(_("Only the parties to a commitment or HR can update it."))
    locked = Commitment.objects.select_for_update().get(pk=commitment.pk)
    before = audit.values(locked)
    locked.status = status
    if follow_up:
        locked.follow_up = follow_up.strip()
    locked.save(update_fields=["status", "follow_up", "updated_at"])
    audit.record(by, audit.UPDATE, [locked], audit.diff(before, locked), event="commitment_update_status")
    _follow_with_survey_action(locked, by)
    commitment.status, commitment.follow_up = locked.status, locked.follow_up
    return locked


def _follow_with_survey_action(commitment: Commitment, by) -> None:
    """A commitment made as an action on a survey figure is one item to its parties: the
    action is done or dropped when the commitment is, and planned while it is open. Reached
    through the reverse relation, so this module does not import the surveys app."""
    action = (
        type(commitment)
        .survey_action.related.related_model.objects.select_for_update()
        .filter(commitment=commitment)
        .first()
    )
    if action is None:
        return
    status = {"done": "done", "dropped": "dropped"}.get(commitment.status, "planned")
    if action.status == status:
        return
    before = audit.values(action)
    action.status = status
    action.save(update_fields=["status"])
    audit.record(by, audit.UPDATE, [action], audit.diff(before, action), event="commitment_update_status")
