"""One-click links from e-mails: the GET shows what will happen and one button, the POST does it.

No sign-in: the signed link is the permission, for that one action (programmes/email_actions.py).
"""

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from programmes import email_actions, services
from toppleder.pages import error_text

# Why a link cannot be used → the HTTP status of the page that says so.
STATUS = {"tampered": 400, "expired": 410, "used": 410, "other_person": 403}


def _invalid(request, reason: str, message: str = ""):
    return render(
        request,
        "programmes/email_action_invalid.html",
        {"reason": reason, "message": message},
        status=STATUS.get(reason, 400),
    )


@require_http_methods(["GET", "HEAD", "POST"])
def email_action(request, action, token):
    try:
        ticket = email_actions.read(action, token, user=request.user)
    except email_actions.LinkInvalid as exc:
        return _invalid(request, exc.reason)
    # "leader": the person the link is for (a leader, or a participant who is not one).
    context = {"ticket": ticket, "session": ticket.session, "leader": ticket.person}
    if ticket.participant is not None:
        # A guest cannot sign in: their own page about the session instead of the session page.
        context["guest_url"] = email_actions.guest_page_link(ticket.participant, ticket.session)[0]
    if request.method == "POST":
        try:
            outcome = services.email_action_perform(ticket=ticket, by=ticket.person.user)
        except services.RegistrationBusy:
            context.update(preview=email_actions.preview(ticket), busy=True)
            return render(request, "programmes/email_action.html", context, status=503)
        except ValidationError as exc:
            if getattr(exc, "code", None) == "used":
                return _invalid(request, "used")
            context.update(preview=email_actions.preview(ticket), error=error_text(exc))
            return render(request, "programmes/email_action.html", context, status=409)
        ticket.session.refresh_from_db()
        registration = ticket.session.registrations.filter(**ticket.person_filter).first()
        context.update(done=True, outcome=outcome, registration=registration)
        return render(request, "programmes/email_action.html", context)
    context["preview"] = email_actions.preview(ticket)
    return render(request, "programmes/email_action.html", context)
