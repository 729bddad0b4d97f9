"""Enrolment: leaders (one by one, by leader group, by organisation) in and out of a programme."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from programmes import tasks
from programmes.models import EnrolmentCount, Programme, ProgrammeEnrolment, Registration, Session
from programmes.services.registrations import registration_cancel
from toppleder import audit
from toppleder.celery import queue_after_commit
from toppleder.models import Leader, LeaderGroup, Organisation


def leaders_ineligible(programme: Programme, leaders: Iterable[Leader]) -> list[Leader]:
    """The leaders who do not meet the programme's eligibility (levels, organisation kinds,
    organisations). Each leader needs `level`, `organisation_id` and `organisation.kind`."""
    levels = set(programme.eligible_levels or [])
    kinds = set(programme.eligible_org_kinds or [])
    org_ids = set(programme.eligible_organisations.values_list("pk", flat=True))
    bad = []
    for leader in leaders:
        if levels and leader.level not in levels:
            bad.append(leader)
        elif kinds and leader.organisation.kind not in kinds:
            bad.append(leader)
        elif org_ids and leader.organisation_id not in org_ids:
            bad.append(leader)
    return bad


def _as_leaders(leaders: Iterable) -> list[Leader]:
    """By organisation, then id: the order in which their enrolments are written, so that the
    database's counts per organisation (`EnrolmentCount`) are always locked in the same order."""
    ids = [getattr(x, "pk", x) for x in leaders]
    return list(Leader.objects.with_org().filter(pk__in=ids).order_by("organisation_id", "pk"))


@transaction.atomic
def enrolment_add(*, programme: Programme, leaders: Iterable, by, via_group: LeaderGroup | None = None) -> int:
    """Enrol leaders (objects or ids). Idempotent; a withdrawn leader is enrolled again.

    Every leader must meet the programme's eligibility, otherwise nothing is enrolled and the
    error names them. Returns how many were newly enrolled (or re-enrolled).
    """
    if programme.status == Programme.Status.CLOSED:
        raise ValidationError(_("The programme is closed."))
    leaders = _as_leaders(leaders)
    bad = leaders_ineligible(programme, leaders)
    if bad:
        names = ", ".join(str(le) for le in bad)
        raise ValidationError(
            _("Not eligible for this programme: %(names)s."), code="ineligible", params={"names": names}
        )
    # The counts the triggers will change, locked in organisation order before any row is
    # written: two enrolments of the same organisations at once wait for each other instead
    # of deadlocking. (Counts not yet there are created in that order too, see above.)
    list(
        EnrolmentCount.objects.select_for_update()
        .filter(programme=programme, organisation__in={le.organisation_id for le in leaders})
        .order_by("organisation_id")
        .values_list("pk", flat=True)
    )
    existing = {e.leader_id: e for e in ProgrammeEnrolment.objects.filter(programme=programme, leader__in=leaders)}
    now = timezone.now()
    new, back, before = [], [], {}
    for leader in leaders:
        enrolment = existing.get(leader.pk)
        if enrolment is None:
            new.append(ProgrammeEnrolment(programme=programme, leader=leader, via_group=via_group, enrolled_at=now))
        elif enrolment.status == ProgrammeEnrolment.Status.WITHDRAWN:
            before[enrolment.pk] = audit.values(enrolment)
            enrolment.status = ProgrammeEnrolment.Status.ENROLLED
            enrolment.withdrawn_at = None
            enrolment.enrolled_at = now
            enrolment.via_group = via_group or enrolment.via_group
            back.append(enrolment)
    # Not ignore_conflicts: the audit entries need the new rows' ids. A concurrent enrolment of
    # the same leader (the unique constraint) is a message to try again.
    try:
        with transaction.atomic():
            ProgrammeEnrolment.objects.bulk_create(new)
    except IntegrityError as exc:
        raise ValidationError(
            _("Some of these leaders were enrolled by someone else at the same moment. Please try again."),
            code="concurrent",
        ) from exc
    if back:
        ProgrammeEnrolment.objects.bulk_update(back, ["status", "withdrawn_at", "enrolled_at", "via_group"])
    audit.record(by, audit.CREATE, new, audit.created, event="enrolment_add")
    audit.record(by, audit.UPDATE, back, lambda e: audit.diff(before[e.pk], e), event="enrolment_add")
    added = [e.leader_id for e in (*new, *back)]
    if added and programme.sessions.filter(status=Session.Status.PUBLISHED).exists():
        # Sessions published before these leaders joined still reach them.
        queue_after_commit(tasks.enrolment_invitations, programme.pk, added)
    return len(added)


@transaction.atomic
def enrolment_add_groups(*, programme: Programme, groups: Iterable[LeaderGroup], by) -> int:
    """Enrol every member of the given leader groups.

    Members who are not eligible (e.g. level-2 leaders in a level-1 programme) are skipped
    rather than blocking the whole group. Returns how many were newly enrolled.
    """
    total = 0
    for group in groups:
        members = list(group.members.with_org())
        bad = {le.pk for le in leaders_ineligible(programme, members)}
        eligible = [le for le in members if le.pk not in bad]
        total += enrolment_add(programme=programme, leaders=eligible, by=by, via_group=group)
    return total


@transaction.atomic
def enrolment_add_organisations(*, programme: Programme, organisations: Iterable[Organisation], by) -> int:
    """Enrol every top leader group of the given organisations (eligible members only)."""
    org_ids = [getattr(o, "pk", o) for o in organisations]
    groups = LeaderGroup.objects.filter(organisation__in=org_ids, is_top_leader_group=True).order_by("pk")
    return enrolment_add_groups(programme=programme, groups=groups, by=by)


@transaction.atomic
def enrolment_withdraw(*, enrolment: ProgrammeEnrolment, by) -> ProgrammeEnrolment:
    """Withdraw a leader from a programme; their upcoming registrations are cancelled."""
    enrolment = ProgrammeEnrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.status == ProgrammeEnrolment.Status.WITHDRAWN:
        return enrolment
    before = audit.values(enrolment)
    enrolment.status = ProgrammeEnrolment.Status.WITHDRAWN
    enrolment.withdrawn_at = timezone.now()
    enrolment.save(update_fields=["status", "withdrawn_at"])
    audit.record(by, audit.UPDATE, [enrolment], audit.diff(before, enrolment), event="enrolment_withdraw")
    upcoming = Registration.objects.filter(
        leader_id=enrolment.leader_id,
        session__programme_id=enrolment.programme_id,
        session__starts_at__gt=timezone.now(),
        status__in=[Registration.Status.CONFIRMED, Registration.Status.WAITLISTED],
    ).order_by("pk")
    for registration in upcoming:
        registration_cancel(registration=registration, by=by)
    return enrolment
