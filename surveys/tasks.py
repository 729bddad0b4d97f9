"""Celery tasks for surveys: thin wrappers that take ids and call surveys/notifications.py (or,
for the closed surveys' figures, surveys/results.py)."""

from celery import shared_task

from surveys import notifications


@shared_task(ignore_result=True)
def invitation_send(invitation_id: int) -> None:
    """Send one survey invitation with its personal link."""
    notifications.invitation_queue(invitation_id=invitation_id)


@shared_task(ignore_result=True)
def invitations_remind(survey_id: int) -> None:
    """Remind everyone invited to a survey who has not answered yet."""
    notifications.reminders_queue(survey_id=survey_id)


@shared_task(ignore_result=True)
def surveys_remind_due() -> None:
    """Beat, weekday mornings: one automatic reminder for surveys closing within three days."""
    notifications.reminders_due()


@shared_task(ignore_result=True)
def surveys_scrub_closed() -> int:
    """Beat, nightly: rewrite the claimed invitations of surveys that closed in the last week,
    so the database's own row stamps no longer pair a person with a response (services.survey_scrub)."""
    from datetime import timedelta

    from django.utils import timezone

    from surveys.models import Survey
    from surveys.services import survey_scrub

    now = timezone.now()
    scrubbed = 0
    for survey in Survey.objects.filter(closes_at__lte=now, closes_at__gte=now - timedelta(days=7)):
        scrubbed += survey_scrub(survey=survey)
    return scrubbed


@shared_task(ignore_result=True)
def survey_figures_warm() -> int:
    """Beat, every 5 minutes: the figures of surveys that closed recently are computed and kept
    (results.figures_warm) with the results page's body built on them, so the first visit to
    a closed survey's results does not wait for them. Safe to run twice: what is kept is not computed again."""
    from surveys.results import figures_warm
    from surveys.views import results_body_warm

    return figures_warm(then=results_body_warm)
