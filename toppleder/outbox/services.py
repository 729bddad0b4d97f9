"""HR's state change on the outbox. Like every service: keyword-only, in a transaction,
recorded in the audit log."""

from __future__ import annotations

from django.db import transaction

from toppleder import audit
from toppleder.models import OutboxMessage, User
from toppleder.outbox.enqueue import deliver_after_commit

Status = OutboxMessage.Status


@transaction.atomic
def outbox_resend(*, message_id: int, by: User) -> bool:
    """HR: send a failed or uncertain message again (a deliberate, visible choice).

    Only a failed message is sent again; returns False (and changes nothing) for any other.
    """
    # Locked, so the status checked here is the one changed, and the audit entry says so.
    message = OutboxMessage.objects.select_for_update().filter(pk=message_id, status=Status.FAILED).first()
    if message is None:
        return False
    reset = {"status": Status.QUEUED, "next_attempt_at": None, "attempts": 0, "handed_over_at": None}
    before = audit.values(message, reset)
    OutboxMessage.objects.filter(pk=message.pk).update(**reset)
    for name, value in reset.items():
        setattr(message, name, value)
    audit.record(by, audit.UPDATE, [message], audit.diff(before, message), event="outbox_resend")
    deliver_after_commit([message.pk])
    return True
