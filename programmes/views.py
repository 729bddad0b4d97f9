"""Web pages for programmes, sessions, enrolment, registration, measures and commitments.

Thin function views: one access helper per object kind decides what the user may see
(another person's object is a 404, a missing role a 403), a form validates, a service in
programmes/services.py changes state, then a message and a redirect. Reads are the named
queries in programmes/selectors.py plus small page-specific querysets here.
"""

import os

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_form
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from programmes import calendar as ical
from programmes import exports, selectors, services
from programmes.forms import (
    AttendanceForm,
    CommitmentForm,
    CommitmentStatusForm,
    ContributorForm,
    EnrolGroupForm,
    EnrolLeaderForm,
    EnrolmentFilterForm,
    EnrolOrganisationsForm,
    FavourNewcomersForm,
    LeaderImportForm,
    LeaderSearchForm,
    MaterialForm,
    MeasureForm,
    ProgrammeFilterForm,
    ProgrammeForm,
    SessionForm,
    WaitlistMoveForm,
)
from programmes.models import (
    Commitment,
    Contributor,
    Material,
    Measure,
    Programme,
    ProgrammeEnrolment,
    Registration,
    Session,
)
from toppleder.caching import cached as cached_html
from toppleder.caching import per_csrf_secret
from toppleder.models import Leader
from toppleder.permissions import is_hr, leader_of, require_hr

PER_PAGE = 25


# --- access helpers -------------------------------------------------------------------


def _leader_programmes(leader):
    """Programmes a leader may see: enrolled (not withdrawn) and no longer a draft."""
    return Programme.objects.filter(
        Exists(ProgrammeEnrolment.objects.active().filter(programme=OuterRef("pk"), leader=leader))
    ).exclude(status=Programme.Status.DRAFT)


def get_programme_for_user(user, pk) -> Programme:
    if is_hr(user):
        return get_object_or_404(Programme, pk=pk)
    leader = leader_of(user)
    if leader is None:
        raise Http404
    return get_object_or_404(_leader_programmes(leader), pk=pk)


def get_programme_for_hr(user, pk) -> Programme:
    require_hr(user)
    return get_object_or_404(Programme, pk=pk)


def _visible_sessions(user):
    if is_hr(user):
        return Session.objects.all()
    leader = leader_of(user)
    if leader is None:
        return Session.objects.none()
    return (
        Session.objects.filter(programme__in=_leader_programmes(leader))
        .exclude(status=Session.Status.DRAFT)
        .filter(selectors._visible_to(leader))
    )


def get_session_for_user(user, pk) -> Session:
    """A session the user may see: HR any; a leader only published/past sessions of their programmes."""
    return get_object_or_404(_visible_sessions(user).select_related("programme"), pk=pk)


def get_session_for_hr(user, pk) -> Session:
    require_hr(user)
    return get_object_or_404(Session.objects.select_related("programme"), pk=pk)


def get_commitment_for_user(user, pk) -> Commitment:
    if is_hr(user):
        return get_object_or_404(Commitment, pk=pk)
    leader = leader_of(user)
    if leader is None:
        raise Http404
    return get_object_or_404(Commitment.objects.filter(parties=leader), pk=pk)


def _page(request, queryset):
    return Paginator(queryset, PER_PAGE).get_page(request.GET.get("page"))


def _narrow_page(request, qs):
    """A page of `qs` where the database sorts only the columns it orders and filters by, then
    joins the wide related rows for the page's 25 rows alone (a subquery: still one query).
    Sorting 5,000 enrolments with every joined column was most of the enrolment list's time."""
    page = _page(request, qs.values_list("pk", flat=True))
    page.object_list = qs.filter(pk__in=page.object_list)
    return page


