"""Celery tasks for groups and pairs: thin wrappers that take ids and call a service."""

from celery import shared_task

from reflection_groups import notifications


@shared_task(ignore_result=True)
def group_published(group_id: int) -> None:
    """Introduce the members of a newly published group to each other."""
    notifications.group_introductions_queue(group_id=group_id)


@shared_task(ignore_result=True)
def facilitator_invited(user_id: int) -> None:
    """Send an invited facilitator the link to choose a password."""
    notifications.facilitator_invitation_queue(user_id=user_id)


@shared_task(ignore_result=True)
def meeting_scheduled(meeting_id: int) -> None:
    """Invite the group's members and facilitator to a new or changed meeting (a calendar REQUEST)."""
    notifications.meeting_invitations_queue(meeting_id=meeting_id)


@shared_task(ignore_result=True)
def meeting_cancelled(meeting_id: int) -> None:
    """Tell everyone invited that a meeting is off (a calendar CANCEL)."""
    notifications.meeting_invitations_queue(meeting_id=meeting_id)


@shared_task(ignore_result=True)
def pair_appointment_changed(appointment_id: int) -> None:
    """Send the mentor and the mentee a planned meeting's entry as it now stands (REQUEST or CANCEL)."""
    notifications.pair_appointment_invitations_queue(appointment_id=appointment_id)


@shared_task(ignore_result=True)
def pair_published(pair_id: int) -> None:
    """Introduce a mentor and a mentee to each other."""
    notifications.pair_introductions_queue(pair_id=pair_id)


@shared_task(ignore_result=True)
def pairs_close_inactive() -> None:
    """Beat, nightly: warn pairs that stopped meeting, close long-silent ones (safe to run twice)."""
    from reflection_groups import services

    services.pairs_close_inactive()
