"""Groups, meetings, confidential notes and mentor pairs. Thin views: access helper, form, service.

Confidentiality rule for every view here: note text reaches a template only through
`selectors.notes_for` / `selectors.pair_meetings_for`, which return nothing to outsiders.
A GET never writes: the "seen" mark behind "New group" / "New pair" is a POST the page makes.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from programmes.models import Programme
from programmes.selectors import programme_for
from reflection_groups import forms, selectors, services
from reflection_groups.models import MentorPair, MentorProfile, ReflectionGroup
from toppleder.pages import error_messages, filters, paginate, query_without_page
from toppleder.permissions import is_hr, leader_of, require_hr, require_leader

PER_PAGE = 50


def _match_url(programme_pk, scheme) -> str:
    return reverse("reflection_groups:pair_match") + "?" + urlencode({"programme": programme_pk, "scheme": scheme})


# --------------------------------------------------------------------------- groups
@login_required
@require_safe
def group_list(request):
    """HR: every group with filters. Leaders and facilitators: their own groups."""
    hr = is_hr(request.user)
    form = forms.GroupFilterForm(request.GET or None)
    wanted = filters(form)
    qs = selectors.group_list(
        request.user,
        programme=wanted.get("programme"),
        kind=wanted.get("kind", ""),
        status=wanted.get("status", ""),
    )
    return render(
        request,
        "reflection_groups/group_list.html",
        {"page": paginate(request, qs, PER_PAGE), "form": form, "is_hr_view": hr, "query": query_without_page(request)},
    )


@login_required
@require_safe
def group_detail(request, pk):
    group = selectors.group_for(request.user, pk)
    takes_part = selectors.can_take_part(request.user, group)
    leader = leader_of(request.user)
    members = selectors.group_members(group)
    context = {
        "group": group,
        "members": members,
        "meetings": selectors.group_meetings(group),
        "takes_part": takes_part,
        "notes": selectors.notes_for(request.user, group),
        "note_readers": selectors.note_readers(group),
        "note_form": forms.NoteForm(group=group)
        if takes_part and group.status == ReflectionGroup.Status.PUBLISHED
        else None,
        "is_hr_view": is_hr(request.user),
        "rule_warnings": services.group_rule_warnings([m.leader for m in members]) if is_hr(request.user) else [],
        "mark_seen": leader is not None and any(m.leader_id == leader.pk and m.seen_at is None for m in members),
    }
    return render(request, "reflection_groups/group_detail.html", context)


@login_required
@require_POST
def group_seen(request, pk):
    """The page tells that its member has seen it (fetch from static/js/toppleder.js): 204."""
    group = selectors.group_for(request.user, pk)
    services.group_mark_seen(leader=require_leader(request.user), group=group)
    return HttpResponse(status=204)


@login_required
@require_POST
def note_create(request, pk):
    group = selectors.group_for(request.user, pk, take_part=True)
    form = forms.NoteForm(request.POST, group=group)
    meeting = None
    if form.is_valid():
        meeting = form.cleaned_data["meeting"]
        try:
            services.note_create(group=group, author=request.user, text=form.cleaned_data["text"], meeting=meeting)
        except ValidationError as exc:
            error_messages(request, exc)
        else:
            messages.success(request, _("Your note is saved.") + " " + selectors.note_readers(group))
    else:
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
    if meeting is not None:
        return redirect("reflection_groups:meeting_detail", pk=group.pk, meeting_pk=meeting.pk)
    return redirect("reflection_groups:group_detail", pk=group.pk)


@login_required
@require_safe
def note_detail(request, pk, note_pk):
    note = selectors.note_for(request.user, pk, note_pk)
    context = {"group": note.group, "note": note, "note_readers": selectors.note_readers(note.group)}
    return render(request, "reflection_groups/note_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request, pk):
    group = selectors.group_for(request.user, pk, take_part=True)
    form = forms.MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_schedule(group=group, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for msg in exc.messages:
                form.add_error(None, msg)
        else:
            messages.success(request, _("The meeting is scheduled."))
            return redirect("reflection_groups:meeting_detail", pk=group.pk, meeting_pk=meeting.pk)
    return render(
        request,
        "reflection_groups/meeting_form.html",
        {"group": group, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_safe
def meeting_detail(request, pk, meeting_pk):
    meeting = selectors.meeting_for(request.user, pk, meeting_pk)
    group = meeting.group
    takes_part = selectors.can_take_part(request.user, group)
    attendance_form = None
    if takes_part:
        attendance_form = forms.AttendanceForm(
            group=group, initial={"present": [a.leader_id for a in meeting.attendance.all()]}
        )
    context = {
        "group": group,
        "meeting": meeting,
        "attendees": [a.leader for a in meeting.attendance.select_related("leader__user")],
        "takes_part": takes_part,
        "now": timezone.now(),
        "notes": selectors.notes_for(request.user, group, meeting=meeting),
        "note_readers": selectors.note_readers(group),
        "note_form": forms.NoteForm(group=group, initial={"meeting": meeting.pk})
        if takes_part and group.status == ReflectionGroup.Status.PUBLISHED
        else None,
        "attendance_form": attendance_form,
    }
    return render(request, "reflection_groups/meeting_detail.html", context)


@login_required
@require_POST
def attendance_record(request, pk, meeting_pk):
    meeting = selectors.meeting_for(request.user, pk, meeting_pk, take_part=True)
    group = meeting.group
    form = forms.AttendanceForm(request.POST, group=group)
    if form.is_valid():
        try:
            n = services.attendance_record(
                meeting=meeting, actor=request.user, present=list(form.cleaned_data["present"])
            )
        except ValidationError as exc:
            error_messages(request, exc)
        else:
            messages.success(request, _("Attendance saved: %(n)s present.") % {"n": n})
    else:
        messages.error(request, _("Choose members of the group only."))
    return redirect("reflection_groups:meeting_detail", pk=group.pk, meeting_pk=meeting.pk)


@login_required
@require_POST
def meeting_cancel(request, pk, meeting_pk):
    meeting = selectors.meeting_for(request.user, pk, meeting_pk, take_part=True)
    try:
        services.meeting_cancel(meeting=meeting, actor=request.user)
    except ValidationError as exc:
        error_messages(request, exc)
    else:
        messages.success(request, _("The meeting is cancelled. Everyone invited gets it removed from their calendar."))
    return redirect("reflection_groups:meeting_detail", pk=meeting.group.pk, meeting_pk=meeting.pk)


def _meeting_change_page(request, *, meeting, change, cancel_url, back_url, back_label, heading, action_url):
    """The one page for moving a planned meeting (a group's or a pair's): the form, and the
    way to call it off. The service sends everyone the updated calendar entry."""
    form = forms.MeetingTimeForm(
        request.POST or None,
        initial={
            "starts_at": timezone.localtime(meeting.starts_at),
            "place": meeting.place,
            "video_link": meeting.video_link,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            change(**form.cleaned_data)
        except ValidationError as exc:
            for msg in exc.messages:
                form.add_error(None, msg)
        else:
            messages.success(
                request, _("The meeting is changed. Everyone invited gets the new time in their calendar.")
            )
            return redirect(back_url)
    context = {
        "meeting": meeting,
        "form": form,
        "heading": heading,
        "action_url": action_url,
        "cancel_url": cancel_url,
        "back_url": back_url,
        "back_label": back_label,
        "changeable": meeting.cancelled_at is None and meeting.starts_at > timezone.now(),
    }
    return render(
        request,
        "reflection_groups/meeting_change.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_change(request, pk, meeting_pk):
    meeting = selectors.meeting_for(request.user, pk, meeting_pk, take_part=True)
    back = reverse("reflection_groups:meeting_detail", args=[meeting.group.pk, meeting.pk])
    return _meeting_change_page(
        request,
        meeting=meeting,
        change=lambda **data: services.meeting_change(meeting=meeting, actor=request.user, **data),
        cancel_url=reverse("reflection_groups:meeting_cancel", args=[meeting.group.pk, meeting.pk]),
        back_url=back,
        back_label=_("Back to the meeting"),
        heading=_("Change the meeting in %(name)s") % {"name": meeting.group.name},
        action_url=reverse("reflection_groups:meeting_change", args=[meeting.group.pk, meeting.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def group_compose(request):
    require_hr(request.user)
    latest = Programme.objects.exclude(status=Programme.Status.CLOSED).order_by("-created_at").first()
    form = forms.ComposeForm(request.POST or None, initial={"size_min": 6, "size_max": 8, "programme": latest})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            result = services.group_compose(
                programme=d["programme"],
                kind=d["kind"],
                size_min=d["size_min"],
                size_max=d["size_max"],
                level=d["level"],
                facilitator=d["facilitator"],
                theme=d["theme"],
                by=request.user,
            )
        except ValidationError as exc:
            for msg in exc.messages:
                form.add_error(None, msg)
        else:
            messages.success(
                request,
                _("Proposed %(n)s groups. Check them, move members if needed, then publish.")
                % {"n": len(result.groups)},
            )
            return redirect("reflection_groups:proposal", programme_pk=d["programme"].pk, kind=d["kind"])
    return render(
        request, "reflection_groups/compose.html", {"form": form}, status=400 if request.method == "POST" else 200
    )


@login_required
@require_safe
def proposal(request, programme_pk, kind):
    programme = programme_for(request.user, programme_pk, manage=True)
    if kind not in ReflectionGroup.Kind.values:
        raise Http404
    groups = selectors.proposals(programme, kind)
    the_lines = services.lines()
    for g in groups:
        g.member_list = list(g.memberships.all())
        g.rule_warnings = services.group_rule_warnings([m.leader for m in g.member_list], the_lines)
        g.move_form = forms.MoveMemberForm(
            group=g, members=[m.leader for m in g.member_list], targets=groups, auto_id=f"id_move_{g.pk}_%s"
        )
    return render(
        request,
        "reflection_groups/proposal.html",
        {
            "programme": programme,
            "kind": kind,
            "kind_label": ReflectionGroup.Kind(kind).label,
            "groups": groups,
            "publish_form": forms.PublishGroupForm(auto_id="id_publish_%s"),
        },
    )


def _back_to_group(group):
    if group.status == ReflectionGroup.Status.PROPOSED:
        return redirect("reflection_groups:proposal", programme_pk=group.programme_id, kind=group.kind)
    return redirect("reflection_groups:group_detail", pk=group.pk)


@login_required
@require_POST
def group_move(request, pk):
    group = selectors.group_for(request.user, pk, manage=True)
    form = forms.MoveMemberForm(request.POST, group=group)
    if not form.is_valid():
        messages.error(request, _("Choose a member of this group and another group of the same kind."))
        return _back_to_group(group)
    d = form.cleaned_data
    try:
        warnings = services.group_move_member(
            leader=d["leader"], from_group=group, to_group=d["to_group"], confirm=d["confirm"], by=request.user
        )
    except ValidationError as exc:
        if any(e.code == "hard_rule" for e in exc.error_list):
            messages.error(request, _("Not moved: the move breaks a hard rule. Tick the box to move anyway."))
        error_messages(request, exc)
    else:
        messages.success(
            request, _("%(name)s moved to %(group)s.") % {"name": d["leader"].name, "group": d["to_group"]}
        )
        for w in warnings:
            messages.warning(request, w)
    return _back_to_group(group)


@login_required
@require_POST
def group_publish(request, pk):
    group = selectors.group_for(request.user, pk, manage=True)
    form = forms.PublishGroupForm(request.POST)
    facilitator = form.cleaned_data["facilitator"] if form.is_valid() else None
    try:
        services.group_publish(group=group, facilitator=facilitator, by=request.user)
    except ValidationError as exc:
        error_messages(request, exc)
    else:
        messages.success(request, _("%(group)s is published; its members are told.") % {"group": group.name})
    return redirect("reflection_groups:proposal", programme_pk=group.programme_id, kind=group.kind)


@login_required
@require_POST
def group_close(request, pk):
    """HR closes a group (end of a round): its members are free for the next round."""
    group = selectors.group_for(request.user, pk, manage=True)
    try:
        services.group_close(group=group, by=request.user)
    except ValidationError as exc:
        error_messages(request, exc)
    else:
        messages.success(request, _("%(group)s is closed.") % {"group": group.name})
    return redirect("reflection_groups:group_detail", pk=group.pk)


@login_required
@require_POST
def proposal_publish(request, programme_pk, kind):
    """Publish every proposed group of the programme and kind (those without a facilitator get the one chosen)."""
    programme = programme_for(request.user, programme_pk, manage=True)
    if kind not in ReflectionGroup.Kind.values:
        raise Http404
    form = forms.PublishGroupForm(request.POST)
    facilitator = form.cleaned_data["facilitator"] if form.is_valid() else None
    try:
        published = services.groups_publish(programme=programme, kind=kind, facilitator=facilitator, by=request.user)
    except ValidationError as exc:
        messages.error(request, _("No group was published."))
        error_messages(request, exc)
    else:
        if published:
            messages.success(request, _("Published %(n)s groups.") % {"n": published})
    return redirect("reflection_groups:proposal", programme_pk=programme.pk, kind=kind)


@login_required
@require_http_methods(["GET", "POST"])
def facilitator_list(request):
    """HR: the facilitator accounts, and inviting an external facilitator by e-mail."""
    require_hr(request.user)
    form = forms.FacilitatorInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.facilitator_invite(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for msg in exc.messages:
                form.add_error(None, msg)
        else:
            messages.success(
                request,
                _("%(name)s is invited: an e-mail with a link to choose a password is on its way.")
                % {"name": user.get_full_name()},
            )
            return redirect("reflection_groups:facilitator_list")
    return render(
        request,
        "reflection_groups/facilitator_list.html",
        {"facilitators": list(selectors.facilitator_accounts()), "form": form},
        status=400 if form.errors else 200,
    )


# --------------------------------------------------------------------------- pairs
@login_required
@require_safe
def pair_list(request):
    hr = is_hr(request.user)
    form = forms.PairFilterForm(request.GET or None)
    f = filters(form)
    qs = selectors.pair_list(
        request.user,
        programme=f.get("programme"),
        scheme=f.get("scheme", ""),
        status=f.get("status", ""),
        rematch=bool(f.get("rematch")) and hr,
    )
    return render(
        request,
        "reflection_groups/pair_list.html",
        {
            "page": paginate(request, qs, PER_PAGE),
            "form": form,
            "is_hr_view": hr,
            "query": query_without_page(request),
            "me": leader_of(request.user),
        },
    )


@login_required
@require_safe
def pair_detail(request, pk):
    pair = selectors.pair_for(request.user, pk)
    party = selectors.is_pair_party(request.user, pair)
    me = leader_of(request.user) if party else None
    active = pair.status == MentorPair.Status.ACTIVE
    meetings = selectors.pair_meetings_for(request.user, pair)
    context = {
        "pair": pair,
        "party": party,
        "me": me,
        "is_hr_view": is_hr(request.user),
        "meetings": meetings,
        "my_fit": (pair.fit_mentor if me and me.pk == pair.mentor_id else pair.fit_mentee) if me else "",
        "i_asked_rematch": bool(me and pair.rematch_requested_by_id == me.pk),
        "agreement_form": forms.AgreementForm(
            initial={
                "goals": pair.goals,
                "meeting_frequency": pair.meeting_frequency,
                "period_start": pair.period_start,
                "period_end": pair.period_end,
            }
        )
        if party and active
        else None,
        "meeting_form": forms.PairMeetingForm() if party and active else None,
        "appointments": selectors.upcoming_appointments(pair) if party else [],
        "appointment_form": forms.MeetingTimeForm(prefix="plan") if party and active else None,
        "fit_form": forms.FitForm() if party and active and meetings else None,
        "close_form": forms.CloseForm() if is_hr(request.user) and pair.status != MentorPair.Status.CLOSED else None,
        "mark_seen": me is not None
        and (pair.mentor_seen_at if me.pk == pair.mentor_id else pair.mentee_seen_at) is None,
    }
    return render(request, "reflection_groups/pair_detail.html", context)


@login_required
@require_POST
def pair_seen(request, pk):
    """The page tells that the mentor or mentee has seen it (fetch from static/js/toppleder.js): 204."""
    pair = selectors.pair_for(request.user, pk, party=True)
    services.pair_mark_seen(leader=leader_of(request.user), pair=pair)
    return HttpResponse(status=204)


def _party_pair(request, pk):
    return selectors.pair_for(request.user, pk, party=True), leader_of(request.user)


@login_required
@require_POST
def pair_meeting_create(request, pk):
    pair, _me = _party_pair(request, pk)
    form = forms.PairMeetingForm(request.POST)
    if form.is_valid():
        try:
            services.pair_meeting_log(pair=pair, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            error_messages(request, exc)
        else:
            messages.success(request, _("Meeting logged."))
    else:
        messages.error(request, _("Give the date of the meeting."))
    return redirect("reflection_groups:pair_detail", pk=pair.pk)


@login_required
@require_POST
def pair_appointment_create(request, pk):
    pair, _me = _party_pair(request, pk)
    form = forms.MeetingTimeForm(request.POST, prefix="plan")
    if form.is_valid():
        try:
            services.pair_appointment_plan(pair=pair, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            error_messages(request, exc)
        else:
            messages.success(request, _("The meeting is planned. You both get it in your calendars."))
    else:
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
    return redirect("reflection_groups:pair_detail", pk=pair.pk)


@login_required
@require_http_methods(["GET", "POST"])
def pair_appointment_change(request, pk, appointment_pk):
    appointment = selectors.appointment_for(request.user, pk, appointment_pk)
    pair = appointment.pair
    return _meeting_change_page(
        request,
        meeting=appointment,
        change=lambda **data: services.pair_appointment_change(appointment=appointment, actor=request.user, **data),
        cancel_url=reverse("reflection_groups:pair_appointment_cancel", args=[pair.pk, appointment.pk]),
        back_url=reverse("reflection_groups:pair_detail", args=[pair.pk]),
        back_label=_("Back to the mentor pair"),
        heading=_("Change the mentor meeting of %(mentor)s and %(mentee)s")
        % {"mentor": pair.mentor.name, "mentee": pair.mentee.name},
        action_url=reverse("reflection_groups:pair_appointment_change", args=[pair.pk, appointment.pk]),
    )


@login_required
@require_POST
def pair_appointment_cancel(request, pk, appointment_pk):
    appointment = selectors.appointment_for(request.user, pk, appointment_pk)
    try:
        services.pair_appointment_cancel(appointment=appointment, actor=request.user)
    except ValidationError as exc:
        error_messages(request, exc)
    else:
        messages.success(request, _("The meeting is cancelled. You both get it removed from your calendars."))
    return redirect("reflection_groups:pair_detail", pk=appointment.pair.pk)


@login_required
@require_POST
def pair_agreement(request, pk):
    pair, _me = _party_pair(request, pk)
    form = forms.AgreementForm(request.POST)
    if form.is_valid():
        try:
            services.pair_agreement_update(pair=pair, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            error_messages(request, exc)
        else:
            messages.success(request, _("Agreement saved."))
    else:
        messages.error(request, _("The period must end after it starts."))
    return redirect("reflection_groups:pair_detail", pk=pair.pk)


@login_required
@require_POST
def pair_fit(request, pk):
    pair, me = _party_pair(request, pk)
    form = forms.FitForm(request.POST)
    if form.is_valid():
        try:
            services.pair_fit_check(pair=pair, leader=me, fit=form.cleaned_data["fit"])
        except ValidationError as exc:
            error_messages(request, exc)
        else:
            messages.success(request, _("Thank you for your answer."))
    else:
        messages.error(request, _("Choose one of the answers."))
    return redirect("reflection_groups:pair_detail", pk=pair.pk)


@login_required
@require_POST
def pair_rematch(request, pk):
    pair, me = _party_pair(request, pk)
    services.pair_request_rematch(pair=pair, leader=me)
    messages.success(request, _("HR has your request for a new match. The other person is not told."))
    return redirect("reflection_groups:pair_detail", pk=pair.pk)


@login_required
@require_POST
def pair_publish(request, pk):
    pair = selectors.pair_for(request.user, pk, manage=True)
    try:
        services.pair_publish(pair=pair, by=request.user)
    except ValidationError as exc:
        error_messages(request, exc)
    else:
        messages.success(request, _("The pair is published; both are told."))
    return redirect("reflection_groups:pair_detail", pk=pair.pk)


@login_required
@require_POST
def pair_discard(request, pk):
    pair = selectors.pair_for(request.user, pk, manage=True)
    try:
        services.pair_discard(pair=pair, by=request.user)
    except ValidationError as exc:
        error_messages(request, exc)
        return redirect("reflection_groups:pair_detail", pk=pair.pk)
    messages.success(request, _("The proposed pair is removed."))
    return redirect(_match_url(pair.programme_id, pair.scheme))


@login_required
@require_POST
def pair_close(request, pk):
    pair = selectors.pair_for(request.user, pk, manage=True)
    form = forms.CloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a reason for closing the pair."))
        return redirect("reflection_groups:pair_detail", pk=pair.pk)
    try:
        services.pair_close(pair=pair, reason=form.cleaned_data["reason"], by=request.user)
    except ValidationError as exc:
        error_messages(request, exc)
    else:
        messages.success(request, _("The pair is closed."))
    return redirect("reflection_groups:pair_detail", pk=pair.pk)


@login_required
@require_http_methods(["GET", "POST"])
def pair_match(request):
    """HR: run the optimal matching for a programme and scheme, adjust by hand, publish."""
    require_hr(request.user)
    form = forms.MatchForm(request.POST or request.GET or None)
    if request.method == "GET":
        filters(form)
    create_form = forms.PairCreateForm(auto_id="id_create_%s")
    unmatched = skipped = []
    proposed = []
    programme = scheme = None
    if form.is_valid():
        programme, scheme = form.cleaned_data["programme"], form.cleaned_data["scheme"]
        if request.method == "POST":
            result = services.pair_match(programme=programme, scheme=scheme, by=request.user)
            unmatched, skipped = result.unmatched, result.skipped
            messages.success(
                request,
                _(
                    "Proposed pairs: %(n)s. Mentees considered: %(m)s (leaders enrolled in the programme who "
                    "asked for this scheme and have no open pair). Mentors with free capacity: %(k)s. "
                    "Without a match: %(u)s."
                )
                % {"n": len(result.pairs), "m": result.considered, "k": result.mentors, "u": len(unmatched)},
            )
        proposed = list(
            MentorPair.objects.filter(programme=programme, scheme=scheme, status=MentorPair.Status.PROPOSED)
            .with_details()
            .order_by("-match_score")
        )
        create_form = forms.PairCreateForm(initial={"programme": programme, "scheme": scheme}, auto_id="id_create_%s")
    return render(
        request,
        "reflection_groups/pair_match.html",
        {
            "form": form,
            "proposed": proposed,
            "unmatched": unmatched,
            "skipped": skipped,
            "programme": programme,
            "scheme": scheme,
            "create_form": create_form,
        },
    )


@login_required
@require_POST
def pair_create(request):
    require_hr(request.user)
    form = forms.PairCreateForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.pair_create(
                programme=d["programme"], scheme=d["scheme"], mentor=d["mentor"], mentee=d["mentee"], by=request.user
            )
        except ValidationError as exc:
            error_messages(request, exc)
        else:
            messages.success(request, _("Pair proposed."))
        return redirect(_match_url(d["programme"].pk, d["scheme"]))
    messages.error(request, _("Choose a programme, a scheme, a mentor and a mentee."))
    return redirect("reflection_groups:pair_match")


@login_required
@require_POST
def pairs_publish(request):
    require_hr(request.user)
    form = forms.MatchForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a programme and a scheme."))
        return redirect("reflection_groups:pair_match")
    programme, scheme = form.cleaned_data["programme"], form.cleaned_data["scheme"]
    n = services.pairs_publish(programme=programme, scheme=scheme, by=request.user)
    messages.success(request, _("Published %(n)s pairs.") % {"n": n})
    return redirect(_match_url(programme.pk, scheme))


@login_required
@require_http_methods(["GET", "POST"])
def mentor_profile(request):
    leader = require_leader(request.user)
    profile = MentorProfile.objects.filter(leader=leader).first()
    initial = {"capacity": profile.capacity, "themes": profile.themes, "active": profile.active} if profile else None
    form = forms.MentorProfileForm(request.POST or None, initial=initial or {"capacity": 1, "active": True})
    if request.method == "POST" and form.is_valid():
        try:
            services.mentor_profile_save(leader=leader, **form.cleaned_data)
        except ValidationError as exc:
            for msg in exc.messages:
                form.add_error(None, msg)
        else:
            messages.success(request, _("Your mentor profile is saved."))
            return redirect("dashboard")
    return render(request, "reflection_groups/mentor_profile.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def mentee_wish(request):
    leader = require_leader(request.user)
    form = forms.MenteeWishForm(
        request.POST or None, initial={"scheme": "partner" if leader.is_new_top_leader else "duo"}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.mentee_wish_save(leader=leader, **form.cleaned_data)
        except ValidationError as exc:
            for msg in exc.messages:
                form.add_error(None, msg)
        else:
            messages.success(request, _("Your wishes are saved. HR will match you with a mentor."))
            return redirect("dashboard")
    return render(request, "reflection_groups/mentee_wish.html", {"form": form}, status=400 if form.errors else 200)
