"""Registration: sign up and cancel, the waiting list, attendance, the calendar feed's address.

Capacity is guarded by a row lock on the session (`select_for_update`), and confirmed seats
are counted in the database inside the same transaction, so no amount of concurrent sign-ups
confirms more than `capacity` people. `REGISTRATION_LOCKING` exists only so a test can show
that the concurrency test fails without the lock.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from programmes import tasks
from programmes.models import ProgrammeEnrolment, Registration, Session, WaitlistChange
from toppleder import audit
from toppleder.celery import queue_after_commit
from toppleder.models import Leader

# Switch the session row lock off ONLY in the control run of the concurrency test.
REGISTRATION_LOCKING = getattr(settings, "REGISTRATION_LOCKING", True)
# How long a sign-up waits for the session lock before telling the user to try again.
REGISTRATION_LOCK_TIMEOUT_MS = getattr(settings, "REGISTRATION_LOCK_TIMEOUT_MS", 5000)
WAITING_ORDER = ("waitlist_position", "created_at", "pk")


class RegistrationBusy(Exception):
    """The session was locked by other sign-ups for too long: the user should try again."""

    message = _("Many people are signing up right now. Please try again.")

    def __str__(self):
        return str(self.message)


def lock_session(pk: int) -> Session:
    """Lock the session row for the rest of the transaction (bounded wait on PostgreSQL)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = %s", [f"{int(REGISTRATION_LOCK_TIMEOUT_MS)}ms"])
    return Session.objects.select_for_update(of=("self",)).get(pk=pk)


def _is_lock_error(exc: Exception) -> bool:
    code = getattr(getattr(exc, "__cause__", None), "pgcode", None)
    # 55P03 lock_not_available, 40001 serialization_failure, 40P01 deadlock, 57014 canceled
    return code in {"55P03", "40001", "40P01", "57014"} or "database is locked" in str(exc)


def count_confirmed(session: Session) -> int:
    return Registration.objects.filter(session_id=session.pk, status=Registration.Status.CONFIRMED).count()


def _waiting(session: Session) -> list[Registration]:
    return list(
        Registration.objects.filter(session_id=session.pk, status=Registration.Status.WAITLISTED).order_by(
            *WAITING_ORDER
        )
    )


def _set_positions(ordered: list[Registration], *, by, event: str) -> list[Registration]:
    """Waiting-list positions 1..n in the given order; saves and records only the rows that moved."""
    moved = []
    for position, reg in enumerate(ordered, start=1):
        if reg.waitlist_position != position:
            reg._audit_old_position = reg.waitlist_position
            reg.waitlist_position = position
            moved.append(reg)
    if moved:
        Registration.objects.bulk_update(moved, ["waitlist_position"])
        audit.record(
            by,
            audit.UPDATE,
            moved,
            lambda r: {"waitlist_position": [r._audit_old_position, r.waitlist_position]},
            event=event,
        )
    return moved


def promote_waiting(session: Session, *, by, event: str) -> list[Registration]:
    """Fill every free seat from the top of the waiting list (the caller holds the session lock).

    Only while the session is published and has not started: nobody is promoted into a
    cancelled, completed or past session.
    """
    if session.status != Session.Status.PUBLISHED or session.starts_at <= timezone.now():
        return []
    free = session.capacity - count_confirmed(session)
    if free <= 0:
        return []
    waiting = _waiting(session)
    first, rest = waiting[:free], waiting[free:]
    if not first:
        return []
    now = timezone.now()
    for reg in first:
        reg._audit_old_position = reg.waitlist_position
        reg.status = Registration.Status.CONFIRMED
        reg.waitlist_position = None
        reg.promoted_at = now
        reg.updated_at = now
    Registration.objects.bulk_update(first, ["status", "waitlist_position", "promoted_at", "updated_at"])
    audit.record(
        by,
        audit.UPDATE,
        first,
        lambda r: {
            "status": [Registration.Status.WAITLISTED, Registration.Status.CONFIRMED],
            "waitlist_position": [r._audit_old_position, None],
            "promoted_at": [None, now],
        },
        event=event,
    )
    _set_positions(rest, by=by, event=event)
    for reg in first:
        queue_after_commit(tasks.registration_promoted, reg.pk)
    return first


