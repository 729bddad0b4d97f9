"""HR's enrolment pages: the list, enrolling leaders, groups and organisations, the CSV
import, withdrawing, and the spreadsheet exports."""

import secrets

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_form
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Exists, F, OuterRef, Q
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from programmes import exports, selectors, services
from programmes.forms import (
    EnrolGroupForm,
    EnrolLeaderForm,
    EnrolmentFilterForm,
    EnrolOrganisationsForm,
    LeaderImportConfirmForm,
    LeaderImportForm,
    LeaderSearchForm,
)
from programmes.models import ProgrammeEnrolment, Registration
from toppleder import confirmation, dates
from toppleder.models import Leader
from toppleder.pages import (
    PER_PAGE,
    error_text,
    filters,
    form_error,
    paginate_narrow,
    query_without_page,
    url_per_row,
)
from toppleder.permissions import require_hr
from toppleder.spreadsheets import sheet_response


@login_required
@require_GET
def enrolment_list(request, pk):
    programme = selectors.programme_for(request.user, pk, manage=True)
    return _enrolment_page(request, programme)


def _enrolment_page(request, programme, *, group_form=None, org_form=None, status=200):
    filter_form = EnrolmentFilterForm(request.GET or None)
    wanted = filters(filter_form)
    qs = ProgrammeEnrolment.objects.filter(programme=programme).order_by("leader__user__name", "pk")
    if q := wanted.get("q", "").strip():
        qs = qs.filter(
            Q(leader__user__name__icontains=q)
            | Q(leader__user__email__icontains=q)
            | Q(leader__organisation__name__icontains=q)
        )
    if st := wanted.get("status"):
        qs = qs.filter(status=st)
    search = LeaderSearchForm(request.GET or None)
    found = None
    if term := filters(search).get("find", "").strip():
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

    page = paginate_narrow(request, qs)
    # The page's rows with what the table shows, no model instances; URLs reversed once.
    withdraw_url = url_per_row("programmes:enrolment_withdraw", programme.pk)
    statuses = dict(ProgrammeEnrolment.Status.choices)
    page.object_list = [
        {**row, "name": row["name"] or row["email"], "status_label": statuses.get(row["status"], row["status"])}
        | ({"withdraw_url": withdraw_url(row["pk"])} if row["status"] == ProgrammeEnrolment.Status.ENROLLED else {})
        for row in page.object_list.values(
            "pk",
            "status",
            "leader_id",
            name=F("leader__user__name"),
            email=F("leader__user__email"),
            organisation=F("leader__organisation__name"),
            sector=F("leader__organisation__sector__name"),
            group=F("via_group__name"),
        )
    ]
    context = {
        "programme": programme,
        "page": page,
        "enrol_url": reverse("programmes:enrolment_add", args=[programme.pk]),
        "filters": filter_form,
        "search": search,
        "found": found,
        "group_form": group_form or EnrolGroupForm(),
        "org_form": org_form or EnrolOrganisationsForm(),
        "query": query_without_page(request),
    }
    # The two long selects render their options in Python (toppleder.pages.QuickSelect).
    context["group_form_html"] = as_crispy_form(context["group_form"])
    context["org_form_html"] = as_crispy_form(context["org_form"])
    html = render_to_string("programmes/_enrolment_body.html", context, request=request)
    return render(request, "programmes/enrolment_list.html", {"programme": programme, "body": html}, status=status)


@login_required
@require_POST
def enrolment_add(request, pk):
    programme = selectors.programme_for(request.user, pk, manage=True)
    form = EnrolLeaderForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a leader to enrol."))
        return redirect("programmes:enrolment_list", pk=programme.pk)
    leader = form.cleaned_data["leader"]
    try:
        services.enrolment_add(programme=programme, leaders=[leader], by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("%(name)s is enrolled.") % {"name": leader.name})
    return redirect("programmes:enrolment_list", pk=programme.pk)


