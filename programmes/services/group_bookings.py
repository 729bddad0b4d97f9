"""Group booking: a top leader (or their delegate) signs up all or some of their leader group.

One action, one transaction, under the same session row lock as a single sign-up
(`registrations.lock_session`), so group bookings and single sign-ups racing for the last
seats never confirm more than the capacity. "All or none": every chosen member gets a seat,
or they all go on the waiting list as one unit (offered the seats together later, by
`registrations.promote_waiting`). "As many as fit": the free seats are taken in name order
and the rest wait one by one. Every member gets their own registration, their own e-mail, and
can cancel for themselves.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from programmes import notifications, seats
from programmes.models import GroupBooking, ProgrammeEnrolment, Registration, Session
from programmes.services import registrations as regs
from toppleder import audit
from toppleder.models import Leader, LeaderGroup

ACTIVE = (Registration.Status.CONFIRMED, Registration.Status.WAITLISTED, Registration.Status.OFFERED)


def _names(leaders) -> str:
    return ", ".join(sorted(le.user.name or le.user.email for le in leaders))


def group_booking_create(
    *, session: Session, group: LeaderGroup, booker: Leader, members=None, mode: str, by=None
) -> GroupBooking:
    """Book seats for members of `group` (all of them when `members` is None).

    Refused, with nothing changed: a booker who is not the group's top leader or delegate, a
    member outside the group or more people than the group has, a closed session, members not
    enrolled in the programme, a session reserved for other groups, nobody left to book.
    Members who already have a seat or a waiting place are left as they are (named in
    `booking.skipped`).
    """
    from programmes.selectors import can_book_for_group

    if mode not in GroupBooking.Mode.values:
        raise ValidationError({"mode": _("Choose “all or none” or “as many as fit”.")}, code="mode")
    if not can_book_for_group(booker, group):
        raise ValidationError(
            _("Only the leader group's top leader or their delegate can book seats for the group."), code="not_allowed"
        )
    group_members = {le.pk: le for le in group.members.select_related("user")}
    if members is None:
        wanted = list(group_members)
    else:
        try:
            wanted = [int(getattr(m, "pk", m)) for m in members]
        except (TypeError, ValueError) as exc:
            raise ValidationError({"members": _("Choose members of the leader group.")}, code="members") from exc
    if len(wanted) > len(group_members):
        raise ValidationError(
            {
                "members": ngettext(
                    "The leader group has %(n)s member: you cannot book more seats than that.",
                    "The leader group has %(n)s members: you cannot book more seats than that.",
                    len(group_members),
                )
                % {"n": len(group_members)}
            },
            code="too_many",
        )
    outside = [pk for pk in wanted if pk not in group_members]
    if outside:
        raise ValidationError({"members": _("Only members of the leader group can be booked.")}, code="outside")
    wanted = sorted(set(wanted), key=lambda pk: (group_members[pk].user.name, pk))
    if not wanted:
        raise ValidationError({"members": _("Choose at least one member of the leader group.")}, code="empty")
    try:
        with transaction.atomic():
            session = regs.lock_session(session.pk) if regs.REGISTRATION_LOCKING else Session.objects.get(pk=session.pk)
            closed = regs._session_closed(session)
            if closed:
                raise ValidationError(closed, code="closed")
            reserved = set(session.reserved_for_groups.values_list("pk", flat=True))
            if reserved and group.pk not in reserved:
                raise ValidationError(_("This session is reserved for other leader groups."), code="reserved")
            enrolled = set(
                ProgrammeEnrolment.objects.active()
                .filter(programme_id=session.programme_id, leader_id__in=wanted)
                .values_list("leader_id", flat=True)
            )
            missing = [group_members[pk] for pk in wanted if pk not in enrolled]
            if missing:
                raise ValidationError(
                    _("Not enrolled in the programme this session belongs to: %(names)s.") % {"names": _names(missing)},
                    code="not_enrolled",
                )
            existing = {
                r.leader_id: r
                for r in Registration.objects.select_for_update().filter(session_id=session.pk, leader_id__in=wanted)
            }
            skipped = [group_members[pk] for pk in wanted if pk in existing and existing[pk].status in ACTIVE]
            todo = [pk for pk in wanted if not (pk in existing and existing[pk].status in ACTIVE)]
            if not todo:
                raise ValidationError(
                    _("Everyone you chose already has a seat or a place on the waiting list."), code="nobody"
                )
            held = regs.count_confirmed(session) + regs.count_offered(session)
            free = max(session.capacity - held, 0)
            if free and regs.waiting_fits(session, free):
                free = 0  # nobody jumps someone waiting who fits
            if mode == GroupBooking.Mode.ALL_OR_NONE:
                seated = len(todo) if len(todo) <= free else 0
            else:
                seated = min(free, len(todo))
            booking = GroupBooking.objects.create(
                session=session, group=group, booked_by=booker, mode=mode, size=len(todo)
            )
            audit.record(by, audit.CREATE, [booking], audit.created(booking), event="group_booking_create")
            last = regs._next_position(session, regs.ROOM) - 1
            now = timezone.now()
            written = []
            for i, pk in enumerate(todo):
                reg = existing.get(pk) or Registration(session=session, leader_id=pk)
                before = None if reg.pk is None else audit.values(reg)
                reg.group_booking = booking
                reg.mode = regs.ROOM  # a group takes seats in the room (a hybrid session's room)
                reg.created_at = now
                reg.cancelled_at = reg.promoted_at = reg.offered_at = reg.offer_expires_at = None
                reg.attendance = Registration.Attendance.UNKNOWN
                if i < seated:
                    regs._change_status(reg, Registration.Status.CONFIRMED)
                else:
                    last += 1
                    regs._change_status(reg, Registration.Status.WAITLISTED, position=last)
                reg.save()
                if before is None:
                    audit.record(by, audit.CREATE, [reg], audit.created(reg), event="group_booking_create")
                else:
                    audit.record(by, audit.UPDATE, [reg], audit.diff(before, reg), event="group_booking_create")
                written.append(reg)
            seats.recount([session.pk])
            for reg in written:
                notifications.registration_confirmed_queue(registration_id=reg.pk)
    except IntegrityError as exc:
        raise ValidationError(
            _("Someone in the group signed up at the same moment. Please try again."), code="dup"
        ) from exc
    except DatabaseError as exc:
        if regs._is_lock_error(exc):
            raise regs.RegistrationBusy() from exc
        raise
    booking.skipped = skipped
    booking.seated = seated
    return booking


def group_offer_accept(*, booking: GroupBooking, booker: Leader, by=None) -> int:
    """The top leader (or delegate) keeps every seat offered to the group in one click.

    Only offers still open are confirmed (a member who gave theirs up stays out). Returns how
    many were confirmed; refused (nothing changed) when there is no open offer or the booker
    may not book for the group.
    """
    from programmes.selectors import can_book_for_group

    if not can_book_for_group(booker, booking.group):
        raise ValidationError(
            _("Only the leader group's top leader or their delegate can book seats for the group."), code="not_allowed"
        )
    try:
        with transaction.atomic():
            session = regs.lock_session(booking.session_id)
            now = timezone.now()
            if session.status != Session.Status.PUBLISHED or session.starts_at <= now:
                raise ValidationError(_("The session has already started or is closed."), code="closed")
            offered = list(
                Registration.objects.select_for_update().filter(
                    group_booking=booking, status=Registration.Status.OFFERED, offer_expires_at__gt=now
                )
            )
            if not offered:
                raise ValidationError(_("No seats are offered to the group now."), code="none")
            for reg in offered:
                before = audit.values(reg)
                fields = regs._change_status(reg, Registration.Status.CONFIRMED)
                reg.promoted_at = now
                reg.offer_expires_at = None
                reg.save(update_fields=[*fields, "promoted_at", "offer_expires_at"])
                audit.record(by, audit.UPDATE, [reg], audit.diff(before, reg), event="group_offer_accept")
            seats.recount([session.pk])
            for reg in offered:
                notifications.registration_promoted_queue(registration_id=reg.pk)
    except DatabaseError as exc:
        if regs._is_lock_error(exc):
            raise regs.RegistrationBusy() from exc
        raise
    return len(offered)
