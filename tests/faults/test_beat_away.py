"""Beat stopped for a day and two hours (simulated by the clock): the reminders it missed
are sent once when it returns; those that no longer mean anything are not.

Beat runs the reminder job every 15 minutes (toppleder/celery.py); here each run is a call at
that minute of the moved clock, and "stopped" is no call. E-mails are delivered as they are
queued (eager tasks, Django's test outbox), so what arrived is what the leaders got.
"""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from programmes import notifications
from programmes.models import Registration
from tests.faults.stack import record
from tests.programmes.factories import ProgrammeFactory, SessionFactory, enrolled_leader
from toppleder.models import OutboxMessage

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

DOWN = timedelta(hours=26)
BEAT = timedelta(minutes=15)


def _sign_up(session, leader, at):
    return Registration.objects.create(
        session=session, leader=leader, created_at=at, status=Registration.Status.CONFIRMED
    )


def test_beat_away_for_a_day_sends_the_missed_reminders_once_and_skips_the_meaningless():
    t0 = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=30)
    programme = ProgrammeFactory()
    sessions = {
        # Signed up long before: reminded before beat stopped (its window opened at t0 - 8 h).
        "early": SessionFactory(programme=programme, title="early", starts_at=t0 + timedelta(hours=40)),
        # Signed up while beat was away, 38 h before the start: its 24-hour mark passed meanwhile.
        "missed": SessionFactory(programme=programme, title="missed", starts_at=t0 + timedelta(hours=40)),
        # The same, but the session began before beat came back: nothing to remind of.
        "begun": SessionFactory(programme=programme, title="begun", starts_at=t0 + timedelta(hours=25, minutes=30)),
        # Signed up 5 hours before the start (after its mark): the confirmation was the reminder.
        "late": SessionFactory(programme=programme, title="late", starts_at=t0 + timedelta(hours=30)),
        # Far enough ahead that its window opens after beat returned: the ordinary reminder.
        "ahead": SessionFactory(programme=programme, title="ahead", starts_at=t0 + timedelta(hours=60)),
    }
    leaders = {name: enrolled_leader(programme) for name in sessions}
    sign_ups = {  # when each leader signs up (the row appears then, beat or not)
        "early": t0 - timedelta(days=5),
        "ahead": t0 - timedelta(days=5),
        "missed": t0 + timedelta(hours=2),
        "begun": t0 + timedelta(hours=1),
        "late": t0 + timedelta(hours=25),
    }
    for name in ("early", "ahead"):
        _sign_up(sessions[name], leaders[name], sign_ups[name])

    runs = 0
    moment = t0 - timedelta(hours=12)
    back = t0 + DOWN
    with time_machine.travel(moment, tick=False) as clock:
        while moment <= back + timedelta(hours=12):
            for name in ("missed", "begun", "late"):
                if sign_ups[name] == moment:
                    clock.move_to(moment)
                    _sign_up(sessions[name], leaders[name], moment)
            if not (t0 <= moment < back):  # beat stopped from t0 to t0 + 26 h
                clock.move_to(moment)
                notifications.session_reminders_queue()
                runs += 1
            moment += BEAT

    reminded = sorted(OutboxMessage.objects.filter(kind="session_reminder").values_list("object_ref", flat=True))
    delivered = sorted(m.to[0] for m in mail.outbox)
    duplicates = len(delivered) - len(set(delivered))
    record(
        "beat",
        {
            "requests": runs,
            "errors": {},
            "lost": int("missed" not in reminded),
            "duplicates": duplicates,
            "recovery_s": 0,  # the first run after beat returns sends what was missed
            "mails": len(delivered),
            "fault_s": DOWN.total_seconds(),
        },
    )
    assert reminded == ["ahead", "early", "missed"]
    assert duplicates == 0
    assert delivered == sorted(leaders[name].user.email for name in ("ahead", "early", "missed"))
