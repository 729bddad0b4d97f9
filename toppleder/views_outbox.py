"""The outbox pages (HR: every e-mail with its status; a person: what was sent to them)
and the notification preferences page."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from toppleder import mail
from toppleder.forms_outbox import NotificationPreferenceForm, OutboxFilterForm
from toppleder.models import NotificationPreference, OutboxMessage
from toppleder.permissions import is_hr

PER_PAGE = 50
Kind, Status = OutboxMessage.Kind, OutboxMessage.Status


def outbox_for_hr():
    """Every message HR may see. Survey reminders go only to people who have not answered,
    and a survey e-mail is skipped when its recipient has already answered, so listing
    either would show HR who answered; the surveys promise nobody sees that."""
    return (
        OutboxMessage.objects.exclude(kind=Kind.SURVEY_REMINDER)
        .exclude(kind=Kind.SURVEY_INVITATION, status=Status.SUPERSEDED)
        .select_related("recipient")
    )


def get_outbox_message_for_user(user, pk: int) -> OutboxMessage:
    """HR and administrators see the messages in `outbox_for_hr`; anyone else gets 403."""
    if not is_hr(user):
        raise PermissionDenied
    return get_object_or_404(outbox_for_hr(), pk=pk)


def _page(request, qs):
    return Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))


@login_required
def outbox_list(request):
    if not is_hr(request.user):
        raise PermissionDenied
    filters = OutboxFilterForm(request.GET or None)
    qs = outbox_for_hr().order_by("-created_at", "-pk")
    if filters.is_valid():
        data = filters.cleaned_data
        if q := data["q"].strip():
            qs = qs.filter(
                Q(to_email__icontains=q)
                | Q(recipient__name__icontains=q)
                | Q(subject__icontains=q)
                | Q(object_ref__icontains=q)
            )
        if data["status"]:
            qs = qs.filter(status=data["status"])
        if data["kind"]:
            qs = qs.filter(kind=data["kind"])
    query = urlencode({k: v for k, v in request.GET.items() if k != "page" and v})
    return render(
        request, "toppleder/outbox_list.html", {"page": _page(request, qs), "filters": filters, "query": query}
    )


@login_required
def outbox_detail(request, pk):
    message = get_outbox_message_for_user(request.user, pk)
    return render(request, "toppleder/outbox_detail.html", {"message": message})


@login_required
@require_POST
def outbox_resend(request, pk):
    message = get_outbox_message_for_user(request.user, pk)
    if mail.outbox_resend(message_id=message.pk):
        messages.success(request, _("The e-mail is queued to be sent again."))
    else:
        messages.error(request, _("Only a failed e-mail can be sent again."))
    return redirect("outbox_detail", pk=message.pk)


@login_required
def outbox_mine(request):
    """What the portal has e-mailed me (every role; a leader's own messages only)."""
    qs = OutboxMessage.objects.filter(recipient=request.user).order_by("-created_at", "-pk")
    return render(request, "toppleder/outbox_mine.html", {"page": _page(request, qs), "query": ""})


@login_required
@require_http_methods(["GET", "POST"])
def notification_preferences(request):
    preference = NotificationPreference.objects.filter(user=request.user).first() or NotificationPreference(
        user=request.user
    )
    form = NotificationPreferenceForm(request.POST or None, instance=preference)
    if request.method == "POST" and form.is_valid():
        mail.preferences_update(user=request.user, **form.cleaned_data)
        messages.success(request, _("Your e-mail preferences are saved."))
        return redirect("notification_preferences")
    return render(request, "toppleder/preferences.html", {"form": form})
