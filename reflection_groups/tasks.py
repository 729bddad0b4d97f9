"""Celery tasks for groups and pairs (thin; see programmes/tasks.py). Filled in by the e-mail work."""

from celery import shared_task


@shared_task
def group_published(group_id: int) -> None:
    """Introduce the members of a newly published group to each other."""


@shared_task
def pair_published(pair_id: int) -> None:
    """Introduce a mentor and a mentee to each other."""
