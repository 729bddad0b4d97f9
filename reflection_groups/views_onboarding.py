"""Onboarding of new top leaders: HR's list of who is behind, one leader's path (the leader's
own or HR's view), ticking a step off and HR naming the contact. Thin views."""

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from reflection_groups import selectors, services
from reflection_groups.models import OnboardingPath
from toppleder.models import ROLE_HR, User
from toppleder.pages import QuickSelect, error_text
from toppleder.permissions import is_hr, require_hr


class ContactForm(django_forms.Form):
    contact = django_forms.ModelChoiceField(
        User.objects.none(), label=gettext_lazy("Named contact"), widget=QuickSelect, empty_label=None
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = User.objects.filter(groups__name=ROLE_HR, is_active=True).order_by("name")


class TickForm(django_forms.Form):
    step = django_forms.ChoiceField(choices=[(s, s) for s in OnboardingPath.STEPS])
    done = django_forms.BooleanField(required=False)


@login_required
@require_safe
def onboarding_list(request):
    require_hr(request.user)
    rows = selectors.onboarding_rows(selectors.new_top_leaders().order_by("top_leader_since", "pk"))
    rows.sort(key=lambda r: (not r["behind"], r["leader"].top_leader_since))
    return render(
        request,
        "reflection_groups/onboarding_list.html",
        {"rows": rows, "behind": sum(1 for r in rows if r["behind"]), "labels": selectors.onboarding_step_labels()},
    )


@login_required
@require_safe
def onboarding_detail(request, pk):
    leader = selectors.onboarding_for(request.user, pk)
    (row,) = selectors.onboarding_rows([leader])
    hr = is_hr(request.user)
    initial = {"contact": row["contact"].pk} if row["contact"] else None
    return render(
        request,
        "reflection_groups/onboarding_detail.html",
        {"row": row, "leader": leader, "contact_form": ContactForm(initial=initial) if hr else None},
    )


@login_required
@require_POST
def onboarding_tick(request, pk):
    leader = selectors.onboarding_for(request.user, pk)
    form = TickForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a step of the onboarding."))
    else:
        try:
            services.onboarding_tick(
                leader=leader, step=form.cleaned_data["step"], done=form.cleaned_data["done"], by=request.user
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("The onboarding was updated."))
    return redirect("reflection_groups:onboarding_detail", pk=leader.pk)


@login_required
@require_POST
def onboarding_contact(request, pk):
    require_hr(request.user)
    leader = selectors.onboarding_for(request.user, pk)
    form = ContactForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an HR adviser as the named contact."))
    else:
        try:
            services.onboarding_set_contact(leader=leader, contact=form.cleaned_data["contact"], by=request.user)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("The contact was named."))
    return redirect("reflection_groups:onboarding_detail", pk=leader.pk)
