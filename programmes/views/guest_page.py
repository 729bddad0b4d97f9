"""A guest's own page about a session: the "See the session" link in every e-mail to a
participant who is not a leader (a politician, a union representative), who has no way to
sign in. The signed link is the permission (programmes/email_actions.py, GUEST_PAGE); the
GET shows the session, their status and the calendar file, and changes nothing; each POST
is one change through the registration services (cancel, leave the waiting list, sign up,
"Jeg kan ikke"), with the waiting list promoted and the audit written there.
"""

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from programmes import calendar as ical
from programmes import email_actions, services
from programmes.models import GuestInvitation, Registration
from programmes.views.calendar import _ics_response
from programmes.views.email_actions import _invalid
from toppleder import dates
from toppleder.pages import error_text

S = Registration.Status
ACTS = ("cancel", "signup", "decline")


def _state(ticket) -> dict:
    """What the page shows and which buttons it offers, read now."""
    session, participant = ticket.session, ticket.participant
    registration = Registration.objects.filter(session_id=session.pk, participant_id=participant.pk).first()
    invitation = GuestInvitation.objects.filter(session_id=session.pk, participant_id=participant.pk).first()
    active = registration is not None and registration.status in (S.CONFIRMED, S.WAITLISTED, S.OFFERED)
    started = session.starts_at <= timezone.now()
    running = session.status == session.Status.PUBLISHED and not started
    can_answer = (
        not active and invitation is not None and invitation.declined_at is None and session.is_open_for_registration
    )
    mode = registration.mode if active else ""
    return {
        "registration": registration if active else None,
        "invitation": invitation,
        "declined": invitation is not None and invitation.declined_at is not None and not active,
        "started": started or session.status == session.Status.COMPLETED,
        "session_cancelled": session.status == session.Status.CANCELLED,
        "can_cancel": active and running,
        "can_answer": can_answer,
        # Where to be: the room, the video meeting, or (no seat yet, hybrid) both.
        "show_place": (
            bool(session.place) and mode != Registration.Mode.ONLINE and session.format != session.Format.DIGITAL
        ),
        "show_video": bool(session.video_link)
        and (session.format == session.Format.DIGITAL or mode != Registration.Mode.ROOM or not session.is_hybrid),
    }


def _ticket(request, token):
    return email_actions.read(email_actions.GUEST_PAGE, token, user=request.user)


@require_http_methods(["GET", "HEAD", "POST"])
def guest_page(request, token):
    try:
        ticket = _ticket(request, token)
    except email_actions.LinkInvalid as exc:
        return _invalid(request, exc.reason)
    session, participant = ticket.session, ticket.participant
    if request.method == "POST":
        act = request.POST.get("do", "")
        state = _state(ticket)
        try:
            if act == "cancel" and state["registration"] is not None:
                services.registration_cancel(registration=state["registration"], by=participant.user)
            elif act == "signup":
                services.registration_create(session=session, participant=participant, by=participant.user)
            elif act == "decline":
                services.invitation_decline(session=session, participant=participant, by=participant.user)
            elif act == "cancel":
                raise ValidationError(_("You have no place at this session to give up."))
            else:
                raise ValidationError(_("This link cannot be used."))
        except services.RegistrationBusy:
            context = {"ticket": ticket, "session": session, "participant": participant, "busy": True, **state}
            return render(request, "programmes/guest_page.html", context, status=503)
        except ValidationError as exc:
            context = {
                "ticket": ticket,
                "session": session,
                "participant": participant,
                "error": error_text(exc),
                **_state(ticket),
            }
            return render(request, "programmes/guest_page.html", context, status=409)
        # After a POST, the page again (the same link), showing the new status.
        return redirect(f"{request.path}?done={act}")
    done = request.GET.get("done", "")
    context = {
        "ticket": ticket,
        "session": session,
        "participant": participant,
        "done": done if done in ACTS else "",
        **_state(ticket),
    }
    return render(request, "programmes/guest_page.html", context)


@require_safe
def guest_calendar(request, token):
    """The session as a calendar file: the guest's own entry while they have a seat, else the
    session (PUBLISH), as in their e-mails."""
    try:
        ticket = _ticket(request, token)
    except email_actions.LinkInvalid as exc:
        return _invalid(request, exc.reason)
    session = ticket.session
    registration = Registration.objects.filter(
        session_id=session.pk, participant_id=ticket.participant.pk, status=S.CONFIRMED
    ).first()
    data = ical.registration_ics(registration, "REQUEST") if registration else ical.session_ics(session)
    return _ics_response(data, dates.filename(session.title, session.starts_at.date(), suffix=".ics"))
