"""Celery tasks for the outbox: deliver one message, sweep up after dead workers, purge old rows.

The work is in toppleder/outbox/ (delivery.py) and toppleder/retention.py; the tasks stay
here because queued broker messages name them (`toppleder.tasks.deliver`, …), and a
renamed task would leave those messages undeliverable.

Both outbox tasks are safe to run twice: delivery claims its row with a conditional
UPDATE, so a duplicate task (a retry, the sweeper, a redelivered broker message) finds
nothing to do.
"""

from celery import shared_task

from toppleder.outbox import delivery


# swept: a delivery that cannot be queued (broker away) is left to the sweeper, which
# re-dispatches every queued row that is overdue (toppleder.celery.queue_after_commit).
@shared_task(ignore_result=True, swept=True)
def deliver(outbox_id: int) -> str:
    """Send outbox message `outbox_id` once; on a temporary failure, try again later."""
    outcome, retry_in = delivery.outbox_deliver(message_id=outbox_id)
    if outcome == "retry":
        # A fresh task rather than self.retry(): the row itself holds the attempt count
        # and the due time, so a lost retry is found again by the sweeper.
        deliver.apply_async((outbox_id,), countdown=retry_in)
    return outcome


@shared_task(ignore_result=True)
def beat_heartbeat() -> None:
    """Record that beat is running (and a worker runs its jobs): `/healthz` reads it."""
    from toppleder import health

    health.beat_heartbeat()


@shared_task(ignore_result=True)
def outbox_sweep() -> dict:
    """Re-queue messages a dead worker left in "sending"; re-dispatch lost tasks."""
    return delivery.outbox_sweep()


@shared_task(ignore_result=True)
def retention_purge() -> dict:
    """Remove outbox e-mails and audit entries older than their retention periods."""
    from toppleder.retention import retention_purge as purge

    return purge()
