"""HR's page for participants who are not leaders: politicians, political secretaries, union
representatives, guests and contributors invited to a programme's sessions (one by one or
from a file). The rules are in programmes/services/guests.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from programmes import selectors, services
from programmes.forms import GuestImportConfirmForm, GuestImportForm, GuestInviteForm, GuestKnownForm, guest_target
from programmes.models import Session
from programmes.views.enrolment import _preview_key, _preview_load, _preview_store
from toppleder.pages import form_error, paginate_narrow


@login_required
@require_GET
def guest_list(request, pk):
    programme = selectors.programme_for(request.user, pk, manage=True)
    return _page(request, programme)


def _page(
    request,
    programme,
    *,
    invite_form=None,
    import_form=None,
    known_form=None,
    result=None,
    confirm_form=None,
    filename="",
    status=200,
):
    context = {
        "confirm_form": confirm_form,
        "filename": filename,
        "programme": programme,
        "page": paginate_narrow(request, selectors.guest_invitations_of(programme)),
        "invite_form": invite_form or GuestInviteForm(programme=programme),
        "import_form": import_form or GuestImportForm(programme=programme),
        "known_form": known_form or GuestKnownForm(programme=programme),
        "result": result,
    }
    return render(request, "programmes/guest_list.html", context, status=status)


def _done(request, programme, result):
    text = ngettext("%(n)s invitation written.", "%(n)s invitations written.", result.invitations) % {
        "n": result.invitations
    }
    if result.already_invited:
        text += " " + ngettext("%(n)s was already invited.", "%(n)s were already invited.", result.already_invited) % {
            "n": result.already_invited
        }
    if result.errors:
        text += " " + _("%(n)s lines with errors were left out: %(lines)s.") % {
            "n": len({line for line, _m in result.errors}),
            "lines": ", ".join(str(line) for line in sorted({line for line, _m in result.errors})),
        }
    messages.success(request, text)
    for person in result.leaders_attached:
        # One person, not two: a leader's e-mail is invited as that leader.
        messages.info(
            request,
            _("%(person)s is a leader in the portal: invited as that leader, not as a new participant.")
            % {"person": person},
        )
    return redirect("programmes:guest_list", pk=programme.pk)


@login_required
@require_POST
def guest_invite(request, pk):
    programme = selectors.programme_for(request.user, pk, manage=True)
    form = GuestInviteForm(request.POST, programme=programme)
    if form.is_valid():
        try:
            result = services.guest_invite(
                programme=programme,
                by=request.user,
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                category=form.cleaned_data["category"],
                organisation=form.cleaned_data["organisation"],
                union=form.cleaned_data["union"],
                **form.target(),
            )
        except ValidationError as exc:
            form_error(form, exc)
        else:
            return _done(request, programme, result)
    return _page(request, programme, invite_form=form, status=400)


@login_required
@require_POST
def guests_import(request, pk):
    """Upload → "Sjekk" (new guests, people known already, errors per line; the file kept under
    a token) → "Importer" with the token, or invite at once."""
    programme = selectors.programme_for(request.user, pk, manage=True)
    if "confirm-token" in request.POST:
        return _import_checked(request, programme)
    form = GuestImportForm(request.POST, request.FILES, programme=programme)
    result = None
    if form.is_valid():
        check = "check" in request.POST
        try:
            result = services.guests_import(
                programme=programme,
                by=request.user,
                file=form.cleaned_data["file"],
                partial=form.partial(),
                dry_run=check,
                **form.target(),
            )
        except ValidationError as exc:
            form_error(form, exc)
        else:
            if check:
                upload = form.cleaned_data["file"]
                token = _preview_store(request, programme, upload, target=form.cleaned_data["target"])
                confirm = GuestImportConfirmForm(initial={"token": token, "mode": form.cleaned_data["mode"] or "all"})
                return _page(
                    request, programme, import_form=form, result=result, confirm_form=confirm, filename=upload.name
                )
            if result.ok or (result.partial and result.invitations + result.already_invited):
                return _done(request, programme, result)
    return _page(request, programme, import_form=form, result=result, status=400)


def _import_checked(request, programme):
    """ "Importer": the file checked before, from the server's store (never a second upload)."""
    confirm = GuestImportConfirmForm(request.POST)
    token = request.POST.get("confirm-token", "")
    stored = _preview_load(request, programme, token)
    if stored is None or not confirm.is_valid():
        messages.error(request, _("The checked file is no longer kept (it is kept for an hour). Upload it again."))
        return redirect("programmes:guest_list", pk=programme.pk)
    try:
        target = guest_target(programme, stored.get("target", ""))
        result = services.guests_import(
            programme=programme, by=request.user, file=stored["raw"], partial=confirm.partial(), **target
        )
    except (ValidationError, Session.DoesNotExist, ValueError) as exc:
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else _("Choose a session of this programme.")
        messages.error(request, text)
        return redirect("programmes:guest_list", pk=programme.pk)
    if result.ok or (result.partial and result.invitations + result.already_invited):
        cache.delete(_preview_key(token))
        return _done(request, programme, result)
    return _page(request, programme, result=result, confirm_form=confirm, filename=stored["name"], status=400)


@login_required
@require_POST
def guests_invite_known(request, pk):
    programme = selectors.programme_for(request.user, pk, manage=True)
    form = GuestKnownForm(request.POST, programme=programme)
    if form.is_valid():
        try:
            result = services.guests_invite_known(
                programme=programme,
                by=request.user,
                participants=list(form.cleaned_data["participants"]),
                **form.target(),
            )
        except ValidationError as exc:
            form_error(form, exc)
        else:
            return _done(request, programme, result)
    return _page(request, programme, known_form=form, status=400)