def _query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _error_text(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


def _form_error(form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form (per field when it says which)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- programmes -------------------------------------------------------------------------


@login_required
@require_GET
def programme_list(request):
    hr = is_hr(request.user)
    filters = ProgrammeFilterForm(request.GET or None)
    qs = selectors.programmes_for_user(request.user)
    if hr:
        if filters.is_valid():
            if q := filters.cleaned_data["q"].strip():
                qs = qs.filter(Q(name__icontains=q) | Q(period__icontains=q) | Q(description__icontains=q))
            if status := filters.cleaned_data["status"]:
                qs = qs.filter(status=status)
    else:
        qs = qs.exclude(status=Programme.Status.DRAFT)
    qs = qs.order_by("-created_at", "pk")
    return render(
        request,
        "programmes/programme_list.html",
        {"page": _page(request, qs), "filters": filters, "is_hr_view": hr, "query": _query_without_page(request)},
    )


@login_required
@require_GET
def programme_detail(request, pk):
    programme = get_programme_for_user(request.user, pk)
    hr = is_hr(request.user)
    context = {"programme": programme, "is_hr_view": hr}
    if hr:
        order = list(Programme.Status.values)
        context["next_statuses"] = [s for s in Programme.Status if order.index(s) > order.index(programme.status)]
        # The sessions table and the enrolment figures are the same for everyone in HR: their
        # HTML comes from the cache until a table they were read from changes.
        key = f"programmes:overview-body:{programme.pk}:{get_language()}:{request.GET.urlencode()}"
        context["hr_body"] = cached_html(
            key,
            lambda: render_to_string(
                "programmes/_programme_body.html", _programme_body(request, programme, context), request=request
            ),
        )
        return render(request, "programmes/programme_detail.html", context)
    leader = leader_of(request.user)
    sessions = selectors.sessions_fill_rates(programme)
    sessions = sessions.exclude(status=Session.Status.DRAFT).filter(selectors._visible_to(leader))
    page = _sessions_page(request, sessions)
    sessions = list(page.object_list)
    mine = {
        r.session_id: r
        for r in Registration.objects.filter(leader=leader, session__in=[s.pk for s in sessions]).exclude(
            status=Registration.Status.CANCELLED
        )
    }
    for s in sessions:
        s.my_registration = mine.get(s.pk)
    context.update(sessions=sessions, page=page, query=_query_without_page(request))
    return render(request, "programmes/programme_detail.html", context)


def _programme_body(request, programme, context) -> dict:
    """HR's sessions table (a page of it) and enrolment figures for the programme page."""
    # A page of sessions (a programme has hundreds); without ?page= the one with the next session.
    page = _sessions_page(request, selectors.sessions_fill_rates(programme))
    return {
        **context,
        "sessions": list(page.object_list),
        "page": page,
        "query": _query_without_page(request),
        "summary": selectors.enrolment_summary(programme),
    }


def _sessions_page(request, sessions):
    """Paginate the sessions; counts them and finds the next one's page in one query."""
    from django.db.models import Count

    figures = sessions.order_by().aggregate(total=Count("pk"), past=Count("pk", filter=Q(starts_at__lt=timezone.now())))
    paginator = Paginator(sessions, PER_PAGE)
    paginator.__dict__["count"] = figures["total"]  # already counted: no second COUNT query
    number = request.GET.get("page") or (min(figures["past"], max(figures["total"] - 1, 0)) // PER_PAGE + 1)
    return paginator.get_page(number)


@login_required
@require_http_methods(["GET", "POST"])
def programme_create(request):
    require_hr(request.user)
    form = ProgrammeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            programme = services.programme_create(by=request.user, **form.service_kwargs())
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The programme was created."))
            return redirect("programmes:programme_detail", pk=programme.pk)
    return render(request, "programmes/programme_form.html", {"form": form, "programme": None})


@login_required
@require_http_methods(["GET", "POST"])
def programme_edit(request, pk):
    programme = get_programme_for_hr(request.user, pk)
    form = ProgrammeForm(request.POST or None, instance=programme)
    if request.method == "POST" and form.is_valid():
        try:
            services.programme_update(programme=programme, by=request.user, **form.service_kwargs())
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The programme was saved."))
            return redirect("programmes:programme_detail", pk=programme.pk)
    if form.is_bound:
        programme.refresh_from_db()
    return render(request, "programmes/programme_form.html", {"form": form, "programme": programme})


@login_required
@require_POST
def programme_status(request, pk):
    programme = get_programme_for_hr(request.user, pk)
    status = request.POST.get("status", "")
    if status not in Programme.Status.values:
        messages.error(request, _("Unknown status."))
    else:
        try:
            services.programme_set_status(programme=programme, status=status, by=request.user)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(
                request, _("The programme is now “%(status)s”.") % {"status": Programme.Status(status).label}
            )
    return redirect("programmes:programme_detail", pk=programme.pk)


# --- enrolment --------------------------------------------------------------------------


@login_required
@require_GET
def enrolment_list(request, pk):
    programme = get_programme_for_hr(request.user, pk)
    return _enrolment_page(request, programme)


def _enrolment_page(request, programme, *, group_form=None, org_form=None, status=200):
    filters = EnrolmentFilterForm(request.GET or None)
    qs = (
        ProgrammeEnrolment.objects.filter(programme=programme)
        .select_related("leader__user", "leader__organisation__sector", "via_group")
        .order_by("leader__user__name", "pk")
    )
    if filters.is_valid():
        if q := filters.cleaned_data["q"].strip():
            qs = qs.filter(
                Q(leader__user__name__icontains=q)
                | Q(leader__user__email__icontains=q)
                | Q(leader__organisation__name__icontains=q)
            )
        if st := filters.cleaned_data["status"]:
            qs = qs.filter(status=st)
    search = LeaderSearchForm(request.GET or None)
    found = None
    if search.is_valid() and (term := search.cleaned_data["find"].strip()):
        found = (
            Leader.objects.with_org()
            .filter(
                Q(user__name__icontains=term) | Q(user__email__icontains=term) | Q(organisation__name__icontains=term)
            )
            .annotate(
                already=Exists(ProgrammeEnrolment.objects.active().filter(programme=programme, leader=OuterRef("pk")))
            )
            .order_by("user__name")[:PER_PAGE]
        )

    def body():
        return render_to_string(
            "programmes/_enrolment_body.html",
            _enrolment_context(request, programme, qs, filters, search, found, group_form, org_form),
            request=request,
        )

    if group_form is None and org_form is None:
        # The page as HR first sees it (no form with errors): cached until a table it was read
        # from changes; it holds forms, so per CSRF secret.
        key = f"programmes:enrolment-body:{programme.pk}:{get_language()}:{request.GET.urlencode()}"
        html = cached_html(per_csrf_secret(request, key), body)
    else:
        html = body()
    return render(request, "programmes/enrolment_list.html", {"programme": programme, "body": html}, status=status)


def _rendered_form(name: str, form) -> str:
    """The two enrol forms list every leader group and organisation; rendering those selects
    was half the page. Unbound, their HTML is cached until those tables change."""
    if form.is_bound:
        return as_crispy_form(form)
    key = f"programmes:form-html:{name}:{get_language()}"
    return mark_safe(cached_html(key, lambda: str(as_crispy_form(form)), timeout=600))  # noqa: S308 (our own form)


def _enrolment_context(request, programme, qs, filters, search, found, group_form, org_form) -> dict:
    context = {
        "programme": programme,
        "page": _narrow_page(request, qs),
        "filters": filters,
        "search": search,
        "found": found,
        "group_form": group_form or EnrolGroupForm(),
        "org_form": org_form or EnrolOrganisationsForm(),
        "query": _query_without_page(request),
    }
    # Rendering the two long selects was half the page: cached while the choices are unchanged.
    context["group_form_html"] = _rendered_form("enrol-group", context["group_form"])
    context["org_form_html"] = _rendered_form("enrol-orgs", context["org_form"])
    return context


@login_required
@require_POST
def enrolment_add(request, pk):
    programme = get_programme_for_hr(request.user, pk)
    form = EnrolLeaderForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a leader to enrol."))
        return redirect("programmes:enrolment_list", pk=programme.pk)
    leader = form.cleaned_data["leader"]
    try:
        services.enrolment_add(programme=programme, leaders=[leader], by=request.user, via_group=None)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("%(name)s is enrolled.") % {"name": leader.name})
    return redirect("programmes:enrolment_list", pk=programme.pk)


@login_required
@require_POST
def enrolment_add_group(request, pk):
    programme = get_programme_for_hr(request.user, pk)
    form = EnrolGroupForm(request.POST)
    if form.is_valid():
        try:
            result = services.enrolment_add_groups(
                programme=programme, groups=[form.cleaned_data["group"]], by=request.user
            )
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _enrolled_message(result, form.cleaned_data["group"].name))
            return redirect("programmes:enrolment_list", pk=programme.pk)
    return _enrolment_page(request, programme, group_form=form, status=400)


@login_required
@require_POST
def enrolment_add_organisations(request, pk):
    programme = get_programme_for_hr(request.user, pk)
    form = EnrolOrganisationsForm(request.POST)
    if form.is_valid():
        orgs = list(form.cleaned_data["organisations"])
        try:
            result = services.enrolment_add_organisations(programme=programme, organisations=orgs, by=request.user)
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _enrolled_message(result, ", ".join(o.name for o in orgs)))
            return redirect("programmes:enrolment_list", pk=programme.pk)
    return _enrolment_page(request, programme, org_form=form, status=400)


