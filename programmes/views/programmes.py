"""Programme pages: the list, a programme (HR's overview, a leader's sessions), create, edit, status."""

import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from programmes import selectors, services
from programmes.forms import ProgrammeFilterForm, ProgrammeForm
from programmes.models import Programme, Registration, Session
from toppleder import confirmation
from toppleder.caching import cached
from toppleder.pages import PER_PAGE, error_text, filters, form_error, paginate, query_without_page
from toppleder.permissions import is_hr, leader_of, require_hr


def query_key(request) -> str:
    """The query string, hashed: a cache key stays short whatever the address holds."""
    return hashlib.sha256(request.GET.urlencode().encode()).hexdigest()[:16]


@login_required
@require_GET
def programme_list(request):
    hr = is_hr(request.user)
    form = ProgrammeFilterForm(request.GET or None)
    wanted = filters(form)
    qs = selectors.programmes_for_user(request.user)
    if hr:
        if q := wanted.get("q", "").strip():
            qs = qs.filter(Q(name__icontains=q) | Q(period__icontains=q) | Q(description__icontains=q))
        if status := wanted.get("status"):
            qs = qs.filter(status=status)
    qs = qs.order_by("-created_at", "pk")
    return render(
        request,
        "programmes/programme_list.html",
        {"page": paginate(request, qs), "filters": form, "is_hr_view": hr, "query": query_without_page(request)},
    )


def sessions_page(request, sessions):
    """A page of a programme's sessions; without ?page=, the page with the next session.
    Counts them and finds that page in one query."""
    figures = sessions.order_by().aggregate(total=Count("pk"), past=Count("pk", filter=Q(starts_at__lt=timezone.now())))
    default = min(figures["past"], max(figures["total"] - 1, 0)) // PER_PAGE + 1
    return paginate(request, sessions, count=figures["total"], default=default)


@login_required
@require_GET
def programme_detail(request, pk):
    programme = selectors.programme_for(request.user, pk)
    hr = is_hr(request.user)
    context = {"programme": programme, "is_hr_view": hr}
    if hr:
        order = list(Programme.Status.values)
        context["next_statuses"] = [s for s in Programme.Status if order.index(s) > order.index(programme.status)]

        def body():
            page = sessions_page(request, selectors.sessions_fill_rates(programme))
            return render_to_string(
                "programmes/_programme_body.html",
                {
                    **context,
                    "sessions": list(page.object_list),
                    "page": page,
                    "query": query_without_page(request),
                    "summary": selectors.enrolment_summary(programme),
                },
                request=request,
            )

        # The sessions table and the enrolment figures are the same for everyone in HR.
        key = f"programmes:overview-body:{programme.pk}:{get_language()}:{query_key(request)}"
        context["hr_body"] = cached(key, body)
        return render(request, "programmes/programme_detail.html", context)
    leader = leader_of(request.user)
    sessions = selectors.sessions_fill_rates(programme)
    sessions = sessions.exclude(status=Session.Status.DRAFT).filter(selectors.open_to(leader))
    page = sessions_page(request, sessions)
    sessions = list(page.object_list)
    mine = {
        r.session_id: r
        for r in Registration.objects.filter(leader=leader, session__in=[s.pk for s in sessions]).exclude(
            status=Registration.Status.CANCELLED
        )
    }
    for s in sessions:
        s.my_registration = mine.get(s.pk)
    context.update(sessions=sessions, page=page, query=query_without_page(request))
    return render(request, "programmes/programme_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def programme_create(request):
    require_hr(request.user)
    form = ProgrammeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            programme = services.programme_create(by=request.user, **form.service_kwargs())
        except ValidationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The programme was created."))
            return redirect("programmes:programme_detail", pk=programme.pk)
    return render(request, "programmes/programme_form.html", {"form": form, "programme": None})


@login_required
@require_http_methods(["GET", "POST"])
def programme_edit(request, pk):
    programme = selectors.programme_for(request.user, pk, manage=True)
    form = ProgrammeForm(request.POST or None, instance=programme)
    if request.method == "POST" and form.is_valid():
        try:
            services.programme_update(programme=programme, by=request.user, **form.service_kwargs())
        except ValidationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The programme was saved."))
            return redirect("programmes:programme_detail", pk=programme.pk)
    if form.is_bound:
        programme.refresh_from_db()
    return render(request, "programmes/programme_form.html", {"form": form, "programme": programme})


@login_required
@require_http_methods(["GET", "POST"])
def programme_status(request, pk):
    """Move the programme forward (never back): a GET says what that means, the POST does it."""
    programme = selectors.programme_for(request.user, pk, manage=True)
    status = request.POST.get("status") or request.GET.get("status", "")
    if status not in Programme.Status.values:
        messages.error(request, _("Unknown status."))
        return redirect("programmes:programme_detail", pk=programme.pk)
    facts = (programme.status, programme.updated_at.isoformat(), status)
    if request.method == "POST":
        if not confirmation.is_current(request.POST.get("confirmation"), "programme_status", programme, facts):
            messages.error(
                request, _("The programme changed after you opened this page, or the page is too old. Confirm again.")
            )
            return redirect(f"{reverse('programmes:programme_status', args=[programme.pk])}?status={status}")
        try:
            services.programme_set_status(programme=programme, status=status, by=request.user)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(
                request, _("The programme is now “%(status)s”.") % {"status": Programme.Status(status).label}
            )
        return redirect("programmes:programme_detail", pk=programme.pk)
    label = Programme.Status(status).label
    enrolled = programme.enrolments.active().count()
    upcoming = programme.sessions.filter(status=Session.Status.PUBLISHED, starts_at__gt=timezone.now()).count()
    lines = [_("The status cannot be changed back afterwards.")]
    if status == Programme.Status.CLOSED:
        lines += [
            ngettext(
                "%(n)s leader is enrolled; they keep their record and reports.",
                "%(n)s leaders are enrolled; they keep their record and reports.",
                enrolled,
            )
            % {"n": enrolled},
            ngettext(
                "%(n)s published session has not taken place yet; it is not cancelled. Cancel it first if it will not be held.",
                "%(n)s published sessions have not taken place yet; they are not cancelled. Cancel them first if they will not be held.",
                upcoming,
            )
            % {"n": upcoming},
        ]
    return render(
        request,
        "confirm.html",
        {
            "heading": _("Set the status of %(name)s to “%(status)s”?") % {"name": programme, "status": label},
            "facts": lines,
            "back_url": reverse("programmes:programme_detail", args=[programme.pk]),
            "back_label": _("Back to %(name)s") % {"name": programme.name},
            "action": reverse("programmes:programme_status", args=[programme.pk]),
            "confirmation": confirmation.token("programme_status", programme, facts),
            "hidden": [("status", status)],
            "button": _("Yes, set the status to “%(status)s”") % {"status": label},
        },
    )
