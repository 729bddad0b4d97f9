"""Reads of the outbox, and the access helper every outbox page gets a message through."""

from __future__ import annotations

from django.db.models import Q
from django.shortcuts import get_object_or_404

from toppleder.models import OutboxMessage, User
from toppleder.permissions import require_hr

Kind, Status = OutboxMessage.Kind, OutboxMessage.Status


def outbox_for_hr(*, q: str = "", status: str = "", kind: str = ""):
    """Every message HR may see, newest first; `q` searches address, name, subject and what
    it is about. Survey reminders go only to people who have not answered, and a survey
    e-mail is skipped when its recipient has already answered, so listing either would show
    HR who answered; the surveys promise nobody sees that."""
    qs = (
        OutboxMessage.objects.exclude(kind=Kind.SURVEY_REMINDER)
        .exclude(kind=Kind.SURVEY_INVITATION, status=Status.SUPERSEDED)
        .select_related("recipient")
        .order_by("-created_at", "-pk")
    )
    if q:
        qs = qs.filter(
            Q(to_email__icontains=q)
            | Q(recipient__name__icontains=q)
            | Q(subject__icontains=q)
            | Q(object_ref__icontains=q)
        )
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def messages_to(user: User):
    """What the portal has e-mailed `user` (all of it: a person may see their own), newest first."""
    return OutboxMessage.objects.filter(recipient=user).order_by("-created_at", "-pk")


def message_for(user, pk) -> OutboxMessage:
    """A message for the outbox pages: HR and administrators see the messages in
    `outbox_for_hr` (a hidden or missing one is 404); anyone else gets 403."""
    require_hr(user)
    return get_object_or_404(outbox_for_hr(), pk=pk)