@login_required
@require_POST
def enrolment_add_group(request, pk):
    programme = selectors.programme_for(request.user, pk, manage=True)
    form = EnrolGroupForm(request.POST)
    if form.is_valid():
        group = form.cleaned_data["group"]
        try:
            count = services.enrolment_add_groups(programme=programme, groups=[group], by=request.user)
        except ValidationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _enrolled_message(count, group.name))
            return redirect("programmes:enrolment_list", pk=programme.pk)
    return _enrolment_page(request, programme, group_form=form, status=400)


@login_required
@require_POST
def enrolment_add_organisations(request, pk):
    programme = selectors.programme_for(request.user, pk, manage=True)
    form = EnrolOrganisationsForm(request.POST)
    if form.is_valid():
        orgs = list(form.cleaned_data["organisations"])
        try:
            count = services.enrolment_add_organisations(programme=programme, organisations=orgs, by=request.user)
        except ValidationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _enrolled_message(count, ", ".join(o.name for o in orgs)))
            return redirect("programmes:enrolment_list", pk=programme.pk)
    return _enrolment_page(request, programme, org_form=form, status=400)


def _enrolled_message(count: int, what: str) -> str:
    return _("Enrolled %(count)s leaders from %(what)s.") % {"count": count, "what": what}


@login_required
@require_http_methods(["GET", "POST"])
def enrolment_withdraw(request, pk, enrolment_pk):
    """Take a leader out of the programme: a GET says what it cancels, the POST does it."""
    enrolment = selectors.enrolment_for(request.user, pk, enrolment_pk)
    upcoming = list(
        Registration.objects.filter(
            leader_id=enrolment.leader_id,
            session__programme_id=enrolment.programme_id,
            session__starts_at__gt=timezone.now(),
            status__in=[Registration.Status.CONFIRMED, Registration.Status.WAITLISTED],
        )
        .select_related("session")
        .order_by("session__starts_at")
    )
    facts = (enrolment.status, *sorted((r.pk, r.status) for r in upcoming))
    back = reverse("programmes:enrolment_list", args=[enrolment.programme_id])
    if request.method == "POST":
        if not confirmation.is_current(request.POST.get("confirmation"), "enrolment_withdraw", enrolment, facts):
            messages.error(
                request, _("Something changed after you opened this page, or the page is too old. Confirm again.")
            )
            return redirect("programmes:enrolment_withdraw", pk=pk, enrolment_pk=enrolment.pk)
        try:
            services.enrolment_withdraw(enrolment=enrolment, by=request.user)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("%(name)s is withdrawn from the programme.") % {"name": enrolment.leader.name})
        return redirect(back)
    name = enrolment.leader.name
    lines = [
        _("%(name)s is no longer enrolled in %(programme)s and gets no more invitations.")
        % {"name": name, "programme": enrolment.programme.name}
    ]
    for reg in upcoming:
        if reg.status == Registration.Status.CONFIRMED:
            line = _("The seat at «%(session)s» is cancelled, and they are told by e-mail.")
        else:
            line = _("The place on the waiting list for «%(session)s» is cancelled, and they are told by e-mail.")
        lines.append(line % {"session": reg.session.title})
    lines.append(_("You can enrol them again later; cancelled seats are not given back."))
    return render(
        request,
        "confirm.html",
        {
            "heading": _("Withdraw %(name)s from the programme?") % {"name": name},
            "facts": lines,
            "back_url": back,
            "back_label": _("Back to the enrolled leaders"),
            "action": reverse("programmes:enrolment_withdraw", args=[pk, enrolment.pk]),
            "confirmation": confirmation.token("enrolment_withdraw", enrolment, facts),
            "hidden": [],
            "button": _("Yes, withdraw %(name)s") % {"name": name},
        },
    )


# A checked file waits here for "Importer" (so HR need not upload it twice); bound to the
# person and the programme that checked it. Not a page cache: nothing is served from it.
PREVIEW_SECONDS = 60 * 60


