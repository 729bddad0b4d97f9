"""The outbox pages (HR: every e-mail with its status; a person: what was sent to them)
and the notification preferences page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from toppleder import services as core_services
from toppleder.models import NotificationPreference
from toppleder.outbox import services
from toppleder.outbox.forms import NotificationPreferenceForm, OutboxFilterForm
from toppleder.outbox.selectors import message_for, messages_to, outbox_for_hr
from toppleder.pages import filters, paginate, query_without_page
from toppleder.permissions import require_hr

PER_PAGE = 50


@login_required
def outbox_list(request):
    require_hr(request.user)
    form = OutboxFilterForm(request.GET or None)
    qs = outbox_for_hr(**filters(form))
    return render(
        request,
        "toppleder/outbox_list.html",
        {"page": paginate(request, qs, PER_PAGE), "filters": form, "query": query_without_page(request)},
    )


@login_required
def outbox_detail(request, pk):
    message = message_for(request.user, pk)
    return render(request, "toppleder/outbox_detail.html", {"message": message})


@login_required
@require_POST
def outbox_resend(request, pk):
    message = message_for(request.user, pk)
    if services.outbox_resend(message_id=message.pk, by=request.user):
        messages.success(request, _("The e-mail is queued to be sent again."))
    else:
        messages.error(request, _("Only a failed e-mail can be sent again."))
    return redirect("outbox_detail", pk=message.pk)


@login_required
def outbox_mine(request):
    """What the portal has e-mailed me (every role; a leader's own messages only)."""
    page = paginate(request, messages_to(request.user), PER_PAGE)
    return render(request, "toppleder/outbox_mine.html", {"page": page, "query": ""})


@login_required
@require_http_methods(["GET", "POST"])
def notification_preferences(request):
    preference = NotificationPreference.objects.filter(user=request.user).first() or NotificationPreference(
        user=request.user
    )
    form = NotificationPreferenceForm(request.POST or None, instance=preference)
    if request.method == "POST" and form.is_valid():
        core_services.preferences_update(user=request.user, **form.cleaned_data)
        messages.success(request, _("Your e-mail preferences are saved."))
        return redirect("notification_preferences")
    return render(request, "toppleder/preferences.html", {"form": form})
