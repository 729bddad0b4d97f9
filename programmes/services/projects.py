"""Collaboration projects across organisations: HR records one (at a gathering, or between
them); its leaders (or HR) keep its status, outcome and links up to date."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from programmes.models import CollaborationProject, Commitment, Measure, Programme, Session
from programmes.services.common import KEEP
from toppleder import audit
from toppleder.models import Leader, Organisation
from toppleder.permissions import is_hr, leader_of


def _ids(objects: Iterable) -> list[int]:
    return sorted({getattr(o, "pk", o) for o in objects or ()})


def _check(programme: Programme, title: str, links: dict[str, list[int]], status: str, outcome: str) -> None:
    errors: dict[str, list] = {}
    if not (title or "").strip():
        errors["title"] = [_("Give the project a title.")]
    if not links["leaders"]:
        errors["leaders"] = [_("Choose at least one leader who takes part.")]
    elif Leader.objects.filter(pk__in=links["leaders"]).count() != len(links["leaders"]):
        errors["leaders"] = [_("Unknown leader.")]
    if len(links["organisations"]) < 2:
        errors["organisations"] = [_("A collaboration project spans at least two organisations.")]
    elif Organisation.objects.filter(pk__in=links["organisations"]).count() != len(links["organisations"]):
        errors["organisations"] = [_("Unknown organisation.")]
    if Session.objects.filter(pk__in=links["sessions"], programme=programme).count() != len(links["sessions"]):
        errors["sessions"] = [_("Choose sessions of the project's programme.")]
    if Commitment.objects.filter(pk__in=links["commitments"], programme=programme).count() != len(links["commitments"]):
        errors["commitments"] = [_("Choose commitments of the project's programme.")]
    if Measure.objects.filter(pk__in=links["measures"]).count() != len(links["measures"]):
        errors["measures"] = [_("Unknown measure.")]
    if status not in CollaborationProject.Status.values:
        errors["status"] = [_("Unknown status.")]
    elif status == CollaborationProject.Status.COMPLETED and not (outcome or "").strip():
        errors["outcome"] = [_("Say what came of the project before marking it completed.")]
    if errors:
        raise ValidationError(errors)


def _organisations_of(leader_ids: list[int]) -> list[int]:
    return sorted(set(Leader.objects.filter(pk__in=leader_ids).values_list("organisation_id", flat=True)))


def project_create(
    *,
    programme: Programme,
    title: str,
    leaders: Iterable,
    by,
    description: str = "",
    organisations: Iterable = (),
    sessions: Iterable = (),
    commitments: Iterable = (),
    measures: Iterable = (),
    status: str = CollaborationProject.Status.ACTIVE,
    outcome: str = "",
) -> CollaborationProject:
    """Record a collaboration project. Without organisations, the leaders' organisations count."""
    links = {
        "leaders": _ids(leaders),
        "organisations": _ids(organisations),
        "sessions": _ids(sessions),
        "commitments": _ids(commitments),
        "measures": _ids(measures),
    }
    if not links["organisations"]:
        links["organisations"] = _organisations_of(links["leaders"])
    _check(programme, title, links, status, outcome)
    with transaction.atomic():
        project = CollaborationProject.objects.create(
            programme=programme,
            title=title.strip(),
            description=(description or "").strip(),
            status=status,
            outcome=(outcome or "").strip(),
            created_by=by,
        )
        changes = audit.created(project)
        for name, ids in links.items():
            getattr(project, name).set(ids)
            if ids:
                changes[name] = [None, ids]
        audit.record(by, audit.CREATE, [project], changes, event="project_create")
    return project


def project_update(
    *,
    project: CollaborationProject,
    by,
    title: str = KEEP,
    description: str = KEEP,
    status: str = KEEP,
    outcome: str = KEEP,
    leaders: Iterable = KEEP,
    organisations: Iterable = KEEP,
    sessions: Iterable = KEEP,
    commitments: Iterable = KEEP,
    measures: Iterable = KEEP,
) -> CollaborationProject:
    """A leader of the project (or HR) changes it; arguments not given keep their value (empty
    `organisations`: the leaders' organisations, as when it was recorded)."""
    leader = leader_of(by)
    if by is not None and not (is_hr(by) or (leader and project.leaders.filter(pk=leader.pk).exists())):
        raise PermissionDenied(_("Only the project's leaders or HR can change it."))
    given = {"leaders": leaders, "organisations": organisations, "sessions": sessions}
    given |= {"commitments": commitments, "measures": measures}
    with transaction.atomic():
        locked = CollaborationProject.objects.select_for_update().get(pk=project.pk)
        before = audit.values(locked)
        links = {
            name: (sorted(getattr(locked, name).values_list("pk", flat=True)) if value is KEEP else _ids(value))
            for name, value in given.items()
        }
        if organisations is not KEEP and not links["organisations"]:
            links["organisations"] = _organisations_of(links["leaders"])
        for name, value in (("title", title), ("description", description), ("status", status), ("outcome", outcome)):
            if value is not KEEP:
                setattr(locked, name, (value or "").strip())
        _check(locked.programme, locked.title, links, locked.status, locked.outcome)
        locked.save()
        changes = audit.diff(before, locked)
        for name, new in links.items():
            old = sorted(getattr(locked, name).values_list("pk", flat=True))
            if old != new:
                getattr(locked, name).set(new)
                changes[name] = [old, new]
        audit.record(by, audit.UPDATE, [locked], changes, event="project_update")
    return locked
