"""Celery tasks for programmes: thin wrappers that take ids and call programmes/notifications.py.

Services queue these with toppleder.celery.queue_after_commit, so a rolled-back change sends nothing.
Each is safe to run twice: every e-mail is an outbox row under a unique key.
"""

from celery import shared_task

from programmes import notifications


@shared_task(ignore_result=True)
def session_published(session_id: int) -> None:
    """Invite the eligible leaders to a newly published session, one task per chunk."""
    for chunk in notifications.session_invitations_queue(session_id=session_id):
        session_invitations_send.delay(session_id, chunk)
    guest_invitations.delay(session_id)


@shared_task(ignore_result=True)
def guest_invitations(session_id: int) -> None:
    """Invite the people HR invited to a published session by name (participants who are not
    leaders, and leaders invited as guests); keyed per person, so a re-run sends nothing more."""
    notifications.guest_invitations_send(session_id=session_id)


@shared_task(ignore_result=True)
def session_invitations_send(session_id: int, leader_ids: list[int]) -> None:
    """Queue the invitations for one chunk of leaders (at most INVITATION_CHUNK)."""
    notifications.session_invitations_send(session_id=session_id, leader_ids=leader_ids)


@shared_task(ignore_result=True)
def enrolment_invitations(programme_id: int, leader_ids: list[int]) -> None:
    """Invite newly enrolled leaders to the programme's published sessions that are still open."""
    notifications.enrolment_invitations_queue(programme_id=programme_id, leader_ids=leader_ids)


@shared_task(ignore_result=True)
def session_changed(session_id: int) -> None:
    """Tell registered leaders that a session's time or place changed (new SEQUENCE)."""
    notifications.session_changed_queue(session_id=session_id)


@shared_task(ignore_result=True)
def session_cancelled(session_id: int, note: str = "") -> None:
    """Tell registered leaders that a session is cancelled (METHOD:CANCEL), with HR's message."""
    notifications.session_cancelled_queue(session_id=session_id, note=note)


@shared_task(ignore_result=True)
def registration_confirmed(registration_id: int) -> None:
    """Confirm a registration (or waiting-list place) with a calendar entry."""
    notifications.registration_confirmed_queue(registration_id=registration_id)


@shared_task(ignore_result=True)
def registration_cancelled(registration_id: int) -> None:
    """Confirm a cancellation (METHOD:CANCEL for the leader's calendar)."""
    notifications.registration_cancelled_queue(registration_id=registration_id)


@shared_task(ignore_result=True)
def registration_promoted(registration_id: int) -> None:
    """Tell a leader they moved from the waiting list to a confirmed seat."""
    notifications.registration_promoted_queue(registration_id=registration_id)


@shared_task(ignore_result=True)
def session_reminders_send() -> None:
    """Beat, every 15 minutes: reminders for sessions starting in 24–48 hours."""
    notifications.session_reminders_queue()


@shared_task(ignore_result=True)
def waitlist_offer(registration_id: int) -> None:
    """Offer a freed seat to a leader on the waiting list (Behold plassen / Gi fra meg plassen)."""
    notifications.waitlist_offer_queue(registration_id=registration_id)


@shared_task(ignore_result=True)
def seat_open(session_id: int, seat: str) -> None:
    """Close to the start: tell everyone waiting that a seat is free; first to accept wins."""
    notifications.seat_open_queue(session_id=session_id, seat=seat)


@shared_task(ignore_result=True)
def offers_expire() -> None:
    """Beat, every 5 minutes: unanswered offers pass to the next on the waiting list."""
    from programmes import services

    services.offers_expire()


@shared_task(ignore_result=True)
def invitation_nudges_send() -> None:
    """Beat, hourly: remind invitees who have not answered, a few days before the deadline."""
    notifications.invitation_nudges_queue()


@shared_task(ignore_result=True)
def commitment_reminders_send() -> None:
    """Beat, daily: remind the parties of commitments due within a week."""
    notifications.commitment_reminders_queue()
