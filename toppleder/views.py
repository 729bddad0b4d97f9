import sys

from django.contrib.auth.decorators import login_required
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language as django_set_language

from toppleder import health, services
from toppleder.dashboard import build_panels
from toppleder.models import User
from toppleder.permissions import is_hr, leader_of


@login_required
def dashboard(request):
    """The dashboard at "/": "Mitt program" for a leader, the overview for HR and administrators."""
    staff = is_hr(request.user)
    leader = leader_of(request.user)
    context = {
        "leader": leader,
        "hr_panels": build_panels("hr", request) if staff else [],
        "leader_panels": build_panels("leader", request) if leader else [],
    }
    if not staff and not leader:
        # Someone with neither role may still facilitate a group (an external facilitator).
        context["leader_panels"] = build_panels("facilitator", request)
    return render(request, "toppleder/dashboard.html", context)


@require_POST
def set_language(request):
    """Django's language switcher, and for a signed-in person the choice is kept on the
    account too, so e-mails and PDFs follow it (they use User.language)."""
    response = django_set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language in dict(User.Language.choices):
        services.user_set_language(user=request.user, language=language)
    return response


def accessibility_statement(request):
    return render(request, "toppleder/accessibility.html")


def privacy(request):
    return render(request, "toppleder/privacy.html")


@never_cache
@require_GET
def healthz(request):
    """Each dependency's status as JSON (toppleder/health.py): 200 when all are healthy, else 503."""
    healthy, checks, details = health.report()
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks, "details": details},
        status=200 if healthy else 503,
    )


def healthz_live(request):
    """Touches nothing: the framework's floor for `make bench`."""
    return HttpResponse("ok", content_type="text/plain")


def healthz_me(request):
    """Loads the session and the user and returns a few bytes: the signed-in floor for `make bench`."""
    if not request.user.is_authenticated:
        return HttpResponse("anonymous", status=401, content_type="text/plain")
    return HttpResponse(str(request.user.pk), content_type="text/plain")


# How long a browser or proxy is asked to wait before trying again after a 503.
RETRY_AFTER_SECONDS = 30


def server_error(request):
    """handler500: an unexpected error is Django's 500 page; the database being away (not
    answering, restarting, failing over) is a 503 in the person's language, with Retry-After.

    Called while the exception is being handled, so `sys.exc_info()` names it. Renders without
    a request or context processors: nothing may touch the database or the cache here.
    """
    exc = sys.exc_info()[1]
    if isinstance(exc, (OperationalError, InterfaceError)):
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return defaults.server_error(request)


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)
