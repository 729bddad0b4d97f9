"""Survey invitations and reminders by e-mail, each with the person's own answering link.

The link carries the invitation's token, so the token is sent but never stored in the
outbox (Email.secrets): HR can see that an invitation went out, not use it to answer.
Reminders go only to people who have not answered, at most one per person per day
(`survey_reminder:<invitation>:<date>`), and only while the survey is open.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from surveys.models import Invitation, Survey
from toppleder.models import OutboxMessage
from toppleder.outbox.enqueue import Item, mail_enqueue, mail_enqueue_many
from toppleder.outbox.rendering import Email, Skip, absolute_url, render_email, renderer

Kind = OutboxMessage.Kind
# The automatic reminder (beat) goes out once, this long before a survey closes.
AUTO_REMIND_BEFORE_CLOSE = timedelta(days=3)


def answer_url(invitation: Invitation) -> str:
    return absolute_url("surveys:answer", invitation.token, fallback=f"/surveys/answer/{invitation.token}/")


def invitation_queue(*, invitation_id: int) -> OutboxMessage | None:
    inv = Invitation.objects.select_related("user", "survey").filter(pk=invitation_id).first()
    if inv is None or inv.answered or inv.survey.is_closed:
        return None
    message = mail_enqueue(
        kind=Kind.SURVEY_INVITATION,
        user=inv.user,
        key=f"survey_invitation:{inv.pk}",
        obj=inv.survey,
        object_ref=inv.survey.title,
        params={"invitation": inv.pk},
    )
    Invitation.objects.filter(pk=inv.pk, sent_at__isnull=True).update(sent_at=timezone.now())
    return message


def reminders_queue(*, survey_id: int) -> int:
    survey = Survey.objects.filter(pk=survey_id).first()
    if survey is None or not survey.is_open:
        return 0
    today = timezone.localdate().isoformat()
    invitations = list(Invitation.objects.filter(survey=survey, answered=False).select_related("user"))
    with transaction.atomic():
        count = mail_enqueue_many(
            Item(
                kind=Kind.SURVEY_REMINDER,
                user=inv.user,
                key=f"survey_reminder:{inv.pk}:{today}",
                obj=survey,
                object_ref=survey.title,
                params={"invitation": inv.pk},
            )
            for inv in invitations
        )
        # Every unanswered invitation is marked, not only those e-mailed, so no
        # per-person timing of the reminder can be read from this table.
        Invitation.objects.filter(survey=survey, answered=False).update(reminded_at=timezone.now())
    return count


def reminders_due(*, now=None) -> int:
    """Beat: one automatic reminder for open surveys closing within three days."""
    now = now or timezone.now()
    due = Survey.objects.filter(opens_at__lte=now, closes_at__gt=now, closes_at__lte=now + AUTO_REMIND_BEFORE_CLOSE)
    total = 0
    for survey in due.filter(invitations__answered=False, invitations__reminded_at__isnull=True).distinct():
        total += reminders_queue(survey_id=survey.pk)
    return total


def _render(name: str, message: OutboxMessage) -> Email:
    inv = Invitation.objects.select_related("survey").filter(pk=message.params.get("invitation")).first()
    if inv is None or message.recipient is None:
        raise Skip("The invitation no longer exists.")
    if inv.answered:
        raise Skip("Not sent: already answered.")
    if inv.survey.is_closed:
        raise Skip("Not sent: the survey is closed.")
    url = answer_url(inv)
    context = {"user": message.recipient, "survey": inv.survey, "answer_url": url}
    email = render_email(name, context, language=message.language)
    email.secrets = [inv.token]
    return email


@renderer(Kind.SURVEY_INVITATION)
def render_invitation(message: OutboxMessage) -> Email:
    return _render("survey-invitation", message)


@renderer(Kind.SURVEY_REMINDER)
def render_reminder(message: OutboxMessage) -> Email:
    return _render("survey-reminder", message)