def _refusal(session: Session, leader: Leader, existing: Registration | None):
    if existing is not None and existing.status != Registration.Status.CANCELLED:
        if existing.status == Registration.Status.WAITLISTED:
            return _("You are already on the waiting list for this session.")
        return _("You are already signed up for this session.")
    if session.status == Session.Status.DRAFT:
        return _("This session is not open for registration yet.")
    if session.status == Session.Status.CANCELLED:
        return _("This session has been cancelled.")
    if session.status == Session.Status.COMPLETED:
        return _("This session has already taken place.")
    deadline = session.registration_deadline or session.starts_at
    if timezone.now() >= deadline:
        return _("The registration deadline for this session has passed.")
    enrolled = ProgrammeEnrolment.objects.active().filter(programme_id=session.programme_id, leader=leader).exists()
    if not enrolled:
        return _("You are not enrolled in the programme this session belongs to.")
    groups = list(session.reserved_for_groups.values_list("pk", flat=True))
    if groups and not leader.leader_groups.filter(pk__in=groups).exists():
        return _("This session is reserved for particular leader groups.")
    return None


def registration_create(*, session: Session, leader: Leader, by=None) -> Registration:
    """Sign a leader up in one click: a confirmed seat if one is free, else the waiting list.

    The session row is locked for the transaction and confirmed seats are counted in the
    database, so capacity holds under any concurrency. If the lock cannot be had in
    REGISTRATION_LOCK_TIMEOUT_MS, raises RegistrationBusy ("try again"), never a 500.
    A cancelled registration is reused. Refusals raise ValidationError.
    """
    try:
        with transaction.atomic():
            session = lock_session(session.pk) if REGISTRATION_LOCKING else Session.objects.get(pk=session.pk)
            existing = Registration.objects.filter(session_id=session.pk, leader_id=leader.pk).first()
            refusal = _refusal(session, leader, existing)
            if refusal:
                raise ValidationError(refusal, code="refused")
            confirmed = count_confirmed(session)
            registration = existing or Registration(session=session, leader=leader)
            before = audit.values(registration) if existing else None
            registration.created_at = timezone.now()
            registration.cancelled_at = None
            registration.promoted_at = None
            registration.attendance = Registration.Attendance.UNKNOWN
            if confirmed < session.capacity:
                registration.status = Registration.Status.CONFIRMED
                registration.waitlist_position = None
            else:
                last = Registration.objects.filter(
                    session_id=session.pk, status=Registration.Status.WAITLISTED
                ).aggregate(m=Max("waitlist_position"))["m"]
                registration.status = Registration.Status.WAITLISTED
                registration.waitlist_position = (last or 0) + 1
            registration.save()
            if before is None:
                audit.record(by, audit.CREATE, [registration], audit.created(registration), event="registration_create")
            else:
                audit.record(
                    by, audit.UPDATE, [registration], audit.diff(before, registration), event="registration_create"
                )
            queue_after_commit(tasks.registration_confirmed, registration.pk)
    except IntegrityError as exc:
        # Same leader twice at once without the lock: the unique constraint catches it.
        raise ValidationError(_("You are already signed up for this session."), code="duplicate") from exc
    except DatabaseError as exc:
        if _is_lock_error(exc):
            raise RegistrationBusy() from exc
        raise
    return registration


def registration_cancel(*, registration: Registration, by=None) -> Registration:
    """Cancel a seat or leave the waiting list. A freed seat goes to the first waiting."""
    try:
        with transaction.atomic():
            session = lock_session(registration.session_id)
            reg = Registration.objects.select_for_update().get(pk=registration.pk)
            if reg.status == Registration.Status.CANCELLED:
                raise ValidationError(_("This registration is already cancelled."), code="cancelled")
            if session.status in (Session.Status.COMPLETED, Session.Status.CANCELLED) or (
                session.starts_at <= timezone.now()
            ):
                raise ValidationError(_("The session has already started or is closed."), code="closed")
            before = audit.values(reg)
            was = reg.status
            reg.status = Registration.Status.CANCELLED
            reg.waitlist_position = None
            reg.cancelled_at = timezone.now()
            reg.save(update_fields=["status", "waitlist_position", "cancelled_at", "updated_at"])
            audit.record(by, audit.UPDATE, [reg], audit.diff(before, reg), event="registration_cancel")
            if was == Registration.Status.CONFIRMED:
                promote_waiting(session, by=by, event="registration_cancel")
            else:
                _set_positions(_waiting(session), by=by, event="registration_cancel")
            queue_after_commit(tasks.registration_cancelled, reg.pk)
    except DatabaseError as exc:
        if _is_lock_error(exc):
            raise RegistrationBusy() from exc
        raise
    registration.status, registration.waitlist_position = reg.status, None
    registration.cancelled_at = reg.cancelled_at
    return reg


