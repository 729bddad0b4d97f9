"""Networks by interest: HR opens a theme choice and has the networks proposed from the answers;
a leader chooses their themes while it is open. Thin views: access helper, form, service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from reflection_groups import forms, selectors, services
from reflection_groups.models import ReflectionGroup, ThemeChoice, ThemeWindow
from toppleder.pages import error_text, form_error
from toppleder.permissions import require_hr, require_leader


@login_required
@require_http_methods(["GET", "POST"])
def theme_window_list(request):
    require_hr(request.user)
    form = forms.ThemeWindowForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            window = services.theme_window_open(by=request.user, **form.service_kwargs())
        except ValidationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The theme choice is open for the leaders in its window."))
            return redirect("reflection_groups:theme_window_detail", pk=window.pk)
    windows = ThemeWindow.objects.select_related("programme").order_by("-opens_at", "pk")
    return render(
        request,
        "reflection_groups/theme_window_list.html",
        {"windows": windows, "form": form, "now": timezone.now()},
        status=400 if form.errors else 200,
    )


@login_required
@require_safe
def theme_window_detail(request, pk):
    window = selectors.theme_window_for(request.user, pk, manage=True)
    return render(
        request,
        "reflection_groups/theme_window_detail.html",
        {"window": window, "figures": selectors.theme_window_figures(window), "now": timezone.now()},
    )


@login_required
@require_POST
def networks_compose(request, pk):
    window = selectors.theme_window_for(request.user, pk, manage=True)
    try:
        result = services.networks_compose(window=window, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect("reflection_groups:theme_window_detail", pk=window.pk)
    messages.success(
        request,
        _("Proposed %(n)s networks; %(first)s leaders got their first choice. Check them, then publish.")
        % {"n": len(result.groups), "first": result.proposal.first_choices},
    )
    return redirect("reflection_groups:proposal", programme_pk=window.programme_id, kind=ReflectionGroup.Kind.NETWORK)


@login_required
@require_http_methods(["GET", "POST"])
def theme_choice(request, pk):
    leader = require_leader(request.user)
    window = selectors.theme_window_for(request.user, pk)
    mine = ThemeChoice.objects.filter(window=window, leader=leader).first()
    initial = {"no_preference": bool(mine and mine.no_preference)}
    for n, theme in enumerate(mine.themes if mine else [], start=1):
        initial[f"choice_{n}"] = theme
    form = forms.ThemeChoiceForm(request.POST or None, window=window, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.theme_choice_save(
                window=window,
                leader=leader,
                themes=form.themes(),
                no_preference=form.cleaned_data["no_preference"],
                by=request.user,
            )
        except ValidationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Your theme choice is saved. You can change it until the choice closes."))
            return redirect("dashboard")
    return render(
        request,
        "reflection_groups/theme_choice.html",
        {
            "window": window,
            "form": form,
            "mine": mine,
            "is_open": window.is_open(),
            "is_closed": timezone.now() >= window.closes_at,
        },
        status=400 if form.errors else 200,
    )
