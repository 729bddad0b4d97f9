"""Session pages: the session (a leader's sign-up, HR's lists and forms), create and edit,
publish/cancel/complete, contributors and materials."""

import os

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from programmes import checkin, notifications, selectors, services
from programmes.forms import (
    AttendanceForm,
    CommitmentForm,
    ContributorForm,
    FavourNewcomersForm,
    MaterialForm,
    SessionCancelForm,
    SessionForm,
    WaitlistMoveForm,
)
from programmes.models import ProgrammeEnrolment, Registration, Session
from toppleder import confirmation
from toppleder.pages import error_text, form_error
from toppleder.permissions import is_hr, leader_of


@login_required
@require_GET
def session_detail(request, pk):
    # The access check (404 for a session the user may not see) and the page's read in one query.
    session = selectors.session_detail(pk, queryset=selectors.sessions_visible_to(request.user))
    return session_page(request, session, loaded=True)


def session_page(request, session, *, status=200, loaded=False, **forms):
    """The session page; a POST with errors passes its bound form (and answers 400)."""
    hr = is_hr(request.user)
    leader = leader_of(request.user)
    if not loaded:
        session = selectors.session_detail(session.pk)
    context = {"session": session, "programme": session.programme, "is_hr_view": hr, "now": timezone.now()}
    enrolled = leader is not None and (
        not hr or ProgrammeEnrolment.objects.active().filter(leader=leader, programme=session.programme).exists()
    )
    if enrolled:
        context["show_my_registration"] = True
        mine = Registration.objects.filter(session=session, leader=leader).first()
        context["my_registration"] = mine if mine and mine.status != Registration.Status.CANCELLED else None
        if mine and mine.undo_until and mine.undo_until > context["now"] and session.seats_left:
            context["undo_until"] = mine.undo_until
        if mine and mine.status == Registration.Status.WAITLISTED:
            context["my_position"] = Registration.objects.filter(
                session=session,
                status=Registration.Status.WAITLISTED,
                waitlist_position__lte=mine.waitlist_position,
            ).count()
    if leader is not None and session.status == Session.Status.PUBLISHED:
        context.update(selectors.group_bookings_panel(session, leader))
    context["checkin_open"] = session.status == Session.Status.PUBLISHED and checkin.is_open(session)
    if hr:
        if session.status in (Session.Status.PUBLISHED, Session.Status.COMPLETED):
            context["checkin_code"] = checkin.code(session)
            context["checkin_qr"] = checkin.qr_data_uri(session)
        # Confirmed (by name), waiting (in order) and offered seats in one query, split here.
        active = list(
            session.registrations.filter(status__in=[*selectors.ACTIVE, Registration.Status.OFFERED])
            .select_related("leader__user", "leader__organisation", "participant__user", "group_booking__group")
            .order_by("waitlist_position", "created_at", "pk")
        )
        registrations = sorted(
            (r for r in active if r.status == Registration.Status.CONFIRMED), key=lambda r: (r.person.user.name, r.pk)
        )
        context["registrations"] = registrations
        context["guests_confirmed"] = sum(1 for r in registrations if r.participant_id)
        waiting = [r for r in active if r.status == Registration.Status.WAITLISTED]
        # A hybrid session has a waiting list per mode; the room's is the one HR reorders here.
        context["waitlist"] = [r for r in waiting if r.mode == Registration.Mode.ROOM]
        context["online_waitlist"] = [r for r in waiting if r.mode == Registration.Mode.ONLINE]
        context["offers"] = sorted(
            (r for r in active if r.status == Registration.Status.OFFERED), key=lambda r: (r.offer_expires_at, r.pk)
        )
        context["attendance_form"] = forms.get("attendance_form") or AttendanceForm(registrations=registrations)
        context["move_form"] = forms.get("move_form") or WaitlistMoveForm()
        context["move_error_for"] = forms.get("move_error_for")
        context["favour_form"] = forms.get("favour_form") or FavourNewcomersForm(prefix="favour")
        context["commitment_form"] = forms.get("commitment_form") or CommitmentForm(session=session)
        context["commitments"] = selectors.commitments_with_parties(session.commitments.all())
    return render(request, "programmes/session_detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def session_create(request, pk):
    programme = selectors.programme_for(request.user, pk, manage=True)
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_create(programme=programme, by=request.user, **form.service_kwargs())
        except ValidationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The session was created as a draft. Publish it when it is ready."))
            return redirect("programmes:session_edit", pk=session.pk)
    return render(request, "programmes/session_form.html", {"form": form, "programme": programme, "session": None})


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(request, pk):
    session = selectors.session_for(request.user, pk, manage=True)
    form = SessionForm(request.POST or None, instance=session)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_update(session=session, by=request.user, **form.service_kwargs())
        except ValidationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The session was saved."))
            return redirect("programmes:session_detail", pk=session.pk)
    if form.is_bound:
        session.refresh_from_db()
    return _session_edit_page(request, session, form=form, status=400 if form.errors else 200)


def _session_edit_page(request, session, *, form=None, contributor_form=None, material_form=None, status=200):
    context = {
        "session": session,
        "programme": session.programme,
        "form": form or SessionForm(instance=session),
        "contributor_form": contributor_form or ContributorForm(prefix="contributor"),
        "material_form": material_form or MaterialForm(prefix="material"),
        "contributors": session.contributors.all(),
        "materials": session.materials.all(),
    }
    return render(request, "programmes/session_form.html", context, status=status)


SESSION_ACTIONS = {
    "publish": (services.session_publish, gettext_lazy("The session is published and the leaders are invited.")),
    "cancel": (services.session_cancel, gettext_lazy("The session is cancelled and the registered leaders are told.")),
    "complete": (services.session_complete, gettext_lazy("The session is marked as completed.")),
}


def _action_facts(session, action: str) -> dict:
    """What the confirmation page tells HR, and what must be unchanged when HR confirms."""
    facts = {
        "confirmed": session.registrations.filter(status=Registration.Status.CONFIRMED).count(),
        "waiting": session.registrations.filter(status=Registration.Status.WAITLISTED).count(),
    }
    if action == "publish":
        facts["invitees"] = notifications.invitees(session).count()
    return facts


def _fingerprint(session, facts: dict) -> tuple:
    return (session.status, session.sequence, session.updated_at.isoformat(), *sorted(facts.items()))


@login_required
@require_http_methods(["GET", "POST"])
def session_action(request, pk, action):
    """Publish, cancel or complete: a GET shows what will happen and to whom; the POST does it,
    only if nothing the page showed has changed since (confirmation token)."""
    session = selectors.session_for(request.user, pk, manage=True)
    service, done = SESSION_ACTIONS[action]
    facts = _action_facts(session, action)
    form = SessionCancelForm(request.POST or None) if action == "cancel" else None
    if request.method == "POST":
        if not confirmation.is_current(request.POST.get("confirmation"), action, session, _fingerprint(session, facts)):
            messages.error(
                request,
                _(
                    "The session changed after you opened this page, or the page is too old. Check the new figures and confirm again."
                ),
            )
            return redirect("programmes:session_action", pk=session.pk, action=action)
        if form is None or form.is_valid():
            extra = {"note": form.cleaned_data["note"]} if form is not None else {}
            try:
                service(session=session, by=request.user, **extra)
            except ValidationError as exc:
                messages.error(request, error_text(exc))
            else:
                messages.success(request, str(done))
            return redirect("programmes:session_detail", pk=session.pk)
    context = {
        "session": session,
        "programme": session.programme,
        "action": action,
        "facts": facts,
        "form": form,
        "started": session.starts_at <= timezone.now(),
        "confirmation": confirmation.token(action, session, _fingerprint(session, facts)),
    }
    if action == "publish" and facts["invitees"]:
        first = notifications.invitees(session).select_related("user").order_by("user__name", "pk").first()
        context["preview"] = notifications.invitation_preview(session, first.user)
        context["preview_to"] = first
    return render(request, "programmes/session_confirm.html", context, status=400 if form and form.errors else 200)


@login_required
@require_POST
def contributor_add(request, pk):
    session = selectors.session_for(request.user, pk, manage=True)
    form = ContributorForm(request.POST, prefix="contributor")
    if form.is_valid():
        try:
            services.contributor_add(session=session, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The contributor was added."))
            return redirect("programmes:session_edit", pk=session.pk)
    return _session_edit_page(request, session, contributor_form=form, status=400)


@login_required
@require_POST
def contributor_remove(request, pk, contributor_pk):
    contributor = selectors.contributor_for(request.user, pk, contributor_pk)
    services.contributor_remove(contributor=contributor, by=request.user)
    messages.success(request, _("The contributor was removed."))
    return redirect("programmes:session_edit", pk=contributor.session_id)


@login_required
@require_POST
def material_add(request, pk):
    session = selectors.session_for(request.user, pk, manage=True)
    form = MaterialForm(request.POST, request.FILES, prefix="material")
    if form.is_valid():
        try:
            services.material_add(
                session=session,
                title=form.cleaned_data["title"],
                url=form.cleaned_data["url"],
                file=form.cleaned_data["file"],
                by=request.user,
            )
        except ValidationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The material was added."))
            return redirect("programmes:session_edit", pk=session.pk)
    return _session_edit_page(request, session, material_form=form, status=400)


@login_required
@require_POST
def material_remove(request, pk, material_pk):
    material = selectors.material_for(request.user, pk, material_pk, manage=True)
    services.material_remove(material=material, by=request.user)
    messages.success(request, _("The material was removed."))
    return redirect("programmes:session_edit", pk=material.session_id)


@login_required
@require_GET
def material_download(request, pk, material_pk):
    """Uploaded material, only to those who may see the session, always as a download."""
    material = selectors.material_for(request.user, pk, material_pk)
    if not material.file:
        raise Http404
    try:
        handle = material.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=os.path.basename(material.file.name),
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
