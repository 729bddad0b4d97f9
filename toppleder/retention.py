"""Retention: outbox e-mails and audit entries older than their configured period are removed.

Run daily by Celery beat (toppleder/celery.py). Periods: OUTBOX_RETENTION_DAYS and
AUDIT_RETENTION_DAYS (settings, from the environment).
"""

from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from toppleder.audit import AuditEntry


@transaction.atomic
def retention_purge(*, now=None) -> dict[str, int]:
    now = now or timezone.now()
    removed = {}
    outbox = apps.get_model("toppleder", "OutboxMessage")
    removed["outbox"], _ = outbox.objects.filter(
        created_at__lt=now - timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    ).delete()
    removed["audit"], _ = AuditEntry.objects.filter(at__lt=now - timedelta(days=settings.AUDIT_RETENTION_DAYS)).delete()
    return removed
