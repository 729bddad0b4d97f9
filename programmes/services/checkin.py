"""A leader checks in at the venue with the session's code (programmes/checkin.py)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from programmes import checkin
from programmes.models import Registration, Session
from toppleder import audit
from toppleder.models import Leader


@transaction.atomic
def attendance_check_in(*, session: Session, leader: Leader, code: str) -> Registration:
    """Mark the leader's confirmed registration as attended. Refused (nothing changed) with a
    wrong code, outside the check-in window, for a session that is not on, or without a seat."""
    if not checkin.matches(session, code):
        raise ValidationError(_("The code is not right. Check the code on the screen in the room."))
    if session.status not in (Session.Status.PUBLISHED, Session.Status.COMPLETED):
        raise ValidationError(_("This session is not taking place, so there is nothing to check in to."))
    opens, closes = checkin.window(session)
    now = timezone.now()
    if now < opens:
        raise ValidationError(_("Check-in opens 30 minutes before the session starts."))
    if now > closes:
        raise ValidationError(_("Check-in for this session has closed. Ask the programme team to record you."))
    reg = (
        Registration.objects.select_for_update()
        .filter(session=session, leader=leader, status=Registration.Status.CONFIRMED)
        .first()
    )
    if reg is None:
        raise ValidationError(_("You do not have a seat at this session. Speak to the programme team at the venue."))
    if reg.attendance != Registration.Attendance.ATTENDED:
        before = reg.attendance
        reg.attendance = Registration.Attendance.ATTENDED
        reg.save(update_fields=["attendance", "updated_at"])
        audit.record(
            leader.user, audit.UPDATE, [reg], {"attendance": [before, reg.attendance]}, event="attendance_check_in"
        )
    return reg
