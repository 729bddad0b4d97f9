"""Registration: sign up and cancel, the waiting list, attendance, the calendar feed's address.

Capacity is guarded by a row lock on the session (`select_for_update`), and confirmed and
offered seats are counted in the database inside the same transaction, so no amount of
concurrent sign-ups confirms more than `capacity` people. After every status change the
session's seat counters (programmes/seats.py, what the pages read) are set from the rows, under
the same lock. `REGISTRATION_LOCKING` exists only so a test can show
that the concurrency test fails without the lock.

The e-mails a change causes (`notifications.<kind>_queue`: confirmation, cancellation,
promotion, offer) are written to the outbox inside the change's own transaction: they commit
with it or not at all. A COMMIT whose answer never reached the portal (the database going away
as it committed) or a process dying just after it still leaves the e-mail; only its delivery is
queued after the commit, and the outbox sweeper sends what that loses. (A task queued after the
commit to write the e-mail would be lost in that gap.)
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from programmes import notifications, seats, tasks
from programmes.models import (
    EmailActionUse,
    GroupBooking,
    GuestInvitation,
    Participant,
    ProgrammeEnrolment,
    Registration,
    Session,
    SessionDecline,
    WaitlistChange,
)
from toppleder import audit
from toppleder.celery import queue_after_commit
from toppleder.models import Leader

# Switch the session row lock off ONLY in the control run of the concurrency test.
REGISTRATION_LOCKING = getattr(settings, "REGISTRATION_LOCKING", True)
# How long a sign-up waits for the session lock before telling the user to try again.
REGISTRATION_LOCK_TIMEOUT_MS = getattr(settings, "REGISTRATION_LOCK_TIMEOUT_MS", 5000)
WAITING_ORDER = ("waitlist_position", "created_at", "pk")


def offer_rules() -> tuple:
    """(accept window, cut-off, shortest window) for waiting-list offers, from settings.

    A freed seat is offered to the first waiting, who has the window (default 24 h) to keep
    it, but never past the cut-off before the start (default 48 h). Once a window would be
    shorter than the shortest (default 1 h), the seat goes to the whole list at once instead:
    first to accept wins.
    """
    from datetime import timedelta

    return (
        timedelta(hours=getattr(settings, "OFFER_WINDOW_HOURS", 24)),
        timedelta(hours=getattr(settings, "OFFER_CUTOFF_HOURS", 48)),
        timedelta(minutes=getattr(settings, "OFFER_MIN_WINDOW_MINUTES", 60)),
    )


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


ROOM, ONLINE = Registration.Mode.ROOM, Registration.Mode.ONLINE


def count_confirmed(session: Session) -> int:
    """Confirmed seats in the room (every session's one mode; a hybrid session's room)."""
    return Registration.objects.filter(session_id=session.pk, status=Registration.Status.CONFIRMED, mode=ROOM).count()


def count_offered(session: Session) -> int:
    """Seats in the room held for someone on the waiting list until their offer runs out."""
    return Registration.objects.filter(session_id=session.pk, status=Registration.Status.OFFERED, mode=ROOM).count()


def modes(session: Session) -> list[str]:
    """The ways of taking part: the room, and for a hybrid session also online."""
    return [ROOM, ONLINE] if session.format == Session.Format.HYBRID else [ROOM]


def free_seats(session: Session, mode: str = ROOM) -> int | None:
    """Seats not confirmed or held for an offer, counted in the database (None: no limit).
    The caller holds the session lock."""
    if mode == ROOM:
        return session.capacity - count_confirmed(session) - count_offered(session)
    if session.online_capacity is None:
        return None
    taken = Registration.objects.filter(
        session_id=session.pk,
        status__in=[Registration.Status.CONFIRMED, Registration.Status.OFFERED],
        mode=ONLINE,
    ).count()
    return session.online_capacity - taken


def _waiting(session: Session, mode: str = ROOM) -> list[Registration]:
    """One mode's waiting list, in order (each mode of a hybrid session has its own)."""
    return list(
        Registration.objects.filter(session_id=session.pk, status=Registration.Status.WAITLISTED, mode=mode).order_by(
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


def _change_status(reg: Registration, status: str, *, position: int | None = None) -> list[str]:
    """The one place a registration's status changes (callers save the returned fields).

    Bumps `calendar_sequence` so the leader's calendar entry moves on (a CANCEL after a
    REQUEST, a REQUEST after a CANCEL, a confirmed seat after a tentative one).
    """
    fields = ["status", "waitlist_position", "calendar_sequence", "updated_at"]
    if reg.pk is not None and reg.status == status:
        reg.waitlist_position = position if status == Registration.Status.WAITLISTED else None
        return fields
    if reg.pk is not None:
        reg.calendar_sequence += 1
    reg.status = status
    reg.waitlist_position = position if status == Registration.Status.WAITLISTED else None
    reg.updated_at = timezone.now()
    return fields


def promote_waiting(session: Session, *, by, event: str) -> list[Registration]:
    """Offer every free seat to the waiting list (the caller holds the session lock).

    Nobody is confirmed silently: the first waiting get an offer (status offered, the seat
    held for them) with an accept window (`offer_rules`); inside the cut-off before the start
    the whole list is told at once and the first to accept wins (`offer_accept`, under the
    same lock). Only while the session is published and has not started.
    """
    now = timezone.now()
    if session.status != Session.Status.PUBLISHED or session.starts_at <= now:
        return []
    offered = []
    for mode in modes(session):
        offered += _promote_mode(session, mode, now=now, by=by, event=event)
    return offered


def _promote_mode(session: Session, mode: str, *, now, by, event: str) -> list[Registration]:
    free = free_seats(session, mode)
    waiting = _waiting(session, mode)
    if not waiting:
        return []
    if free is None:
        free = len(waiting)  # no limit online: everyone waiting is offered a place
    if free <= 0:
        return []
    window, cutoff, shortest = offer_rules()
    expires = min(now + window, session.starts_at - cutoff)
    if expires - now < shortest:
        if mode != ROOM:
            return []  # online places near the start: those waiting keep their place (no whole-list call)
        # Close to the start: everyone waiting hears of the seat; the key names this seat
        # (capacity and cancellations so far), so a later edit of the session re-sends nothing.
        cancelled = Registration.objects.filter(session_id=session.pk, status=Registration.Status.CANCELLED).count()
        queue_after_commit(tasks.seat_open, session.pk, f"{session.capacity}-{cancelled}")
        return []
    first = []
    for unit in _units(waiting):
        # A group booked "all or none" is offered its seats together or not at all; it keeps
        # its place, and those behind it who fit are offered the seats meanwhile.
        if len(unit) <= free:
            first.extend(unit)
            free -= len(unit)
        if free == 0:
            break
    if not first:
        return []
    chosen = {r.pk for r in first}
    rest = [r for r in waiting if r.pk not in chosen]
    for reg in first:
        reg._audit_old_position = reg.waitlist_position
        fields = _change_status(reg, Registration.Status.OFFERED)
        reg.offered_at = now
        reg.offer_expires_at = expires
    Registration.objects.bulk_update(first, [*fields, "offered_at", "offer_expires_at"])
    seats.recount([session.pk])
    audit.record(
        by,
        audit.UPDATE,
        first,
        lambda r: {
            "status": [Registration.Status.WAITLISTED, Registration.Status.OFFERED],
            "waitlist_position": [r._audit_old_position, None],
            "offered_at": [None, now],
            "offer_expires_at": [None, expires],
            "calendar_sequence": [r.calendar_sequence - 1, r.calendar_sequence],
        },
        event=event,
    )
    _set_positions(rest, by=by, event=event)
    for reg in first:
        notifications.waitlist_offer_queue(registration_id=reg.pk)
    return first


def _units(waiting: list[Registration]) -> list[list[Registration]]:
    """The waiting list as units in order: one leader, or every waiting member of a group
    booked "all or none" (at the place of its first member)."""
    booking_ids = {r.group_booking_id for r in waiting if r.group_booking_id}
    whole = set(
        GroupBooking.objects.filter(pk__in=booking_ids, mode=GroupBooking.Mode.ALL_OR_NONE).values_list("pk", flat=True)
    )
    units, groups = [], {}
    for reg in waiting:
        if reg.group_booking_id in whole:
            if reg.group_booking_id not in groups:
                groups[reg.group_booking_id] = []
                units.append(groups[reg.group_booking_id])
            groups[reg.group_booking_id].append(reg)
        else:
            units.append([reg])
    return units


def waiting_fits(session: Session, free: int, mode: str = ROOM) -> bool:
    """Someone already waiting fits in `free` seats (so a newcomer queues behind them). A group
    waiting "all or none" that is larger than the free seats does not hold them back."""
    return any(len(unit) <= free for unit in _units(_waiting(session, mode)))


def _waits_as_unit(reg: Registration) -> bool:
    return bool(
        reg.group_booking_id
        and GroupBooking.objects.filter(pk=reg.group_booking_id, mode=GroupBooking.Mode.ALL_OR_NONE).exists()
    )


def _session_closed(session: Session):
    """Why nobody can sign up for the session now, or None."""
    if session.status == Session.Status.DRAFT:
        return _("This session is not open for registration yet.")
    if session.status == Session.Status.CANCELLED:
        return _("This session has been cancelled.")
    if session.status == Session.Status.COMPLETED:
        return _("This session has already taken place.")
    deadline = session.registration_deadline or session.starts_at
    if timezone.now() >= deadline:
        return _("The registration deadline for this session has passed.")
    return None


def _refusal(session: Session, leader: Leader | None, existing: Registration | None, participant=None):
    if existing is not None and existing.status != Registration.Status.CANCELLED:
        if existing.status == Registration.Status.WAITLISTED:
            return _("You are already on the waiting list for this session.")
        if existing.status == Registration.Status.OFFERED:
            return _("A seat is offered to you. Keep it from the e-mail or the session page.")
        return _("You are already signed up for this session.")
    closed = _session_closed(session)
    if closed:
        return closed
    if participant is not None:
        # A participant who is not a leader takes part when HR invited them to this session.
        invited = GuestInvitation.objects.filter(session_id=session.pk, participant=participant).exists()
        return None if invited else _("You have not been invited to this session.")
    if GuestInvitation.objects.filter(session_id=session.pk, leader=leader).exists():
        return None  # HR invited this leader by name (a guest who is a leader): no enrolment needed
    enrolled = ProgrammeEnrolment.objects.active().filter(programme_id=session.programme_id, leader=leader).exists()
    if not enrolled:
        return _("You are not enrolled in the programme this session belongs to.")
    groups = list(session.reserved_for_groups.values_list("pk", flat=True))
    if groups and not leader.leader_groups.filter(pk__in=groups).exists():
        return _("This session is reserved for particular leader groups.")
    return None


def _mode_refusal(session: Session, mode: str):
    if mode not in Registration.Mode.values:
        return _("Choose whether you take part in the room or online.")
    if mode not in modes(session):
        return _("This session has one way of taking part: sign up without choosing.")
    return None


def _next_position(session: Session, mode: str) -> int:
    last = Registration.objects.filter(
        session_id=session.pk, status=Registration.Status.WAITLISTED, mode=mode
    ).aggregate(m=Max("waitlist_position"))["m"]
    return (last or 0) + 1


def registration_create(
    *, session: Session, leader: Leader | None = None, participant: Participant | None = None, by=None, mode: str = ROOM
) -> Registration:
    """Sign a leader up in one click: a confirmed seat if one is free, else the waiting list.

    Or a participant who is not a leader (`participant`, invited by HR: a politician, a union
    representative): the same seats, lock, waiting list, e-mails and calendar entry.

    The session row is locked for the transaction and confirmed seats are counted in the
    database, so capacity holds under any concurrency. If the lock cannot be had in
    REGISTRATION_LOCK_TIMEOUT_MS, raises RegistrationBusy ("try again"), never a 500.
    A cancelled registration is reused. Refusals raise ValidationError. `mode`: in a hybrid
    session, a seat in the room or a place online (each with its own capacity and list).
    """
    if (leader is None) == (participant is None):
        raise ValueError("registration_create: a leader or a participant, not both")
    who = {"participant_id": participant.pk} if participant is not None else {"leader_id": leader.pk}
    try:
        with transaction.atomic():
            session = lock_session(session.pk) if REGISTRATION_LOCKING else Session.objects.get(pk=session.pk)
            existing = Registration.objects.filter(session_id=session.pk, **who).first()
            refusal = _refusal(session, leader, existing, participant) or _mode_refusal(session, mode)
            if refusal:
                raise ValidationError(refusal, code="refused")
            # Seats offered to the waiting list are held; nobody jumps a waiting list.
            free = free_seats(session, mode)
            seat = free is None or (free > 0 and not waiting_fits(session, free, mode))
            registration = existing or Registration(session=session, leader=leader, participant=participant)
            before = audit.values(registration) if existing else None
            registration.created_at = timezone.now()
            registration.cancelled_at = None
            registration.promoted_at = None
            registration.offered_at = registration.offer_expires_at = None
            registration.attendance = Registration.Attendance.UNKNOWN
            registration.group_booking = None
            registration.mode = mode
            if seat:
                _change_status(registration, Registration.Status.CONFIRMED)
            else:
                _change_status(registration, Registration.Status.WAITLISTED, position=_next_position(session, mode))
            registration.save()
            seats.recount([session.pk])
            if before is None:
                audit.record(by, audit.CREATE, [registration], audit.created(registration), event="registration_create")
            else:
                audit.record(
                    by, audit.UPDATE, [registration], audit.diff(before, registration), event="registration_create"
                )
            notifications.registration_confirmed_queue(registration_id=registration.pk)
    except IntegrityError as exc:
        # Same leader twice at once without the lock: the unique constraint catches it.
        raise ValidationError(_("You are already signed up for this session."), code="duplicate") from exc
    except DatabaseError as exc:
        if _is_lock_error(exc):
            raise RegistrationBusy() from exc
        raise
    return registration


def registration_restore(*, registration: Registration, by=None) -> Registration:
    """Undo a cancellation within Registration.UNDO_WINDOW: the leader gets a seat back if one
    is still free. Nobody is pushed out: a seat offered to the waiting list meanwhile is theirs,
    and then the undo is refused (signing up again joins the list)."""
    try:
        with transaction.atomic():
            session = lock_session(registration.session_id)
            reg = Registration.objects.select_for_update().get(pk=registration.pk)
            now = timezone.now()
            if reg.undo_until is None or now > reg.undo_until:
                raise ValidationError(
                    _("The cancellation can no longer be undone. Sign up again instead."), code="late"
                )
            if session.status != Session.Status.PUBLISHED or session.starts_at <= now:
                raise ValidationError(_("The session has already started or is closed."), code="closed")
            free = free_seats(session, reg.mode)  # the mode the seat was in (a hybrid session has two)
            if free is not None and free <= 0:
                raise ValidationError(
                    _(
                        "The seat has gone to someone on the waiting list in the meantime. Sign up again to join the list."
                    ),
                    code="taken",
                )
            before = audit.values(reg)
            fields = _change_status(reg, Registration.Status.CONFIRMED)
            reg.cancelled_at = None
            reg.attendance = Registration.Attendance.UNKNOWN
            reg.save(update_fields=[*fields, "cancelled_at", "attendance"])
            seats.recount([session.pk])
            audit.record(by, audit.UPDATE, [reg], audit.diff(before, reg), event="registration_restore")
            notifications.registration_confirmed_queue(registration_id=reg.pk)
    except DatabaseError as exc:
        if _is_lock_error(exc):
            raise RegistrationBusy() from exc
        raise
    return reg


def registration_cancel(*, registration: Registration, by=None, apologies: bool = False) -> Registration:
    """Cancel a seat or leave the waiting list. A freed seat is offered to the waiting list.

    `apologies`: "Kan ikke komme" from a confirmed leader: the seat goes to an offer the
    same way, and the absence is recorded as excused (not a no-show) in attendance and reports.
    """
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
            if apologies and reg.status != Registration.Status.CONFIRMED:
                raise ValidationError(_("Only a leader with a confirmed seat can send apologies."), code="apologies")
            before = audit.values(reg)
            was = reg.status
            fields = _change_status(reg, Registration.Status.CANCELLED)
            reg.cancelled_at = timezone.now()
            if apologies:
                reg.attendance = Registration.Attendance.EXCUSED
                fields.append("attendance")
            reg.save(update_fields=[*fields, "cancelled_at"])
            seats.recount([session.pk])
            audit.record(
                by,
                audit.UPDATE,
                [reg],
                audit.diff(before, reg),
                event="registration_apologies" if apologies else "registration_cancel",
            )
            if was in (Registration.Status.CONFIRMED, Registration.Status.OFFERED):
                promote_waiting(session, by=by, event="registration_cancel")
            else:
                _set_positions(_waiting(session, reg.mode), by=by, event="registration_cancel")
            notifications.registration_cancelled_queue(registration_id=reg.pk)
    except DatabaseError as exc:
        if _is_lock_error(exc):
            raise RegistrationBusy() from exc
        raise
    registration.status, registration.waitlist_position = reg.status, None
    registration.cancelled_at = reg.cancelled_at
    return reg


def offer_accept(*, registration: Registration, by=None) -> Registration:
    """ "Behold plassen": take a seat offered from the waiting list.

    An individual offer (status offered) holds the seat until it runs out; a seat offered to
    the whole list close to the start goes to whoever accepts first. The session row lock
    decides, so a seat is never confirmed twice, and an offer accepted after it ran out
    confirms nobody. Refusals raise ValidationError and change nothing.
    """
    try:
        with transaction.atomic():
            if REGISTRATION_LOCKING:
                session = lock_session(registration.session_id)
                reg = Registration.objects.select_for_update().get(pk=registration.pk)
            else:
                session = Session.objects.get(pk=registration.session_id)
                reg = Registration.objects.get(pk=registration.pk)
            now = timezone.now()
            if session.status != Session.Status.PUBLISHED or session.starts_at <= now:
                raise ValidationError(_("The session has already started or is closed."), code="closed")
            if reg.status == Registration.Status.CONFIRMED:
                raise ValidationError(_("You already have a seat at this session."), code="confirmed")
            if reg.status == Registration.Status.OFFERED:
                if reg.offer_expires_at is not None and reg.offer_expires_at <= now:
                    raise ValidationError(
                        _("The offer has run out, and the seat has gone to the next on the waiting list."),
                        code="expired",
                    )
            elif reg.status == Registration.Status.WAITLISTED:
                if _waits_as_unit(reg):
                    raise ValidationError(
                        _(
                            "Your leader group waits for seats as one unit: the seats are offered to all of you together."
                        ),
                        code="group",
                    )
                free = free_seats(session, reg.mode)
                if free is not None and free <= 0:
                    raise ValidationError(
                        _("Someone else took the seat first. You are still on the waiting list."), code="taken"
                    )
            else:
                raise ValidationError(_("This offer is no longer open."), code="gone")
            was = reg.status
            before = audit.values(reg)
            fields = _change_status(reg, Registration.Status.CONFIRMED)
            reg.promoted_at = now
            reg.offer_expires_at = None
            reg.save(update_fields=[*fields, "promoted_at", "offer_expires_at"])
            seats.recount([session.pk])
            audit.record(by, audit.UPDATE, [reg], audit.diff(before, reg), event="offer_accept")
            if was == Registration.Status.WAITLISTED:
                _set_positions(_waiting(session, reg.mode), by=by, event="offer_accept")
            notifications.registration_promoted_queue(registration_id=reg.pk)
    except DatabaseError as exc:
        if _is_lock_error(exc):
            raise RegistrationBusy() from exc
        raise
    return reg


def registration_switch_mode(*, registration: Registration, mode: str, by=None, wait: bool = False) -> Registration:
    """A hybrid session: move from the room to online or back in one click, when the other
    mode has a free seat. The seat left behind is offered to that mode's waiting list.

    A full mode is refused (nothing changed) with the waiting-list offer in the message;
    `wait=True` takes that offer: the leader gives up the seat they have and goes to the end
    of the other mode's waiting list. A leader on one waiting list moves to the other.
    """
    try:
        with transaction.atomic():
            session = lock_session(registration.session_id)
            reg = Registration.objects.select_for_update().get(pk=registration.pk)
            if session.format != Session.Format.HYBRID:
                raise ValidationError(
                    _("Only a hybrid session can be joined both in the room and online."), code="mode"
                )
            if mode not in Registration.Mode.values:
                raise ValidationError(_("Choose whether you take part in the room or online."), code="mode")
            if session.status != Session.Status.PUBLISHED or session.starts_at <= timezone.now():
                raise ValidationError(_("The session has already started or is closed."), code="closed")
            if reg.status not in (Registration.Status.CONFIRMED, Registration.Status.WAITLISTED):
                raise ValidationError(_("Only a confirmed seat or a waiting place can be moved."), code="status")
            if reg.mode == mode:
                raise ValidationError(_("You already take part this way."), code="same")
            free = free_seats(session, mode)
            has_room = free is None or (free > 0 and not waiting_fits(session, free, mode))
            if not has_room and reg.status == Registration.Status.CONFIRMED and not wait:
                raise ValidationError(
                    _(
                        "There is no free seat %(mode)s. You keep your seat %(here)s. You can instead join the "
                        "waiting list %(mode)s, but then you give up the seat you have."
                    )
                    % {"mode": _mode_words(mode), "here": _mode_words(reg.mode)},
                    code="full",
                )
            before = audit.values(reg)
            was_mode, was_status = reg.mode, reg.status
            reg.mode = mode
            if has_room:
                fields = _change_status(reg, Registration.Status.CONFIRMED)
            else:
                fields = _change_status(reg, Registration.Status.WAITLISTED, position=_next_position(session, mode))
            reg.save(update_fields=[*fields, "mode"])
            seats.recount([session.pk])
            audit.record(by, audit.UPDATE, [reg], audit.diff(before, reg), event="registration_switch_mode")
            if was_status == Registration.Status.CONFIRMED:
                promote_waiting(session, by=by, event="registration_switch_mode")
            else:
                _set_positions(_waiting(session, was_mode), by=by, event="registration_switch_mode")
            notifications.registration_confirmed_queue(registration_id=reg.pk)
    except DatabaseError as exc:
        if _is_lock_error(exc):
            raise RegistrationBusy() from exc
        raise
    return reg


def _mode_words(mode: str) -> str:
    return _("in the room") if mode == ROOM else _("online")


def offers_expire(*, now=None) -> int:
    """Beat: offers nobody answered in time pass on. The leader leaves the waiting list (as
    the offer said) and the seat is offered to the next, or to the whole list near the start.
    Returns how many offers ran out."""
    now = now or timezone.now()
    session_ids = set(
        Registration.objects.filter(status=Registration.Status.OFFERED, offer_expires_at__lte=now).values_list(
            "session_id", flat=True
        )
    )
    lapsed = 0
    for session_id in sorted(session_ids):
        with transaction.atomic():
            session = lock_session(session_id)
            regs = list(
                Registration.objects.select_for_update().filter(
                    session_id=session_id, status=Registration.Status.OFFERED, offer_expires_at__lte=now
                )
            )
            for reg in regs:
                before = audit.values(reg)
                fields = _change_status(reg, Registration.Status.CANCELLED)
                reg.cancelled_at = now
                reg.save(update_fields=[*fields, "cancelled_at"])
                audit.record(None, audit.UPDATE, [reg], audit.diff(before, reg), event="offers_expire")
            seats.recount([session_id])
            lapsed += len(regs)
            promote_waiting(session, by=None, event="offers_expire")
    return lapsed


def invitation_decline(
    *, session: Session, leader: Leader | None = None, participant: Participant | None = None, by=None
):
    """The leader says "Jeg kan ikke" to an invitation: recorded, so no nudge follows.

    A leader who is signed up or waiting cancels on the session page instead. A participant
    (not a leader) declines on their GuestInvitation (`declined_at`); returns the row written.
    """
    with transaction.atomic():
        who = {"participant_id": participant.pk} if participant is not None else {"leader_id": leader.pk}
        active = Registration.objects.filter(
            session_id=session.pk,
            status__in=[Registration.Status.CONFIRMED, Registration.Status.WAITLISTED],
            **who,
        ).exists()
        if active:
            raise ValidationError(
                _("You are signed up for this session. Cancel on the session page if you cannot come."), code="active"
            )
        if participant is not None:
            invitation = GuestInvitation.objects.select_for_update().filter(session_id=session.pk, **who).first()
            if invitation is None:
                raise ValidationError(_("You have not been invited to this session."), code="uninvited")
            if invitation.declined_at is not None:
                raise ValidationError(_("You have already said that you cannot come."), code="declined")
            invitation.declined_at = timezone.now()
            invitation.save(update_fields=["declined_at"])
            audit.record(
                by,
                audit.UPDATE,
                [invitation],
                {"declined_at": [None, invitation.declined_at]},
                event="invitation_decline",
            )
            return invitation
        decline, created = SessionDecline.objects.get_or_create(session_id=session.pk, leader_id=leader.pk)
        if not created:
            raise ValidationError(_("You have already said that you cannot come."), code="declined")
        audit.record(by, audit.CREATE, [decline], audit.created(decline), event="invitation_decline")
    return decline


def email_action_perform(*, ticket, by=None) -> str:
    """Do the one thing a one-click e-mail link stands for (programmes/email_actions.py).

    Marks the link used (its unique digest) in the same transaction as the action, so a
    link works once; a refused action (ValidationError) leaves the link unused. Returns the
    outcome: confirmed, waitlisted, declined, released (an offer or a waiting place given up)
    or seat_given_up (a confirmed seat given up from the reminder, as apologies).
    """
    from programmes import email_actions as ea

    with transaction.atomic():
        try:
            with transaction.atomic():
                use = EmailActionUse.objects.create(
                    digest=ticket.digest, action=ticket.action, user_id=ticket.user_id, session=ticket.session
                )
        except IntegrityError as exc:
            raise ValidationError(_("This link has already been used."), code="used") from exc
        audit.record(by, audit.CREATE, [use], audit.created(use), event="email_action")
        if ticket.action in (ea.SIGN_UP, ea.WAITLIST):
            reg = registration_create(
                session=ticket.session, leader=ticket.leader, participant=ticket.participant, by=by
            )
            return reg.status
        if ticket.action == ea.DECLINE:
            invitation_decline(session=ticket.session, leader=ticket.leader, participant=ticket.participant, by=by)
            return "declined"
        if ticket.registration is not None and ticket.action == ea.OFFER_ACCEPT:
            offer_accept(registration=ticket.registration, by=by)
            return Registration.Status.CONFIRMED
        if ticket.registration is not None and ticket.action == ea.SEAT_GIVE_UP:
            # "Gi fra meg plassen" in the reminder: apologies (excused), the seat goes to an offer.
            if ticket.registration.status != Registration.Status.CONFIRMED:
                raise ValidationError(_("You no longer have a seat at this session."), code="gone")
            registration_cancel(registration=ticket.registration, by=by, apologies=True)
            return "seat_given_up"
        if ticket.registration is not None and ticket.action == ea.OFFER_DECLINE:
            if ticket.registration.status not in (Registration.Status.OFFERED, Registration.Status.WAITLISTED):
                raise ValidationError(_("This offer is no longer open."), code="gone")
            registration_cancel(registration=ticket.registration, by=by)
            return "released"
        raise ValidationError(_("This link cannot be used."), code="unknown")


def waitlist_reorder(*, registration: Registration, new_position: int, reason: str, by) -> Registration:
    """HR moves someone on the waiting list; the reason is required and recorded."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give a reason for moving someone on the waiting list.")})
    with transaction.atomic():
        session = lock_session(registration.session_id)
        regs = _waiting(session, registration.mode)
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
        moved, old = [], {}
        for mode in modes(session):  # each waiting list of a hybrid session on its own
            regs = _waiting(session, mode)
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
            old.update({r.pk: i for i, r in enumerate(regs, start=1)})
            moved += _set_positions(ordered, by=by, event="waitlist_favour_newcomers")
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