def _enrolled_message(result, what: str) -> str:
    try:
        count = len(result)
    except TypeError:
        count = result if isinstance(result, int) else None
    if count is None:
        return _("Enrolled: %(what)s.") % {"what": what}
    return _("Enrolled %(count)s leaders from %(what)s.") % {"count": count, "what": what}


@login_required
@require_POST
def enrolment_withdraw(request, pk, enrolment_pk):
    programme = get_programme_for_hr(request.user, pk)
    enrolment = get_object_or_404(
        ProgrammeEnrolment.objects.select_related("leader__user"), pk=enrolment_pk, programme=programme
    )
    try:
        services.enrolment_withdraw(enrolment=enrolment, by=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("%(name)s is withdrawn from the programme.") % {"name": enrolment.leader.name})
    return redirect("programmes:enrolment_list", pk=programme.pk)


@login_required
@require_http_methods(["GET", "POST"])
def leaders_import(request, pk):
    programme = get_programme_for_hr(request.user, pk)
    form = LeaderImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        dry_run = "check" in request.POST
        try:
            result = services.leaders_import_csv(
                file=form.cleaned_data["file"], by=request.user, programme=programme, dry_run=dry_run
            )
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            if not result.errors and not dry_run:
                messages.success(
                    request,
                    _("Import finished: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.")
                    % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
                )
                return redirect("programmes:enrolment_list", pk=programme.pk)
    return render(
        request,
        "programmes/leaders_import.html",
        {"programme": programme, "form": form, "result": result},
        status=400 if (result is not None and result.errors) or form.errors else 200,
    )