def waitlist_reorder(*, registration: Registration, new_position: int, reason: str, by) -> Registration:
    """HR moves someone on the waiting list; the reason is required and recorded."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give a reason for moving someone on the waiting list.")})
    with transaction.atomic():
        session = lock_session(registration.session_id)
        regs = _waiting(session)
        target = next((r for r in regs if r.pk == registration.pk), None)
        if target is None:
            raise ValidationError(_("This leader is not on the waiting list."))
        try:
            new_position = int(new_position)
        except (TypeError, ValueError):
            new_position = 0
        if not 1 <= new_position <= len(regs):
            raise ValidationError({"new_position": _("Choose a position between 1 and %(n)s.") % {"n": len(regs)}})
        old_position = regs.index(target) + 1
        regs.remove(target)
        regs.insert(new_position - 1, target)
        _set_positions(regs, by=by, event="waitlist_reorder")
        change = WaitlistChange.objects.create(
            registration=target,
            changed_by=by,
            old_position=old_position,
            new_position=new_position,
            reason=reason.strip()[:300],
        )
        audit.record(by, audit.CREATE, [change], audit.created(change), event="waitlist_reorder")
    return target


def waitlist_favour_newcomers(*, session: Session, by, reason: str) -> int:
    """Put leaders who have not yet attended a session of this kind first (stable).

    Each moved leader gets a WaitlistChange with the reason. Returns how many moved.
    """
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give a reason for moving someone on the waiting list.")})
    with transaction.atomic():
        session = lock_session(session.pk)
        regs = _waiting(session)
        veterans = set(
            Registration.objects.filter(
                leader_id__in=[r.leader_id for r in regs],
                session__kind=session.kind,
                attendance=Registration.Attendance.ATTENDED,
            )
            .exclude(session_id=session.pk)
            .values_list("leader_id", flat=True)
        )
        ordered = [r for r in regs if r.leader_id not in veterans] + [r for r in regs if r.leader_id in veterans]
        old = {r.pk: i for i, r in enumerate(regs, start=1)}
        moved = _set_positions(ordered, by=by, event="waitlist_favour_newcomers")
        changes = WaitlistChange.objects.bulk_create(
            [
                WaitlistChange(
                    registration=reg,
                    changed_by=by,
                    old_position=old[reg.pk],
                    new_position=reg.waitlist_position,
                    reason=reason.strip()[:300],
                )
                for reg in moved
            ]
        )
        audit.record(by, audit.CREATE, changes, audit.created, event="waitlist_favour_newcomers")
    return len(moved)


@transaction.atomic
def attendance_record(*, session: Session, marks: dict, by) -> int:
    """Mark attendance for a whole session at once: {registration id: attended/no_show/unknown}.

    Only confirmed registrations of this session may be marked; anything else is an error and
    nothing is saved. Returns how many registrations changed.
    """
    clean = {}
    for key, value in marks.items():
        try:
            clean[int(key)] = value
        except (TypeError, ValueError) as exc:
            raise ValidationError(_("Unknown registration.")) from exc
    if any(v not in Registration.Attendance.values for v in clean.values()):
        raise ValidationError(_("Attendance must be attended, did not attend or not recorded."))
    if session.status in (Session.Status.DRAFT, Session.Status.CANCELLED):
        raise ValidationError(_("Attendance can only be recorded for a published or completed session."))
    if session.starts_at > timezone.now():
        raise ValidationError(_("Attendance can be recorded once the session has started."))
    regs = {
        r.pk: r
        for r in Registration.objects.select_for_update().filter(
            pk__in=clean, session_id=session.pk, status=Registration.Status.CONFIRMED
        )
    }
    missing = set(clean) - set(regs)
    if missing:
        raise ValidationError(
            _("Only confirmed registrations for this session can be marked (%(ids)s)."),
            params={"ids": ", ".join(str(i) for i in sorted(missing))},
        )
    changed = [r for pk, r in regs.items() if r.attendance != clean[pk]]
    now = timezone.now()
    for reg in changed:
        reg._audit_was = reg.attendance
        reg.attendance = clean[reg.pk]
        reg.updated_at = now
    Registration.objects.bulk_update(changed, ["attendance", "updated_at"])
    audit.record(
        by, audit.UPDATE, changed, lambda r: {"attendance": [r._audit_was, r.attendance]}, event="attendance_record"
    )
    return len(changed)


@transaction.atomic
def calendar_token_reset(*, leader: Leader, by=None) -> str:
    """Give the leader a new secret feed address; the old one stops working at once."""
    leader.calendar_token = secrets.token_urlsafe()
    leader.save(update_fields=["calendar_token"])
    # The token is a sensitive field: the log says that it changed, never what it is.
    audit.record(by or leader.user, audit.UPDATE, [leader], {"calendar_token": None}, event="calendar_token_reset")
    return leader.calendar_token
