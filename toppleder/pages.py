"""What every list and form page does the same way: pages of a list, the filters in its
address, and a service's refusal shown on the form (or as messages) instead of a server error.

Odd input in an address is the sender's mistake, not the server's: a page number or filter
that is not of the right kind is answered with 400 (templates/400.html), never a 500.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import BadRequest, ValidationError
from django.core.paginator import Page, Paginator
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

PER_PAGE = 25


def paginate(request, queryset, per_page: int = PER_PAGE, *, count: int | None = None, default=None) -> Page:
    """The page `?page=` asks for (a bad or out-of-range number gives the first or last page).

    `count`: the total when the caller has counted already (no second COUNT query);
    `default`: the page to show when `?page=` is absent.
    """
    paginator = Paginator(queryset, per_page)
    if count is not None:
        paginator.__dict__["count"] = count
    number = request.GET.get("page") or default
    if number is not None and not str(number).strip().isdigit():
        raise BadRequest("page is not a number")
    return paginator.get_page(number)


def filters(form) -> dict:
    """The cleaned values of a GET filter form: {} when the address has none; 400 when they are
    not of the right kind (an unknown status, a programme id that is not a number, …)."""
    if not form.is_bound:
        return {}
    if not form.is_valid():
        raise BadRequest("invalid filter")
    return form.cleaned_data


def paginate_narrow(request, queryset, per_page: int = PER_PAGE) -> Page:
    """`paginate`, where the database sorts only the ordering columns and joins the wide related
    rows for the page's rows alone (a subquery: still one query). For long, wide lists."""
    page = paginate(request, queryset.values_list("pk", flat=True), per_page)
    page.object_list = queryset.filter(pk__in=page.object_list)
    return page


def url_per_row(viewname: str, *args):
    """`reverse(viewname, args=[*args, pk])` for many rows: the URL is reversed once and the
    row's id put in its place (the last argument must be an `id` path segment)."""
    from django.urls import reverse

    marker = "987654321987654321"
    before, _, after = reverse(viewname, args=[*args, int(marker)]).rpartition(marker)
    return lambda pk: f"{before}{int(pk)}{after}"


def query_without_page(request) -> str:
    """The page's query string without `page`, for the pagination links."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def error_text(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


def form_error(form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: per field where it names one the form has."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.error_list)


def error_messages(request, exc: ValidationError) -> None:
    """Each message of a service's ValidationError as an error message on the next page."""
    for text in exc.messages:
        messages.error(request, text)


# --------------------------------------------------------------------------- long selects
class _QuickOptions:
    """Renders a select's <option>s in Python: Django's widgets render one template per
    option, which for a list of a few hundred leader groups costs more than the rest of the
    page. The markup is the same as Django's."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        attrs = dict(widget["attrs"])
        if self.allow_multiple_selected:
            attrs["multiple"] = True
        parts = []
        for group, options, _index in widget["optgroups"]:
            html = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                ((o["value"], mark_safe(" selected") if o["selected"] else "", o["label"]) for o in options),
            )
            parts.append(format_html('<optgroup label="{}">{}</optgroup>', group, html) if group else html)
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(attrs), mark_safe("".join(parts)))  # noqa: S308


class QuickSelect(_QuickOptions, forms.Select):
    """A Select for long lists (options rendered in Python)."""


class QuickSelectMultiple(_QuickOptions, forms.SelectMultiple):
    """A SelectMultiple for long lists (options rendered in Python)."""


def lists_in_one_query(parts: dict, order: dict | None = None) -> dict[str, list]:
    """Several short lists, each with its own filter, ordering and limit, read in one round
    trip: a UNION ALL of the sliced querysets, each row tagged with its list's name, then
    split again. The querysets must select the same columns (model rows with the same
    `.only()` and annotations, or `values_list` rows of the same shape; a values row then
    comes back with the list's name as its last item, removed here). PostgreSQL returns the
    parts one after the other, each in its own order (a plain Append for these small reads);
    `order`: per list, a sort key that puts its rows in order anyway, where one exists in
    Python (a time and a pk; titles sort by the database's collation, not Python's).
    SQLite cannot order and slice inside a UNION: there, a query each."""
    from django.db import connection
    from django.db.models import CharField, Value

    order = order or {}
    if not connection.features.supports_slicing_ordering_in_compound:
        out = {name: list(qs) for name, qs in parts.items()}
    else:
        tagged = [qs.annotate(_list=Value(name, output_field=CharField())) for name, qs in parts.items()]
        out = {name: [] for name in parts}
        for row in tagged[0].union(*tagged[1:], all=True):
            if isinstance(row, tuple):
                out[row[-1]].append(row[:-1])
            else:
                out[row._list].append(row)
    for name, key in order.items():
        out[name].sort(key=key)
    return out
