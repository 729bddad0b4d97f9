"""Per-request guards: odd input, and security for signed-in users.

- A NUL character in the address, a query parameter or a submitted form value, and a query
  parameter longer than any the portal uses (MAX_QUERY_VALUE), are answered with a 400 page
  before any view runs: no database accepts NUL in text, so it could only turn into a server
  error further in.

- HR, administrators and facilitator accounts are signed out after 30 minutes idle (everyone
  after 12 hours, through SESSION_COOKIE_AGE).
- HR, administrators and facilitator accounts must have MFA (TOTP) once MFA_REQUIRED_FOR_STAFF is on: until
  they set it up, every page sends them to the MFA setup page.
- Signed-in pages are never stored by browsers or proxies (Cache-Control: no-store).
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from toppleder.permissions import needs_staff_security

_MFA_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/healthz", "/i18n/", "/accessibility/", "/privacy/")


# No query parameter of the portal (a search term, a date, a page number, a token) is longer.
MAX_QUERY_VALUE = 500


def _odd(request) -> bool:
    if any(len(v) > MAX_QUERY_VALUE for values in request.GET.lists() for v in values[1]):
        return True
    return _has_nul(request)


def _has_nul(request) -> bool:
    if "\x00" in request.path:
        return True
    data = [request.GET]
    if request.method == "POST" and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        data.append(request.POST)
    return any("\x00" in key or any("\x00" in v for v in values) for d in data for key, values in d.lists())


class OddInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _odd(request):
            return render(request, "400.html", status=400)
        return self.get_response(request)


class RoleSecurityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response = self._check_staff(request, user)
            if response is None:
                response = self.get_response(request)
            add_never_cache_headers(response)
            return response
        return self.get_response(request)

    def _check_staff(self, request, user):
        if not needs_staff_security(user):
            return None
        now = int(time.time())
        last = request.session.get("last_seen")
        if last is not None and now - last > settings.STAFF_IDLE_TIMEOUT:
            logout(request)
            messages.info(request, _("You were signed out after 30 minutes without activity."))
            return redirect(f"{reverse('account_login')}?next={request.path}")
        # Write the timestamp at most once a minute so the session is not saved on every request.
        if last is None or now - last > 60:
            request.session["last_seen"] = now
        if settings.MFA_REQUIRED_FOR_STAFF and not request.path.startswith(_MFA_EXEMPT_PREFIXES):
            if not request.session.get("mfa_ok"):
                from allauth.mfa.models import Authenticator

                if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
                    request.session["mfa_ok"] = True
                else:
                    messages.warning(
                        request, _("HR staff, administrators and facilitators must set up two-factor authentication.")
                    )
                    return redirect("mfa_activate_totp")
        return None
