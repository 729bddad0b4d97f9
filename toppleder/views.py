from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language as django_set_language

from toppleder import services
from toppleder.dashboard import render_panels
from toppleder.models import User
from toppleder.permissions import is_hr, leader_of


@login_required
def dashboard(request):
    """The dashboard at "/": "Mitt program" for a leader, the overview for HR and administrators."""
    staff = is_hr(request.user)
    leader = leader_of(request.user)
    context = {
        "leader": leader,
        "hr_panels": render_panels("hr", request) if staff else [],
        "leader_panels": render_panels("leader", request) if leader else [],
    }
    if not staff and not leader:
        # Someone with neither role may still facilitate a group (an external facilitator).
        context["leader_panels"] = render_panels("facilitator", request)
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
    """Database and cache/broker status as JSON: 200 when all are healthy, else 503."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception as exc:  # any failure means unhealthy; say which kind
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        cache.set("healthz", "1", 5)
        checks["cache"] = "ok" if cache.get("healthz") == "1" else "error: cache did not keep a value"
    except Exception as exc:
        checks["cache"] = f"error: {type(exc).__name__}"
    checks["broker"] = _broker_status()
    healthy = all(v == "ok" or v == "eager" for v in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)


def _broker_status() -> str:
    from django.conf import settings

    if not settings.REDIS_URL:
        return "eager"
    try:
        import redis

        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
        return "ok"
    except Exception as exc:
        return f"error: {type(exc).__name__}"


def healthz_live(request):
    """Touches nothing: the framework's floor for `make bench`."""
    return HttpResponse("ok", content_type="text/plain")


def healthz_me(request):
    """Loads the session and the user and returns a few bytes: the signed-in floor for `make bench`."""
    if not request.user.is_authenticated:
        return HttpResponse("anonymous", status=401, content_type="text/plain")
    return HttpResponse(str(request.user.pk), content_type="text/plain")


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)
