"""Signing up and cancelling (a leader), and HR's waiting-list moves and attendance."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from programmes import selectors, services
from programmes.forms import AttendanceForm, CheckInForm, FavourNewcomersForm, GroupBookingForm, WaitlistMoveForm
from programmes.models import Registration
from programmes.views.sessions import session_page
from toppleder.pages import error_text, form_error
from toppleder.permissions import require_leader


def _back(request, session):
    """Back to where the button was (the dashboard or the programme page), else the session."""
    nxt = request.POST.get("next", "")
    if nxt in (reverse("dashboard"), reverse("programmes:programme_detail", args=[session.programme_id])):
        return redirect(nxt)
    return redirect("programmes:session_detail", pk=session.pk)


@login_required
@require_POST
def registration_create(request, pk):
    session = selectors.session_for(request.user, pk)
    leader = require_leader(request.user)
    mode = request.POST.get("mode") or Registration.Mode.ROOM
    try:
        registration = services.registration_create(session=session, leader=leader, by=request.user, mode=mode)
    except services.RegistrationBusy:
        messages.warning(request, _("Many people are signing up right now, please try again."))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        if registration.status == Registration.Status.WAITLISTED:
            messages.info(
                request,
                _("“%(title)s” is full. You are on the waiting list and will be told if a seat frees up.")
                % {"title": session.title},
            )
        else:
            messages.success(request, _("You are signed up for “%(title)s”.") % {"title": session.title})
    return _back(request, session)


@login_required
@require_http_methods(["GET", "POST"])
def group_booking_create(request, pk, group_pk):
    """A top leader (or delegate) signs up all or some of their leader group in one action."""
    session = selectors.session_for(request.user, pk)
    leader = require_leader(request.user)
    group = selectors.bookable_group_for(request.user, group_pk)
    form = GroupBookingForm(request.POST or None, group=group)
    if request.method == "POST" and form.is_valid():
        try:
            booking = services.group_booking_create(
                session=session,
                group=group,
                booker=leader,
                members=list(form.cleaned_data["members"]),
                mode=form.cleaned_data["mode"],
                by=request.user,
            )
        except services.RegistrationBusy:
            messages.warning(request, _("Many people are signing up right now, please try again."))
        except ValidationError as exc:
            form_error(form, exc)
        else:
            args = {"count": booking.size, "seated": booking.seated, "group": group.name, "title": session.title}
            if booking.seated == booking.size:
                text = ngettext(
                    "%(count)d member of %(group)s is signed up for “%(title)s”.",
                    "%(count)d members of %(group)s are signed up for “%(title)s”.",
                    booking.size,
                )
            elif not booking.seated:
                text = ngettext(
                    "“%(title)s” is full: %(count)d member of %(group)s is on the waiting list.",
                    "“%(title)s” does not have seats for all of them: the %(count)d members of %(group)s wait "
                    "on the waiting list together and are offered the seats together.",
                    booking.size,
                )
            else:
                text = _(
                    "%(seated)d of %(count)d members of %(group)s have a seat at “%(title)s”; the rest are on the "
                    "waiting list."
                )
            messages.success(request, text % args)
            if booking.skipped:
                messages.info(
                    request,
                    _("Already signed up or waiting, left as they were: %(names)s.")
                    % {"names": ", ".join(le.user.name for le in booking.skipped)},
                )
            return redirect("programmes:session_detail", pk=session.pk)
    context = {"session": session, "group": group, "form": form}
    return render(request, "programmes/group_booking.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def group_offer_accept(request, pk, booking_pk):
    """The top leader (or delegate) keeps every seat offered to the group."""
    session = selectors.session_for(request.user, pk)
    leader = require_leader(request.user)
    booking = selectors.group_booking_for(request.user, session, booking_pk)
    try:
        count = services.group_offer_accept(booking=booking, booker=leader, by=request.user)
    except services.RegistrationBusy:
        messages.warning(request, _("Many people are signing up right now, please try again."))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request,
            ngettext("%(count)d seat is kept for %(group)s.", "%(count)d seats are kept for %(group)s.", count)
            % {"count": count, "group": booking.group.name},
        )
    return redirect("programmes:session_detail", pk=session.pk)


@login_required
@require_POST
def registration_switch_mode(request, pk):
    """A hybrid session: take part in the room instead of online, or the other way round."""
    session = selectors.session_for(request.user, pk)
    registration = selectors.own_registration_for(session, require_leader(request.user))
    mode = request.POST.get("mode", "")
    try:
        reg = services.registration_switch_mode(
            registration=registration, mode=mode, wait=request.POST.get("wait") == "1", by=request.user
        )
    except services.RegistrationBusy:
        messages.warning(request, _("Many people are signing up right now, please try again."))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        if reg.status == Registration.Status.WAITLISTED:
            messages.info(request, _("You are on the waiting list %(mode)s.") % {"mode": _mode_words(reg.mode)})
        else:
            messages.success(request, _("You now take part %(mode)s.") % {"mode": _mode_words(reg.mode)})
    return _back(request, session)


def _mode_words(mode):
    return _("in the room") if mode == Registration.Mode.ROOM else _("online")


@login_required
@require_POST
def offer_accept(request, pk):
    """Keep a seat offered from the waiting list (the same as "Behold plassen" in the e-mail)."""
    session = selectors.session_for(request.user, pk)
    registration = selectors.own_registration_for(session, require_leader(request.user))
    try:
        services.offer_accept(registration=registration, by=request.user)
    except services.RegistrationBusy:
        messages.warning(request, _("Many people are signing up right now, please try again."))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("The seat is yours: you are signed up for “%(title)s”.") % {"title": session.title})
    return _back(request, session)


@login_required
@require_POST
def registration_apologies(request, pk):
    """ "Kan ikke komme": a confirmed leader sends apologies; excused, and the seat is offered on."""
    session = selectors.session_for(request.user, pk)
    registration = selectors.own_registration_for(session, require_leader(request.user))
    try:
        services.registration_cancel(registration=registration, by=request.user, apologies=True)
    except services.RegistrationBusy:
        messages.warning(request, _("Many people are signing up right now, please try again."))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request,
            _("Thank you for letting us know. Your absence from “%(title)s” is excused, and the seat goes to the next.")
            % {"title": session.title},
        )
    return _back(request, session)


@login_required
@require_POST
def registration_cancel(request, pk):
    session = selectors.session_for(request.user, pk)
    registration = selectors.own_registration_for(session, require_leader(request.user))
    was_waiting = registration.status == Registration.Status.WAITLISTED
    try:
        services.registration_cancel(registration=registration, by=request.user)
    except services.RegistrationBusy:
        messages.warning(request, _("Many people are signing up right now, please try again."))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        if was_waiting:
            messages.success(request, _("You have left the waiting list for “%(title)s”.") % {"title": session.title})
        elif selectors.seat_free(session):
            messages.success(
                request,
                _(
                    "Your registration for “%(title)s” is cancelled. Changed your mind? You can undo it on the session page for %(minutes)s minutes, while the seat is free."
                )
                % {"title": session.title, "minutes": int(Registration.UNDO_WINDOW.total_seconds() // 60)},
            )
        else:
            messages.success(request, _("Your registration for “%(title)s” is cancelled.") % {"title": session.title})
    return _back(request, session)


@login_required
@require_POST
def registration_restore(request, pk):
    """Undo one's own cancellation (within minutes, while the seat is free)."""
    session = selectors.session_for(request.user, pk)
    registration = selectors.cancelled_registration_for(session, require_leader(request.user))
    try:
        services.registration_restore(registration=registration, by=request.user)
    except services.RegistrationBusy:
        messages.warning(request, _("Many people are signing up right now, please try again."))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Your seat at “%(title)s” is yours again.") % {"title": session.title})
    return redirect("programmes:session_detail", pk=session.pk)


