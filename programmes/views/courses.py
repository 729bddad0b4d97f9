"""Leader-group courses: HR's list with each course's progress, making parallel courses from
a template, and one course's page (sessions, attendance per member, commitments per group)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from programmes import selectors, services
from programmes.forms import CoursesCreateForm
from toppleder.pages import form_error
from toppleder.permissions import is_hr, leader_of


@login_required
@require_GET
def course_list(request, pk):
    programme = selectors.programme_for(request.user, pk, manage=True)
    return render(
        request,
        "programmes/course_list.html",
        {"programme": programme, "courses": selectors.course_overview(programme)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def courses_create(request, pk):
    programme = selectors.programme_for(request.user, pk, manage=True)
    form = CoursesCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            courses = services.courses_create(programme=programme, by=request.user, **form.service_kwargs())
        except ValidationError as exc:
            form_error(form, exc)
        else:
            messages.success(
                request,
                ngettext("%(n)d course was made.", "%(n)d courses were made.", len(courses)) % {"n": len(courses)},
            )
            return redirect("programmes:course_list", pk=programme.pk)
    return render(
        request,
        "programmes/courses_form.html",
        {"programme": programme, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def course_detail(request, pk):
    course = selectors.course_for(request.user, pk)
    progress = selectors.course_progress(course)
    # HR and the course's facilitator see every member's attendance; a member sees their own.
    everyone = is_hr(request.user) or course.facilitator_id == request.user.pk
    leader = leader_of(request.user)
    member = leader is not None and any(r["leader"].pk == leader.pk for g in progress["groups"] for r in g["rows"])
    if not everyone:
        for g in progress["groups"]:
            g["rows"] = [r for r in g["rows"] if leader is not None and r["leader"].pk == leader.pk]
    return render(
        request,
        "programmes/course_detail.html",
        {"course": course, "programme": course.programme, "progress": progress, "everyone": everyone, "member": member},
    )
