"""Celery tasks for surveys (thin; see programmes/tasks.py). Filled in by the e-mail work."""

from celery import shared_task


@shared_task
def invitation_send(invitation_id: int) -> None:
    """Send one survey invitation with its personal link."""


@shared_task
def invitations_remind(survey_id: int) -> None:
    """Remind everyone invited to a survey who has not answered yet."""
