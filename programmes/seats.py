"""Seat counters: how many are confirmed and how many wait, kept on the session row.

Every page that shows "12 of 20 taken" reads `Session.confirmed_count` and
`Session.waitlist_count` instead of counting registrations per row. They stay true because
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


def _counted(status: str):
    return Coalesce(
        Subquery(
            Registration.objects.filter(session=OuterRef("pk"), status=status)
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
        confirmed_count=_counted(CONFIRMED), waitlist_count=_counted(WAITLISTED), offered_count=_counted(OFFERED)
    )


def drift() -> list[dict]:
    """Sessions whose counters differ from their registrations (should always be empty)."""
    return list(
        Session.objects.annotate(
            real_confirmed=Count("registrations", filter=Q(registrations__status=CONFIRMED)),
            real_waiting=Count("registrations", filter=Q(registrations__status=WAITLISTED)),
            real_offered=Count("registrations", filter=Q(registrations__status=OFFERED)),
        )
        .exclude(confirmed_count=F("real_confirmed"), waitlist_count=F("real_waiting"), offered_count=F("real_offered"))
        .values(
            "pk", "confirmed_count", "real_confirmed", "waitlist_count", "real_waiting", "offered_count", "real_offered"
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
