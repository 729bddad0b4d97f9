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
