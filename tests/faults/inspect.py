"""Read the fault stack's database after a fault: registrations, waiting lists, the outbox.

Run by stack.Stack.run_django in its own process. Prints one line of JSON.
"""

import json
import sys

import django

django.setup()

from django.db.models import Count  # noqa: E402

from programmes import seats  # noqa: E402
from programmes.models import Registration  # noqa: E402
from programmes.notifications import _ts  # noqa: E402
from toppleder.models import OutboxMessage  # noqa: E402

ACTIVE = (Registration.Status.CONFIRMED, Registration.Status.WAITLISTED, Registration.Status.OFFERED)


def main(session_ids: list[int]) -> dict:
    regs = list(
        Registration.objects.filter(session_id__in=session_ids)
        .select_related("session")
        .values("pk", "session_id", "leader_id", "status", "waitlist_position", "created_at", "cancelled_at",
                "session__sequence")
    )  # fmt: skip
    keys = set(OutboxMessage.objects.values_list("key", flat=True))
    # Every registration's latest e-mail, by the key its notification uses: the confirmation
    # (or waiting-list letter) of its latest sign-up while active, its cancellation once
    # cancelled. A key missing here is an e-mail the fault lost.
    missing = []
    for r in regs:
        if r["status"] in ACTIVE:
            key = f"registration_confirmed:{r['pk']}:{r['session__sequence']}:{_ts(r['created_at'])}"
        elif r["status"] == Registration.Status.CANCELLED:
            key = f"registration_cancelled:{r['pk']}:{_ts(r['cancelled_at'])}"
        else:
            continue
        if key not in keys:
            missing.append(key)
    waiting = {}
    for sid in session_ids:
        positions = sorted(
            r["waitlist_position"] for r in regs if r["session_id"] == sid and r["status"] == "waitlisted"
        )
        waiting[str(sid)] = positions
    by_status = dict(OutboxMessage.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    return {
        "registrations": {f"{r['leader_id']}:{r['session_id']}": r["status"] for r in regs},
        "waiting_positions": waiting,
        "counter_drift": seats.drift(),
        "outbox": by_status,
        "outbox_keys": sorted(keys),
        "missing_mail": missing,
    }


if __name__ == "__main__":
    print(json.dumps(main([int(x) for x in sys.argv[1].split(",")]), default=str))
