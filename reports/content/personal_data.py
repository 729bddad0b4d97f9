"""A person's own data as a readable document (GDPR article 15).

The records are the ones `toppleder.privacy.personal_records` finds (the same walk as the JSON
download, which stays complete and machine-readable); here they are written for a person to
read: a section per kind of record under its Norwegian name, a column per field that has a
Norwegian label, display values (a choice's label, the name of a session rather than its id,
dates in Oslo time, "Ja"/"Nei"), and no internal ids, keys or tokens.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from toppleder import dates
from toppleder.audit import SENSITIVE
from toppleder.models import Leader
from toppleder.privacy import personal_records

# Columns that are bookkeeping or copies, not information about the person.
HIDE = {
    "key",
    "params",
    "body_text",
    "body_html",
    "ics",
    "last_error",
    "attempts",
    "language",
    "content_type",
    "diversity_score",
    "match_score",
}
# Records shown elsewhere in the document (the leader profile is under "Your account").
SKIP_MODELS = {Leader}
# A table this wide is written as one small table per record instead.
WIDE = 5
ROLE_LABELS = {"HR": "HR", "Administrator": "Administrator", "Facilitator": "Fasilitator"}


def when(value) -> str:
    """A moment in Oslo time ("2. desember 2026 kl. 13.05"), a day ("2. desember 2026")."""
    if value is None:
        return "–"
    return dates.fmt(value, "datetime" if isinstance(value, datetime.datetime) else "date")


def _theme_labels() -> dict:
    from reflection_groups.models import prompt_theme_choices

    return dict(prompt_theme_choices())


def label(field) -> str:
    """The field's Norwegian label; a key without one is named after what it points at."""
    if isinstance(field.verbose_name, Promise):
        return str(field.verbose_name).capitalize()
    return str(field.related_model._meta.verbose_name).capitalize()


def display(obj, field) -> str:
    value = getattr(obj, field.attname)
    if value is None or value == "" or value == []:
        return "–"
    if field.name == "themes" and isinstance(value, list):
        labels = _theme_labels()
        return ", ".join(str(labels.get(v, v)) for v in value)
    if field.choices:
        return str(getattr(obj, f"get_{field.name}_display")())
    if isinstance(field, models.ForeignKey):
        return str(getattr(obj, field.name))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, (datetime.date, datetime.datetime)):
        return when(value)
    if isinstance(value, (list, dict)):
        return ", ".join(str(v) for v in value) if isinstance(value, list) else "–"
    return str(value)


def _shown(field, pointing) -> bool:
    """A column the person reads: it has a Norwegian label, is not the link back to the person,
    not an id, key or token, not bookkeeping."""
    name = field.name
    if field.primary_key or field is pointing or name in HIDE:
        return False
    if any(word in name for word in SENSITIVE) and name not in ("text", "note"):
        return False
    if isinstance(field, models.ForeignKey):
        return isinstance(field.verbose_name, Promise) or isinstance(field.related_model._meta.verbose_name, Promise)
    return isinstance(field.verbose_name, Promise)


def sections_for(instance) -> list[dict]:
    out = []
    for model, pointing, rows in personal_records(instance):
        if model in SKIP_MODELS:
            continue
        columns = [f for f in model._meta.concrete_fields if _shown(f, pointing)]
        if not columns:
            continue
        labels = [label(f) for f in columns]
        values = [[display(obj, f) for f in columns] for obj in rows]
        out.append(
            {
                "title": str(model._meta.verbose_name_plural).capitalize(),
                "columns": labels,
                "rows": values,
                # Wide records read better one by one, label beside value.
                "records": [list(zip(labels, row, strict=True)) for row in values] if len(columns) > WIDE else None,
            }
        )
    return sorted(out, key=lambda s: s["title"])


def personal_data_context(user, *, language: str) -> dict:
    """The personal-data document's context for `user`, in `language`."""
    leader = Leader.objects.select_related("organisation").filter(user=user).first()
    account = [
        (_("Name"), user.get_full_name()),
        (_("E-mail address"), user.email),
        (_("Language of pages and e-mails"), user.get_language_display()),
        (_("Account created"), when(user.date_joined)),
        (_("Last signed in"), when(user.last_login)),
        (
            _("Roles"),
            ", ".join(ROLE_LABELS.get(r, r) for r in user.groups.values_list("name", flat=True)) or _("Leader"),
        ),
    ]
    if leader is not None:
        account += [
            (_("Organisation"), leader.organisation.name),
            (_("Title"), leader.title or "–"),
            (_("Leader level"), leader.get_level_display()),
            (_("Top leader since"), when(leader.top_leader_since)),
        ]
    sections = sections_for(user) + (sections_for(leader) if leader is not None else [])
    now = timezone.now()
    return {
        "report": {
            "title": _("My personal data"),
            "lang": language,
            "generated_at": now,
            "generated_by": user.get_full_name(),
        },
        "person": user.get_full_name(),
        "as_of": when(now),
        "contact": settings.DEFAULT_FROM_EMAIL.split("<")[-1].rstrip(">"),
        "account": account,
        "sections": sorted(sections, key=lambda s: s["title"]),
    }
