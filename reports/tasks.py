"""Celery task for reports: build a large PDF into the cache while the page shows progress."""

from celery import shared_task
from django.contrib.auth import get_user_model

from reports import jobs


# The registered name predates this app: messages already queued under it must still resolve.
@shared_task(name="programmes.tasks.report_build", ignore_result=True)
def report_build(kind: str, params: dict, user_id: int) -> None:
    """Build a large report (programme progress, summary) for one person into the cache.

    Safe to run twice: a second run finds the PDF kept and current (jobs.build_into_cache).
    A person deleted since the report was asked for gets nothing.
    """
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is not None:
        jobs.build_into_cache(kind, params, user)
