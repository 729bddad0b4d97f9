"""Calendar files: one session's .ics, a leader's personal feed, and the page that explains it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST, require_safe

from programmes import calendar as ical
from programmes import selectors, services
from toppleder import dates
from toppleder.permissions import require_leader


def _ics_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def session_calendar(request, pk):
    session = selectors.session_for(request.user, pk)
    return _ics_response(
        ical.session_ics(session), dates.filename(session.title, session.starts_at.date(), suffix=".ics")
    )


@require_safe
def calendar_feed(request, token):
    """A leader's personal feed: no login (calendar apps cannot sign in); the token is the secret."""
    leader = selectors.leader_for_feed(token)
    response = HttpResponse(ical.leader_feed_ics(leader), content_type="text/calendar; charset=utf-8")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=900"
    return response


@login_required
@require_GET
def calendar_page(request):
    leader = require_leader(request.user)
    feed_url = request.build_absolute_uri(reverse("programmes:calendar_feed", args=[leader.calendar_token]))
    return render(request, "programmes/calendar.html", {"leader": leader, "feed_url": feed_url})


@login_required
@require_POST
def calendar_reset(request):
    leader = require_leader(request.user)
    services.calendar_token_reset(leader=leader, by=request.user)
    messages.success(
        request, _("Your calendar address is new. The old address no longer works; add the new one to your calendar.")
    )
    return redirect("programmes:calendar")