def _preview_key(token: str) -> str:
    return f"programmes:import-preview:{token}"


def _preview_store(request, programme, upload, **extra) -> str:
    """Keep a checked file for an hour under a new token, for this user and programme only
    (also the guest import's, programmes/views/guests.py, which keeps its target in `extra`)."""
    token = secrets.token_urlsafe(24)
    upload.seek(0)
    cache.set(
        _preview_key(token),
        {"user": request.user.pk, "programme": programme.pk, "name": upload.name, "raw": upload.read(), **extra},
        PREVIEW_SECONDS,
    )
    return token


def _preview_load(request, programme, token: str) -> dict | None:
    stored = cache.get(_preview_key(token)) if token else None
    if not stored or stored["user"] != request.user.pk or stored["programme"] != programme.pk:
        return None
    return stored


@login_required
@require_http_methods(["GET", "POST"])
def leaders_import(request, pk):
    """Upload → check (a preview of every change, kept under a token) → import, or import at once."""
    programme = selectors.programme_for(request.user, pk, manage=True)
    form = LeaderImportForm(request.POST or None, request.FILES or None)
    confirm_form = None
    result = token = filename = None
    if request.method == "POST" and "token" in request.POST:
        confirm_form = LeaderImportConfirmForm(request.POST)
        stored = _preview_load(request, programme, request.POST.get("token", ""))
        if stored is None:
            messages.error(request, _("The checked file is no longer kept (it is kept for an hour). Upload it again."))
            return redirect("programmes:leaders_import", pk=programme.pk)
        form = LeaderImportForm()
        if confirm_form.is_valid():
            result = services.leaders_import(
                file=stored["raw"], by=request.user, programme=programme, partial=confirm_form.partial()
            )
            if result.ok or (result.partial and result.total):
                cache.delete(_preview_key(request.POST["token"]))
                return _imported(request, programme, result)
        token, filename = request.POST["token"], stored["name"]
    elif request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        dry_run = "check" in request.POST
        result = services.leaders_import(
            file=upload, by=request.user, programme=programme, dry_run=dry_run, partial=form.partial()
        )
        if dry_run:
            token, filename = _preview_store(request, programme, upload), upload.name
            confirm_form = LeaderImportConfirmForm(initial={"token": token, "mode": form.cleaned_data["mode"]})
        elif result.ok or (result.partial and result.total):
            return _imported(request, programme, result)
    return render(
        request,
        "programmes/leaders_import.html",
        {
            "programme": programme,
            "form": form,
            "result": result,
            "token": token,
            "filename": filename,
            "confirm_form": confirm_form,
        },
        status=400 if (result is not None and result.errors and not result.dry_run) or form.errors else 200,
    )


def _imported(request, programme, result):
    text = _("Import finished: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.") % {
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
    }
    if result.errors:
        text += " " + _("%(n)s lines with errors were left out: %(lines)s.") % {
            "n": result.error_lines,
            "lines": ", ".join(str(line) for line in sorted({line for line, _m in result.errors})),
        }
        messages.warning(request, text)
    else:
        messages.success(request, text)
    return redirect("programmes:enrolment_list", pk=programme.pk)


@login_required
@require_GET
def leaders_import_template(request, fmt):
    """An empty import file with the column names and one example row (CSV or Excel)."""
    require_hr(request.user)
    return sheet_response(exports.import_template(), fmt, _("import-leaders-template"))


@login_required
@require_GET
def export(request, pk, what, fmt):
    programme = selectors.programme_for(request.user, pk, manage=True)
    sheet = exports.enrolments(programme) if what == "enrolments" else exports.registrations(programme)
    kind = pgettext("file name", "enrolments") if what == "enrolments" else pgettext("file name", "registrations")
    return sheet_response(sheet, fmt, dates.filename(programme.name, kind, suffix=""))
