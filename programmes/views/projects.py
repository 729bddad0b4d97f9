"""Collaboration projects: the list (HR: all; a leader: their own), HR records one in a
programme, and the project's page where its leaders or HR keep status and outcome up to date."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from programmes import selectors, services
from programmes.forms import ProjectForm
from toppleder.pages import form_error, paginate
from toppleder.permissions import is_hr, leader_of


@login_required
@require_GET
def project_list(request):
    if not (is_hr(request.user) or leader_of(request.user)):
        raise PermissionDenied
    page = paginate(request, selectors.projects_listed(selectors.projects_visible_to(request.user)))
    return render(request, "programmes/project_list.html", {"page": page, "projects": page.object_list})


@login_required
@require_http_methods(["GET", "POST"])
def project_create(request, pk):
    programme = selectors.programme_for(request.user, pk, manage=True)
    form = ProjectForm(request.POST or None, programme=programme)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(programme=programme, by=request.user, **form.service_kwargs())
        except ValidationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The collaboration project was recorded."))
            return redirect("programmes:project_detail", pk=project.pk)
    return render(
        request,
        "programmes/project_form.html",
        {"programme": programme, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_detail(request, pk):
    project = selectors.project_for(request.user, pk)
    form = ProjectForm(request.POST or None, instance=project, programme=project.programme)
    if request.method == "POST" and form.is_valid():
        try:
            services.project_update(project=project, by=request.user, **form.service_kwargs())
        except ValidationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The collaboration project was saved."))
            return redirect("programmes:project_detail", pk=project.pk)
    if form.is_bound:
        project.refresh_from_db()
    (listed,) = selectors.projects_listed(type(project).objects.filter(pk=project.pk))
    return render(
        request,
        "programmes/project_detail.html",
        {
            "project": listed,
            "programme": project.programme,
            "form": form,
            "leaders": project.leaders.with_org().order_by("user__name"),
            "sessions": project.sessions.order_by("starts_at"),
            "commitments": project.commitments.order_by("pk"),
        },
        status=400 if form.errors else 200,
    )
