"""Putting e-mails in the outbox: one row per person and event, delivered after commit.

The row's unique `key` names the event, so enqueueing the same event twice (a task run
again, a retried chunk) finds the existing row and sends nothing more. Each new row gets
its own delivery task, queued only when the surrounding transaction commits: a rolled-back
change sends nothing, and the task never looks for a row that is not there yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from toppleder.celery import queue_after_commit
from toppleder.models import NotificationPreference, OutboxMessage, User
from toppleder.tasks import deliver

Status = OutboxMessage.Status


@dataclass
class Item:
    """One message to enqueue (for mail_enqueue_many)."""

    kind: str
    user: User
    key: str
    obj: object | None = None
    object_ref: str = ""
    params: dict = field(default_factory=dict)


def wants(user: User, kind: str) -> bool:
    """Whether `user` gets e-mails of `kind` (only reminders can be turned off)."""
    if not user.is_active or not user.email:
        return False
    if kind not in NotificationPreference.OPTIONAL_KINDS:
        return True
    pref = NotificationPreference.objects.filter(user=user).first()
    return pref is None or pref.allows(kind)


def _row(item: Item) -> OutboxMessage:
    ct_id, obj_id = None, None
    if item.obj is not None:
        ct_id = ContentType.objects.get_for_model(item.obj).pk
        obj_id = item.obj.pk
    return OutboxMessage(
        key=item.key[:200],
        kind=item.kind,
        recipient=item.user,
        to_email=item.user.email,
        language=item.user.language or settings.LANGUAGE_CODE,
        content_type_id=ct_id,
        object_id=obj_id,
        object_ref=(item.object_ref or (str(item.obj) if item.obj is not None else ""))[:200],
        params=item.params,
    )


def mail_enqueue(
    *, kind: str, user: User, key: str, obj=None, object_ref: str = "", params: dict | None = None
) -> OutboxMessage | None:
    """Record one e-mail under `key` and send it after commit. Idempotent on `key`.

    Returns None when the recipient has turned this kind off or has no usable address.
    """
    if not wants(user, kind):
        return None
    row = _row(Item(kind=kind, user=user, key=key, obj=obj, object_ref=object_ref, params=params or {}))
    with transaction.atomic():
        message, created = OutboxMessage.objects.get_or_create(
            key=row.key,
            defaults={
                f.attname: getattr(row, f.attname)
                for f in OutboxMessage._meta.concrete_fields
                if f.attname not in ("id", "key")
            },
        )
    if created:
        deliver_after_commit([message.pk])
    return message


def mail_enqueue_many(items: Iterable[Item]) -> int:
    """Bulk version for invitations to many people: one INSERT, existing keys untouched.

    Returns the number of messages now waiting to be sent for these keys.
    """
    items = list(items)
    prefs = {
        p.user_id: p
        for p in NotificationPreference.objects.filter(
            user__in=[i.user.pk for i in items if i.kind in NotificationPreference.OPTIONAL_KINDS]
        )
    }
    rows = []
    for item in items:
        if not item.user.is_active or not item.user.email:
            continue
        pref = prefs.get(item.user.pk)
        if pref is not None and not pref.allows(item.kind):
            continue
        rows.append(_row(item))
    if not rows:
        return 0
    OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    # Queue delivery for every still-queued row of these keys: re-running a chunk after a
    # crash re-queues what was not sent yet; a duplicate task just fails to claim.
    ids = list(
        OutboxMessage.objects.filter(key__in=[r.key for r in rows], status=Status.QUEUED).values_list("pk", flat=True)
    )
    deliver_after_commit(ids)
    return len(ids)


def deliver_after_commit(ids: Iterable[int]) -> None:
    """One `toppleder.tasks.deliver` task per message, once the current transaction commits."""
    for pk in ids:
        queue_after_commit(deliver, pk)