@login_required
@require_GET
def export(request, pk, what, fmt):
    programme = get_programme_for_hr(request.user, pk)
    func = getattr(exports, f"{what}_{fmt}", None)
    if func is None:
        raise Http404
    data = func(programme)
    if isinstance(data, HttpResponse):
        return data
    content_type = (
        "text/csv; charset=utf-8"
        if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="programme-{programme.pk}-{what}.{fmt}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- sessions ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def session_create(request, pk):
    programme = get_programme_for_hr(request.user, pk)
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_create(programme=programme, by=request.user, **form.service_kwargs())
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The session was created as a draft. Publish it when it is ready."))
            return redirect("programmes:session_edit", pk=session.pk)
    return render(request, "programmes/session_form.html", {"form": form, "programme": programme, "session": None})


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(request, pk):
    session = get_session_for_hr(request.user, pk)
    form = SessionForm(request.POST or None, instance=session)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_update(session=session, by=request.user, **form.service_kwargs())
        except ValidationError as exc:
            _form_error(form, exc)
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


@login_required
@require_POST
def session_action(request, pk, action):
    session = get_session_for_hr(request.user, pk)
    service = {
        "publish": services.session_publish,
        "cancel": services.session_cancel,
        "complete": services.session_complete,
    }[action]
    done = {
        "publish": _("The session is published and the leaders are invited."),
        "cancel": _("The session is cancelled and the registered leaders are told."),
        "complete": _("The session is marked as completed."),
    }[action]
    try:
        service(session=session, by=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, done)
    return redirect("programmes:session_detail", pk=session.pk)


@login_required
@require_POST
def contributor_add(request, pk):
    session = get_session_for_hr(request.user, pk)
    form = ContributorForm(request.POST, prefix="contributor")
    if form.is_valid():
        try:
            services.contributor_add(session=session, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The contributor was added."))
            return redirect("programmes:session_edit", pk=session.pk)
    return _session_edit_page(request, session, contributor_form=form, status=400)


@login_required
@require_POST
def contributor_remove(request, pk, contributor_pk):
    session = get_session_for_hr(request.user, pk)
    contributor = get_object_or_404(Contributor, pk=contributor_pk, session=session)
    services.contributor_remove(contributor=contributor, by=request.user)
    messages.success(request, _("The contributor was removed."))
    return redirect("programmes:session_edit", pk=session.pk)


@login_required
@require_POST
def material_add(request, pk):
    session = get_session_for_hr(request.user, pk)
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
            _form_error(form, exc)
        else:
            messages.success(request, _("The material was added."))
            return redirect("programmes:session_edit", pk=session.pk)
    return _session_edit_page(request, session, material_form=form, status=400)


@login_required
@require_POST
def material_remove(request, pk, material_pk):
    session = get_session_for_hr(request.user, pk)
    material = get_object_or_404(Material, pk=material_pk, session=session)
    services.material_remove(material=material, by=request.user)
    messages.success(request, _("The material was removed."))
    return redirect("programmes:session_edit", pk=session.pk)


@login_required
@require_GET
def material_download(request, pk, material_pk):
    """Uploaded material, only to those who may see the session, always as a download."""
    session = get_session_for_user(request.user, pk)
    material = get_object_or_404(Material, pk=material_pk, session=session)
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


@login_required
@require_GET
def session_detail(request, pk):
    # The access check (404 for a session the user may not see) and the page's read in one query.
    session = selectors.session_detail(pk, queryset=_visible_sessions(request.user))
    return _session_page(request, session, loaded=True)


def _session_page(request, session, *, status=200, loaded=False, **forms):
    hr = is_hr(request.user)
    leader = leader_of(request.user)
    if not loaded:
        session = selectors.session_detail(session.pk)
    context = {"session": session, "programme": session.programme, "is_hr_view": hr, "now": timezone.now()}
    if leader is not None and (not hr or _is_enrolled(leader, session.programme)):
        context["show_my_registration"] = True
        mine = Registration.objects.filter(session=session, leader=leader).first()
        context["my_registration"] = mine if mine and mine.status != Registration.Status.CANCELLED else None
        if mine and mine.status == Registration.Status.WAITLISTED:
            context["my_position"] = Registration.objects.filter(
                session=session,
                status=Registration.Status.WAITLISTED,
                waitlist_position__lte=mine.waitlist_position,
            ).count()
    if hr:
        registrations = list(
            session.registrations.filter(status=Registration.Status.CONFIRMED)
            .select_related("leader__user", "leader__organisation")
            .order_by("leader__user__name", "pk")
        )
        context["registrations"] = registrations
        context["waitlist"] = list(selectors.waitlist(session))
        context["attendance_form"] = forms.get("attendance_form") or AttendanceForm(registrations=registrations)
        context["move_form"] = forms.get("move_form") or WaitlistMoveForm()
        context["move_error_for"] = forms.get("move_error_for")
        context["favour_form"] = forms.get("favour_form") or FavourNewcomersForm(prefix="favour")
        context["commitment_form"] = forms.get("commitment_form") or CommitmentForm(session=session)
        context["commitments"] = session.commitments.prefetch_related(
            Prefetch("parties", queryset=Leader.objects.select_related("user"))
        ).all()
    return render(request, "programmes/session_detail.html", context, status=status)


def _is_enrolled(leader, programme) -> bool:
    return ProgrammeEnrolment.objects.active().filter(leader=leader, programme=programme).exists()


def _back(request, session):
    """Back to where the button was (the dashboard or the programme page), else the session."""
    nxt = request.POST.get("next", "")
    if nxt in (reverse("dashboard"), reverse("programmes:programme_detail", args=[session.programme_id])):
        return redirect(nxt)
    return redirect("programmes:session_detail", pk=session.pk)


@login_required
@require_POST
def registration_create(request, pk):
    session = get_session_for_user(request.user, pk)
    leader = leader_of(request.user)
    if leader is None:
        raise PermissionDenied
    try:
        registration = services.registration_create(session=session, leader=leader, by=request.user)
    except services.RegistrationBusy:
        messages.warning(request, _("Many people are signing up right now, please try again."))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
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
@require_POST
def registration_cancel(request, pk):
    session = get_session_for_user(request.user, pk)
    leader = leader_of(request.user)
    if leader is None:
        raise PermissionDenied
    registration = get_object_or_404(
        Registration.objects.exclude(status=Registration.Status.CANCELLED), session=session, leader=leader
    )
    was_waiting = registration.status == Registration.Status.WAITLISTED
    try:
        services.registration_cancel(registration=registration, by=request.user)
    except services.RegistrationBusy:
        messages.warning(request, _("Many people are signing up right now, please try again."))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        if was_waiting:
            messages.success(request, _("You have left the waiting list for “%(title)s”.") % {"title": session.title})
        else:
            messages.success(request, _("Your registration for “%(title)s” is cancelled.") % {"title": session.title})
    return _back(request, session)


@login_required
@require_POST
def waitlist_move(request, pk, registration_pk):
    session = get_session_for_hr(request.user, pk)
    registration = get_object_or_404(
        Registration, pk=registration_pk, session=session, status=Registration.Status.WAITLISTED
    )
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
            _form_error(form, exc)
        else:
            messages.success(request, _("The waiting list was changed."))
            return redirect("programmes:session_detail", pk=session.pk)
    return _session_page(request, session, move_form=form, move_error_for=registration.pk, status=400)


@login_required
@require_POST
def waitlist_favour_newcomers(request, pk):
    session = get_session_for_hr(request.user, pk)
    form = FavourNewcomersForm(request.POST, prefix="favour")
    if form.is_valid():
        try:
            services.waitlist_favour_newcomers(session=session, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Leaders who have not attended this kind of session now go first."))
            return redirect("programmes:session_detail", pk=session.pk)
    return _session_page(request, session, favour_form=form, status=400)


@login_required
@require_POST
def attendance_record(request, pk):
    session = get_session_for_hr(request.user, pk)
    registrations = (
        session.registrations.filter(status=Registration.Status.CONFIRMED)
        .select_related("leader__user", "leader__organisation")
        .order_by("leader__user__name", "pk")
    )
    form = AttendanceForm(request.POST, registrations=registrations)
    if form.is_valid():
        try:
            services.attendance_record(session=session, marks=form.marks(), by=request.user)
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Attendance is saved."))
            return redirect("programmes:session_detail", pk=session.pk)
    return _session_page(request, session, attendance_form=form, status=400)


@login_required
@require_POST
def commitment_create(request, pk):
    session = get_session_for_hr(request.user, pk)
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
            _form_error(form, exc)
        else:
            messages.success(request, _("The commitment was recorded."))
            return redirect("programmes:session_detail", pk=session.pk)
    return _session_page(request, session, commitment_form=form, status=400)


@login_required
@require_POST
def commitment_status(request, pk):
    commitment = get_commitment_for_user(request.user, pk)
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
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("The commitment's status was updated."))
    if is_hr(request.user) and commitment.session_id and request.POST.get("next") != reverse("dashboard"):
        return redirect("programmes:session_detail", pk=commitment.session_id)
    return redirect("dashboard")


# --- calendar -----------------------------------------------------------------------------


def _ics_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def session_calendar(request, pk):
    session = get_session_for_user(request.user, pk)
    return _ics_response(ical.session_ics(session), f"session-{session.pk}.ics")


@require_safe
def calendar_feed(request, token):
    """A leader's personal feed: no login (calendar apps cannot sign in); the token is the secret."""
    leader = get_object_or_404(Leader.objects.select_related("user"), calendar_token=token)
    response = HttpResponse(ical.leader_feed_ics(leader), content_type="text/calendar; charset=utf-8")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=900"
    return response


@login_required
@require_GET
def calendar_page(request):
    leader = leader_of(request.user)
    if leader is None:
        raise PermissionDenied
    feed_url = request.build_absolute_uri(reverse("programmes:calendar_feed", args=[leader.calendar_token]))
    return render(request, "programmes/calendar.html", {"leader": leader, "feed_url": feed_url})


@login_required
@require_POST
def calendar_reset(request):
    leader = leader_of(request.user)
    if leader is None:
        raise PermissionDenied
    services.calendar_token_reset(leader=leader)
    messages.success(
        request, _("Your calendar address is new. The old address no longer works; add the new one to your calendar.")
    )
    return redirect("programmes:calendar")


# --- measures ------------------------------------------------------------------------------


@login_required
@require_GET
def measure_list(request):
    areas = selectors.measure_areas_with_measures()
    return render(request, "programmes/measure_list.html", {"areas": areas})


@login_required
@require_GET
def measure_area(request, area_key):
    return _measure_area_page(request, area_key)


def _measure_area_page(request, area_key, *, bad_form=None, bad_pk=None, status=200):
    area = selectors.measure_area_detail(area_key)
    measures = list(area.measures.all())
    hr = is_hr(request.user)
    if hr:
        for m in measures:
            m.form = (
                bad_form
                if m.pk == bad_pk
                else MeasureForm(initial={"status": m.status, "owner": m.owner}, prefix=f"m{m.pk}")
            )
    return render(
        request,
        "programmes/measure_area.html",
        {"area": area, "measures": measures, "is_hr_view": hr},
        status=status,
    )


@login_required
@require_POST
def measure_update(request, area_key, pk):
    require_hr(request.user)
    measure = get_object_or_404(Measure, pk=pk, area__key=area_key)
    form = MeasureForm(request.POST, prefix=f"m{measure.pk}")
    if form.is_valid():
        try:
            services.measure_update(
                measure=measure, status=form.cleaned_data["status"], owner=form.cleaned_data["owner"], by=request.user
            )
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The measure was saved."))
            return redirect("programmes:measure_area", area_key=area_key)
    return _measure_area_page(request, area_key, bad_form=form, bad_pk=measure.pk, status=400)
