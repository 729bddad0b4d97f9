"""`{{ value|when }}`, `{{ value|when:"short" }}`, `{{ session|when }}`: every date and time the
portal writes (toppleder/dates.py has the styles and why)."""

from django import template

from toppleder import dates

register = template.Library()


@register.filter
def when(value, style="date"):
    """A date or datetime in a style of toppleder.dates.STYLES; an object with `starts_at` and
    `ends_at` (a session, a meeting) as its span, "torsdag 3. desember 2026 kl. 13.00–16.00"."""
    if hasattr(value, "starts_at") and hasattr(value, "ends_at"):
        return dates.span(value.starts_at, value.ends_at, "full" if style == "date" else style)
    return dates.fmt(value, style)
