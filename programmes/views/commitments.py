"""Commitments: HR records one at a session; a party (or HR) updates its status."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from programmes import selectors, services
from programmes.forms import CommitmentForm, CommitmentStatusForm
from programmes.views.sessions import session_page
from toppleder.pages import error_text, form_error
from toppleder.permissions import is_hr


@login_required
@require_POST
def commitment_create(request, pk):
    session = selectors.session_for(request.user, pk, manage=True)
    form = CommitmentForm(request.POST, session=session)
    if form.is_valid():
        try:
            services.commitment_create(
                programme=session.programme,
                session=session,
                text=form.cleaned_data["text"],
                parties=list(form.cleaned_data["parties"]),
                organisations=list(form.cleaned_data["organisations"]),
                due_date=form.cleaned_data["due_date"],
                by=request.user,
            )
        except ValidationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The commitment was recorded."))
            return redirect("programmes:session_detail", pk=session.pk)
    return session_page(request, session, commitment_form=form, status=400)


@login_required
@require_POST
def commitment_status(request, pk):
    commitment = selectors.commitment_for(request.user, pk)
    form = CommitmentStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid status."))
    else:
        try:
            services.commitment_update_status(
                commitment=commitment,
                status=form.cleaned_data["status"],
                follow_up=form.cleaned_data["follow_up"],
                by=request.user,
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("The commitment's status was updated."))
    if is_hr(request.user) and commitment.session_id and request.POST.get("next") != reverse("dashboard"):
        return redirect("programmes:session_detail", pk=commitment.session_id)
    return redirect("dashboard")
