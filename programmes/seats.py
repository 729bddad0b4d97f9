"""Seat counters: how many are confirmed and how many wait, kept on the session row.

Every page that shows "12 of 20 taken" reads `Session.confirmed_count` and
`Session.waitlist_count` instead of counting registrations per row. Those count the room (every
session's one mode); a hybrid session's online places have their own three counters
(`online_confirmed_count`, …), kept the same way. They stay true because
every change of a registration's status goes through `apply()`, inside the service's
transaction, while the service holds the session's row lock (`lock_session`): the counters
move by exactly the difference between the statuses the rows had when they were read and
the ones written. Nothing else writes them (`Session.save` leaves them out).

Rows written in bulk without the services (seed_demo's COPY, a data migration) are counted
afterwards with `recount()`; a deleted registration (a cascade when a person is erased)
recounts its session (`registration_deleted`, connected in programmes/apps.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from programmes.models import Registration, Session

CONFIRMED, WAITLISTED, OFFERED = (
    Registration.Status.CONFIRMED,
    Registration.Status.WAITLISTED,
    Registration.Status.OFFERED,  # a seat held for someone on the waiting list until the offer ends
)


def apply(session: Session, registrations: Iterable[Registration], fields: Iterable[str] | None = None) -> None:
    """Write `registrations` (new ones, or ones whose status/position the caller has set) and
    move `session`'s counters by the change, in the caller's transaction.

    The caller holds the session's row lock and passes the session it read under that lock;
    its counters are updated in memory too. `fields`: the columns to write for existing rows
    (one UPDATE for all of them); without it each row is saved whole.
    """
    registrations = list(registrations)
    if any(r.mode != ROOM or getattr(r, "_seat_mode", ROOM) != ROOM for r in registrations):
        # Online places (hybrid sessions) are counted from the rows, under the same lock.
        for reg in registrations:
            reg.save() if reg._state.adding or fields is None else reg.save(update_fields=list(fields))
            reg._seat_status, reg._seat_mode = reg.status, reg.mode
        recount([session.pk])
        session.refresh_from_db(fields=list(Session.COUNTERS))
        return
    confirmed = waiting = offered = 0
    for reg in registrations:
        was = None if reg._state.adding else reg._seat_status
        if was == reg.status:
            continue
        confirmed += (reg.status == CONFIRMED) - (was == CONFIRMED)
        waiting += (reg.status == WAITLISTED) - (was == WAITLISTED)
        offered += (reg.status == OFFERED) - (was == OFFERED)
    existing = [r for r in registrations if not r._state.adding]
    for reg in registrations:
        if reg._state.adding or fields is None:
            reg.save()
    if len(existing) == 1 and fields is not None:
        existing[0].save(update_fields=list(fields))
    elif existing and fields is not None:
        Registration.objects.bulk_update(existing, list(fields))
    for reg in registrations:
        reg._seat_status = reg.status
    if confirmed or waiting or offered:
        Session.objects.filter(pk=session.pk).update(
            confirmed_count=F("confirmed_count") + confirmed,
            waitlist_count=F("waitlist_count") + waiting,
            offered_count=F("offered_count") + offered,
        )
        session.confirmed_count += confirmed
        session.waitlist_count += waiting
        session.offered_count += offered


ROOM, ONLINE = Registration.Mode.ROOM, Registration.Mode.ONLINE


def _counted(status: str, mode: str = ROOM):
    return Coalesce(
        Subquery(
            Registration.objects.filter(session=OuterRef("pk"), status=status, mode=mode)
            .order_by()
            .values("session")
            .annotate(n=Count("pk"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def recount(session_ids: Iterable[int] | None = None) -> int:
    """Set the counters of the given sessions (all when None) from their registrations, in
    one UPDATE. For rows written in bulk outside the services; returns the sessions updated."""
    sessions = Session.objects.all() if session_ids is None else Session.objects.filter(pk__in=list(session_ids))
    return sessions.update(
        confirmed_count=_counted(CONFIRMED),
        waitlist_count=_counted(WAITLISTED),
        offered_count=_counted(OFFERED),
        online_confirmed_count=_counted(CONFIRMED, ONLINE),
        online_waitlist_count=_counted(WAITLISTED, ONLINE),
        online_offered_count=_counted(OFFERED, ONLINE),
    )


def drift() -> list[dict]:
    """Sessions whose counters differ from their registrations (should always be empty)."""

    def n(status, mode):
        return Count("registrations", filter=Q(registrations__status=status, registrations__mode=mode))

    return list(
        Session.objects.annotate(
            real_confirmed=n(CONFIRMED, ROOM),
            real_waiting=n(WAITLISTED, ROOM),
            real_offered=n(OFFERED, ROOM),
            real_online_confirmed=n(CONFIRMED, ONLINE),
            real_online_waiting=n(WAITLISTED, ONLINE),
            real_online_offered=n(OFFERED, ONLINE),
        )
        .exclude(
            confirmed_count=F("real_confirmed"),
            waitlist_count=F("real_waiting"),
            offered_count=F("real_offered"),
            online_confirmed_count=F("real_online_confirmed"),
            online_waitlist_count=F("real_online_waiting"),
            online_offered_count=F("real_online_offered"),
        )
        .values(
            "pk",
            "confirmed_count",
            "real_confirmed",
            "waitlist_count",
            "real_waiting",
            "offered_count",
            "real_offered",
            "online_confirmed_count",
            "real_online_confirmed",
            "online_waitlist_count",
            "real_online_waiting",
            "online_offered_count",
            "real_online_offered",
        )
    )


def registration_deleted(sender, instance: Registration, **kwargs) -> None:
    """`post_delete` receiver: a registration deleted outside the services (a cascade when a
    person or a leader is erased) no longer counts. Locks the session, then recounts it."""
    if instance.status not in (CONFIRMED, WAITLISTED, OFFERED):
        return
    locked = Session.objects.select_for_update().filter(pk=instance.session_id).values_list("pk", flat=True)
    if list(locked):
        recount([instance.session_id])