@login_required
@require_POST
def waitlist_move(request, pk, registration_pk):
    registration = selectors.waiting_registration_for(request.user, pk, registration_pk)
    session = registration.session
    form = WaitlistMoveForm(request.POST)
    if form.is_valid():
        try:
            services.waitlist_reorder(
                registration=registration,
                new_position=form.cleaned_data["new_position"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except ValidationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The waiting list was changed."))
            return redirect("programmes:session_detail", pk=session.pk)
    return session_page(request, session, move_form=form, move_error_for=registration.pk, status=400)


@login_required
@require_POST
def waitlist_favour_newcomers(request, pk):
    session = selectors.session_for(request.user, pk, manage=True)
    form = FavourNewcomersForm(request.POST, prefix="favour")
    if form.is_valid():
        try:
            services.waitlist_favour_newcomers(session=session, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Leaders who have not attended this kind of session now go first."))
            return redirect("programmes:session_detail", pk=session.pk)
    return session_page(request, session, favour_form=form, status=400)


@login_required
@require_POST
def attendance_record(request, pk):
    session = selectors.session_for(request.user, pk, manage=True)
    registrations = (
        session.registrations.filter(status=Registration.Status.CONFIRMED)
        .select_related("leader__user", "leader__organisation")
        .order_by("leader__user__name", "pk")
    )
    if request.POST.get("everyone") == "attended":
        # "Alle møtte": everyone not yet marked is marked as attended; HR then marks the exceptions.
        unmarked = {
            r.pk: Registration.Attendance.ATTENDED
            for r in registrations
            if r.attendance == Registration.Attendance.UNKNOWN
        }
        try:
            changed = services.attendance_record(session=session, marks=unmarked, by=request.user)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)d leader is marked as attended. Now mark those who did not come.",
                    "%(count)d leaders are marked as attended. Now mark those who did not come.",
                    changed,
                )
                % {"count": changed},
            )
        return redirect("programmes:session_detail", pk=session.pk)
    form = AttendanceForm(request.POST, registrations=registrations)
    if form.is_valid():
        try:
            services.attendance_record(session=session, marks=form.marks(), by=request.user)
        except ValidationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Attendance is saved."))
            return redirect("programmes:session_detail", pk=session.pk)
    return session_page(request, session, attendance_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def checkin(request, pk):
    """Self check-in at the venue: the QR code's link opens this page with the code filled in;
    the GET only shows it, the button (POST) marks the leader as attended."""
    session = selectors.session_for(request.user, pk)
    leader = require_leader(request.user)
    form = CheckInForm(request.POST or None, initial={"code": request.GET.get("code", "")[:20]})
    if request.method == "POST" and form.is_valid():
        try:
            services.attendance_check_in(session=session, leader=leader, code=form.cleaned_data["code"])
        except ValidationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("You are checked in at «%(title)s». Welcome!") % {"title": session.title})
            return redirect("programmes:session_detail", pk=session.pk)
    return render(
        request,
        "programmes/checkin.html",
        {"session": session, "form": form},
        status=400 if form.errors else 200,
    )
