"""Template helpers for the Punkt layout and the crispy-forms "punkt" pack."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_current(context, url, exact=False):
    """' aria-current="page"' when the request path is (below) `url`; marks the active nav item."""
    request = context.get("request")
    if not request or not url:
        return ""
    path = request.path
    hit = path == url if (exact or url == "/") else path.startswith(url)
    return "page" if hit else ""


@register.filter
def punkt_describedby(field):
    """The ids of a field's help text and error messages, for aria-describedby."""
    ids = []
    if not field.auto_id:
        return ""
    if field.help_text:
        ids.append(f"{field.auto_id}_helptext")
    if field.errors:
        ids.append(f"{field.auto_id}_error")
    return " ".join(ids)


_BOOTSTRAP_BUTTON_CLASSES = {"btn", "btn-primary", "btn-secondary", "btn-default", "btn-outline-secondary"}


@register.filter
def punkt_button_classes(input_obj):
    """crispy's Submit/Button carry Bootstrap classes by default; map them to Punkt's."""
    given = [c for c in (input_obj.field_classes or "").split() if c not in _BOOTSTRAP_BUTTON_CLASSES]
    classes = ["pkt-btn"]
    if not any(c.startswith("pkt-btn--") and c not in ("pkt-btn--small", "pkt-btn--large") for c in given):
        classes.append("pkt-btn--primary" if input_obj.input_type == "submit" else "pkt-btn--secondary")
    return " ".join(dict.fromkeys(classes + [c for c in given if c != "pkt-btn"]))


def _field_target(bound_field) -> str:
    """The id a summary link points at: the input itself, or the first of a group of choices."""
    target = bound_field.id_for_label
    if not target and bound_field.auto_id:
        target = f"{bound_field.auto_id}_0"  # radios and checkbox groups (Django omits their label's for)
    return target


def _form_errors(form) -> list[dict]:
    items = [{"target": "", "text": str(e)} for e in form.non_field_errors()]
    for bound_field in form:
        for error in bound_field.errors:
            if bound_field.is_hidden:
                items.append({"target": "", "text": str(error)})
            else:
                label = str(bound_field.label or bound_field.name)
                items.append({"target": _field_target(bound_field), "text": f"{label}: {error}"})
    return items


@register.simple_tag(takes_context=True)
def error_summary(context) -> list[dict]:
    """Every error of every bound form on the page, in page order, for the summary at the top of
    main (templates/punkt/error_summary.html) and the "Feil: " in the title.

    Found in the template context, so every form gets it without its view doing anything; a page
    whose errors are not a Django form passes them as `error_items` ([{"target", "text"}]).
    """
    from django.forms import BaseForm, BaseFormSet

    items: list[dict] = list(context.get("error_items") or [])
    seen: set[int] = set()
    for value in context.flatten().values():
        if id(value) in seen or not getattr(value, "is_bound", False):
            continue
        seen.add(id(value))
        if isinstance(value, BaseFormSet):
            items.extend({"target": "", "text": str(e)} for e in value.non_form_errors())
            for form in value.forms:
                items.extend(_form_errors(form))
        elif isinstance(value, BaseForm):
            items.extend(_form_errors(value))
    return items
