"""The Celery app: broker and results on REDIS_URL; eager (in-process) when it is unset.

Services queue tasks with `queue_after_commit(task, *args)`: a rolled-back change queues
nothing, and the task never runs before the rows it reads are committed.
"""

import functools
import logging
import os

import celery
from celery import Celery
from celery.schedules import crontab
from django.db.utils import InterfaceError, OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "toppleder.settings")

logger = logging.getLogger(__name__)


class Task(celery.Task):
    """Every task: the database away (restarting, failing over) is retried with back-off, not
    lost. Tasks are safe to run twice (keys in the outbox, conditional updates), so a retry
    after a half-done run changes nothing twice."""

    autoretry_for = (OperationalError, InterfaceError)
    retry_backoff = 2  # 2, 4, 8 … seconds
    retry_backoff_max = 60
    retry_jitter = False
    max_retries = 30  # about 25 minutes in all


app = Celery("toppleder", task_cls="toppleder.celery:Task")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic jobs live here, in one place, each with when and why. Every job is safe to run
# twice (keys in the outbox, conditional updates), so a beat restart or overlap is harmless.
app.conf.beat_schedule = {
    # Every 15 minutes: reminders for confirmed seats in sessions starting in 24–48 hours.
    # The key `reminder48:<registration>:<sequence>` makes the repeats within the window
    # no-ops; a session moved after its reminder gets one for its new time.
    "session-reminders": {
        "task": "programmes.tasks.session_reminders_send",
        "schedule": crontab(minute="*/15"),
    },
    # Every 5 minutes: waiting-list offers nobody answered in time pass to the next (or to
    # the whole list near the start). An offer is refused from the moment it runs out, so
    # the beat's lag only delays the next offer, never lets a late "yes" through.
    # Hourly: one reminder to invitees who have neither answered nor declined, once the
    # registration deadline is a few days away (key per session and person: sent once).
    "invitation-nudges": {
        "task": "programmes.tasks.invitation_nudges_send",
        "schedule": crontab(minute=7),
    },
    # Daily at 07.00: a reminder to the parties of commitments due within a week (once per
    # due date).
    "commitment-reminders": {
        "task": "programmes.tasks.commitment_reminders_send",
        "schedule": crontab(hour=7, minute=0),
    },
    "waitlist-offers-expire": {
        "task": "programmes.tasks.offers_expire",
        "schedule": crontab(minute="*/5"),
    },
    # Every 5 minutes: re-queue e-mails whose worker died mid-send and re-dispatch queued
    # ones whose task was lost (toppleder/outbox/__init__.py explains why this never duplicates).
    "outbox-sweep": {
        "task": "toppleder.tasks.outbox_sweep",
        "schedule": float(os.environ["OUTBOX_SWEEP_SECONDS"])
        if os.environ.get("OUTBOX_SWEEP_SECONDS")
        else crontab(minute="*/5"),
    },
    # Every minute: beat's heartbeat, read by /healthz ("beat": when it last ran).
    "beat-heartbeat": {
        "task": "toppleder.tasks.beat_heartbeat",
        "schedule": float(os.environ.get("BEAT_HEARTBEAT_SECONDS", 60)),
    },
    # Nightly at 03:15 Oslo time: warn mentor pairs that stopped meeting, close long-silent ones.
    "mentor-pairs-inactive": {
        "task": "reflection_groups.tasks.pairs_close_inactive",
        "schedule": crontab(hour=3, minute=15),
    },
    # Nightly at 02:30: personal data is kept no longer than needed (OUTBOX_RETENTION_DAYS,
    # AUDIT_RETENTION_DAYS); old outbox copies and audit entries are removed.
    "retention-purge": {
        "task": "toppleder.tasks.retention_purge",
        "schedule": crontab(hour=2, minute=30),
    },
    # Nightly at 01:45: surveys that closed in the last week get their claimed invitations
    # rewritten together, so no row stamp (PostgreSQL xmin) pairs a person with a response.
    "survey-scrub": {
        "task": "surveys.tasks.surveys_scrub_closed",
        "schedule": crontab(hour=1, minute=45),
    },
    # Every 5 minutes: a survey closes when its closing time passes; its results' figures
    # (two aggregations over every answer of its waves, seconds at scale) are computed and
    # kept then, not on the first visit. Kept figures are not computed again.
    "survey-figures-warm": {
        "task": "surveys.tasks.survey_figures_warm",
        "schedule": crontab(minute="*/5"),
    },
    # Daily at 09:00 on weekdays: remind invitees of surveys closing within three days.
    "survey-reminders": {
        "task": "surveys.tasks.surveys_remind_due",
        "schedule": crontab(hour=9, minute=0, day_of_week="mon-fri"),
    },
}


def queue_after_commit(task, *args, **kwargs) -> None:
    """`task.delay(*args, **kwargs)` once the current transaction commits (at once outside one).

    When the broker cannot take it (Redis away), the change has committed already and must
    not turn into an error page or a lost e-mail: a task marked `swept` (delivery of an outbox
    row) is left to the outbox sweeper, which re-dispatches every overdue queued row; any
    other task runs here, in this process (they are small: they write outbox rows).
    """
    from django.db import transaction

    transaction.on_commit(functools.partial(_send_or_run, task, args, kwargs))


def _send_or_run(task, args, kwargs) -> None:
    # Publishing gives up within a second or two when the broker is away
    # (CELERY_TASK_PUBLISH_RETRY_POLICY in settings), then the fallback below applies.
    try:
        task.delay(*args, **kwargs)
    except Exception as exc:  # kombu's OperationalError, redis' ConnectionError, a time-out
        if getattr(task, "swept", False):
            logger.warning("broker unreachable (%s): %s%r is left to the outbox sweeper", exc, task.name, args)
            return
        logger.warning("broker unreachable (%s): running %s%r in this process", exc, task.name, args)
        task.apply(args, kwargs)
