"""The four measure areas and their measures; HR sets a measure's status and owner."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from programmes import selectors, services
from programmes.forms import MeasureForm
from toppleder.pages import form_error
from toppleder.permissions import is_hr


@login_required
@require_GET
def measure_list(request):
    """The four areas and their measures, each with the sessions, actions and factors linked to
    it; for HR also the overdue measures and what changed since last month (status and target
    date changes with who, when and why, and the actions made on the measures)."""
    areas = list(selectors.measure_areas_with_measures())
    today = timezone.localdate()
    since = today - timedelta(days=30)
    new_actions = []
    for area in areas:
        for m in area.measures.all():
            actions = list(m.survey_actions.all())
            m.factor_labels = sorted({a.factor_label for a in actions})
            new_actions += [a for a in actions if timezone.localdate(a.created_at) >= since]
    context = {"areas": areas}
    if is_hr(request.user):
        context["overdue"] = selectors.measures_overdue(today)
        context["changes"] = selectors.measure_changes_since(since)
        context["new_actions"] = sorted(new_actions, key=lambda a: (a.created_at, a.pk), reverse=True)
        context["since"] = since
    return render(request, "programmes/measure_list.html", context)


@login_required
@require_GET
def measure_area(request, area_key):
    return _measure_area_page(request, area_key)


def _measure_area_page(request, area_key, *, bad_form=None, bad_pk=None, status=200):
    area = selectors.measure_area_detail(area_key)
    measures = list(area.measures.all())
    for m in measures:
        m.factor_labels = sorted({a.factor_label for a in m.survey_actions.all()})
    hr = is_hr(request.user)
    if hr:
        for m in measures:
            m.form = (
                bad_form
                if m.pk == bad_pk
                else MeasureForm(
                    initial={"status": m.status, "owner": m.owner, "target_date": m.target_date}, prefix=f"m{m.pk}"
                )
            )
    return render(
        request, "programmes/measure_area.html", {"area": area, "measures": measures, "is_hr_view": hr}, status=status
    )


@login_required
@require_POST
def measure_update(request, area_key, pk):
    measure = selectors.measure_for(request.user, area_key, pk)
    form = MeasureForm(request.POST, prefix=f"m{measure.pk}")
    if form.is_valid():
        try:
            services.measure_update(
                measure=measure,
                status=form.cleaned_data["status"],
                owner=form.cleaned_data["owner"],
                target_date=form.cleaned_data["target_date"],
                comment=form.cleaned_data["comment"],
                by=request.user,
            )
        except ValidationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The measure was saved."))
            return redirect("programmes:measure_area", area_key=area_key)
    return _measure_area_page(request, area_key, bad_form=form, bad_pk=measure.pk, status=400)
