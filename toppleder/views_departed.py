"""HR confirms the retention rule: leaders who left long enough ago are anonymised."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from toppleder import services
from toppleder.pages import error_messages
from toppleder.permissions import require_hr
from toppleder.privacy import departed_due


@login_required
@require_http_methods(["GET", "POST"])
def departed_list(request):
    require_hr(request.user)
    if request.method == "POST":
        ids = [v for v in request.POST.getlist("person") if v.isdigit() and len(v) < 12]
        try:
            n = services.departed_anonymise(by=request.user, user_ids=ids)
        except ValidationError as exc:
            error_messages(request, exc)
        else:
            messages.success(request, _("%(n)s people are anonymised.") % {"n": n})
        return redirect("departed_list")
    people = list(departed_due()[:500])
    return render(
        request,
        "toppleder/departed_list.html",
        {"people": people, "months": settings.DEPARTED_RETENTION_MONTHS},
    )
