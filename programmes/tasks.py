"""Celery tasks for programmes: thin wrappers that load by id and call a service.

Services queue these with transaction.on_commit, so a rolled-back change sends nothing.
The e-mail bodies (and the outbox that makes each e-mail go out once) are filled in by
the e-mail work (issue 6); until then the tasks exist so services can queue them.
"""

from celery import shared_task


@shared_task
def session_published(session_id: int) -> None:
    """Invite the eligible leaders to a newly published session."""


@shared_task
def session_changed(session_id: int) -> None:
    """Tell registered leaders that a session's time or place changed (new SEQUENCE)."""


@shared_task
def session_cancelled(session_id: int) -> None:
    """Tell registered leaders that a session is cancelled (METHOD:CANCEL)."""


@shared_task
def registration_confirmed(registration_id: int) -> None:
    """Confirm a registration (or waiting-list place) with a calendar entry."""


@shared_task
def registration_cancelled(registration_id: int) -> None:
    """Confirm a cancellation (METHOD:CANCEL for the leader's calendar)."""


@shared_task
def registration_promoted(registration_id: int) -> None:
    """Tell a leader they moved from the waiting list to a confirmed seat."""
