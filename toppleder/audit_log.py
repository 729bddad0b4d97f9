"""The audit log as people read it: each entry one sentence, with before and after values.

`lines(entries)` turns a page of `AuditEntry` rows into `Line`s: who (the person's name, or
what was recorded when the account is gone), a sentence ("Helene Rådgiver published the session
«Temasamling: Tillit i praksis».") and the changed values with the field's label and display
value (a choice's label, a date in Oslo time, the name of a row a key points at). What an event
means is said by the app that records it, by convention: `<app>/audit_events.py` holds
`EVENTS = {event: sentence}` (with `%(who)s` and `%(object)s`) and `DOWNLOADS = {url name: what
the download is}`; the core finds them by autodiscovery and knows no app by name.

Never shown, because never stored: note text, survey answers, passwords, tokens (the log keeps
"[hidden]" for a sensitive field, shown as "hidden"). Addresses are shown with any token in them
replaced (a calendar feed's or a survey invitation's address carries one).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from importlib import import_module

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.module_loading import module_has_submodule
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from toppleder import dates
from toppleder.audit import HIDDEN, Action, AuditEntry

# The apps whose rows the log speaks of (the object filter's choices; no query needed).
PROJECT_APPS = ("toppleder", "programmes", "reflection_groups", "surveys", "auth")
TOKEN_IN_PATH = re.compile(r"/[A-Za-z0-9_-]{16,}(?=[/.]|$)")
# Change keys that are not a column of the row.
EXTRA_LABELS = {
    "groups": gettext_lazy("Roles"),
    "reason": gettext_lazy("Reason"),
    "file": gettext_lazy("File"),
    "about": gettext_lazy("About"),
}

_registry: dict[str, dict] | None = None


def _load() -> dict[str, dict]:
    global _registry
    if _registry is None:
        events, downloads = {}, {}
        for config in apps.get_app_configs():
            if module_has_submodule(config.module, "audit_events"):
                module = import_module(f"{config.name}.audit_events")
                events.update(getattr(module, "EVENTS", {}))
                downloads.update(getattr(module, "DOWNLOADS", {}))
        _registry = {"events": events, "downloads": downloads}
    return _registry


def download_label(request) -> str:
    """What a download is and for whom, for the entry the audit middleware writes ("" when the
    app that serves it does not say)."""
    match = getattr(request, "resolver_match", None)
    describe = _load()["downloads"].get(match.view_name) if match else None
    if describe is None:
        return ""
    return str(describe(match.kwargs, request.user))


def redact_path(path: str) -> str:
    return TOKEN_IN_PATH.sub("/…", path or "")


def model_for(object_type: str):
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def object_type_choices() -> list[tuple[str, str]]:
    out = []
    for app_label in PROJECT_APPS:
        try:
            config = apps.get_app_config(app_label)
        except LookupError:
            continue
        for model in config.get_models():
            out.append((model._meta.label_lower, str(model._meta.verbose_name).capitalize()))
    return sorted(out, key=lambda c: c[1])


class _DefaultDash(dict):
    def __missing__(self, key):
        return "–"


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class Line:
    entry: AuditEntry
    who: str
    sentence: str
    changes: list[Change] = field(default_factory=list)

    @property
    def changes_text(self) -> str:
        return "; ".join(
            f"{c.label}: {c.before} → {c.after}" if c.before else f"{c.label}: {c.after}" for c in self.changes
        )


def _who(entry) -> str:
    if entry.actor is not None:
        return entry.actor.get_full_name()
    return entry.actor_label or _("The system")


def _type_label(entry) -> str:
    model = model_for(entry.object_type)
    return str(model._meta.verbose_name) if model else entry.object_type


def _when(value: str) -> str | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    moment = parse_datetime(value) if "T" in value else None
    if moment is not None:
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return dates.fmt(moment, "datetime")
    try:
        day = parse_date(value)
    except ValueError:
        day = None
    return dates.fmt(day) if isinstance(day, datetime.date) else None


class _Names:
    """The names of rows that changed keys point at: one query per model, for a whole page."""

    def __init__(self):
        self.wanted: dict = {}
        self.found: dict = {}

    def want(self, model, pk):
        if model is not None and pk is not None:
            self.wanted.setdefault(model, set()).add(pk)

    def fetch(self):
        for model, pks in self.wanted.items():
            clean = {pk for pk in pks if isinstance(pk, int) or (isinstance(pk, str) and pk.isdigit())}
            # select_related(): the rows a name is made of (a registration's leader and session) come along.
            for obj in model._base_manager.select_related().filter(pk__in=clean):
                self.found[(model, obj.pk)] = str(obj)

    def name(self, model, pk) -> str:
        return self.found.get((model, int(pk) if str(pk).isdigit() else pk), f"#{pk}")


def _field(model, key):
    if model is None:
        return None
    for f in model._meta.concrete_fields:
        if f.attname == key or f.name == key:
            return f
    try:
        return model._meta.get_field(key)
    except FieldDoesNotExist:
        return None


def _display(value, fld, names: _Names) -> str:
    if value == HIDDEN:
        return _("hidden")
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if fld is not None and getattr(fld, "choices", None):
        return str(dict(fld.flatchoices).get(value, value))
    if fld is not None and fld.is_relation and fld.related_model is not None:
        if isinstance(value, list):
            return ", ".join(names.name(fld.related_model, v) for v in value)
        return names.name(fld.related_model, value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    when = _when(value) if isinstance(value, str) else None
    return when or str(value)


def _label(model, key) -> str:
    fld = _field(model, key)
    if fld is not None:
        return str(getattr(fld, "verbose_name", key)).capitalize()
    return str(EXTRA_LABELS.get(key, key.replace("_", " "))).capitalize()


def _sentence(entry, who: str, values: dict) -> str:
    registry = _load()
    action = entry.action
    obj = entry.object_repr
    kind = _type_label(entry)
    if action == Action.LOGIN:
        return _("%(who)s signed in.") % {"who": who}
    if action == Action.LOGIN_FAILED and entry.changes.get("sso"):
        return _("A single sign-on through %(provider)s failed and nobody was signed in (%(error)s).") % {
            "provider": entry.changes["sso"],
            "error": entry.changes.get("error") or "–",
        }
    if action == Action.LOGIN_FAILED:
        return _("A sign-in as %(email)s failed (wrong password or unknown address).") % {
            "email": entry.actor_label or "–"
        }
    if action == Action.DENIED:
        return _("%(who)s was refused the page %(path)s.") % {"who": who, "path": redact_path(entry.path)}
    if action == Action.EXPORT:
        what = entry.changes.get("report") or _("a file")
        about = entry.changes.get("about") or ""
        text = _("%(who)s downloaded %(what)s") % {"who": who, "what": what}
        if about:
            text += " " + _("about %(about)s") % {"about": about}
        file = entry.changes.get("file")
        return text + (f" ({file})." if file else ".")
    if action == Action.ANONYMISE:
        return _("%(who)s anonymised %(object)s: name, address and title are removed.") % {"who": who, "object": obj}
    main_type, phrase = registry["events"].get(entry.event, (None, None))
    if phrase and main_type == entry.object_type and action in (Action.CREATE, Action.UPDATE, Action.DELETE):
        values.update({"who": who, "object": f"«{obj}»", "kind": kind})
        text = str(phrase) % values
    else:
        generic = {
            Action.CREATE: _("%(who)s created %(kind)s %(object)s."),
            Action.UPDATE: _("%(who)s changed %(kind)s %(object)s."),
            Action.DELETE: _("%(who)s deleted %(kind)s %(object)s."),
        }.get(action, _("%(who)s: %(kind)s %(object)s."))
        text = generic % {"who": who, "object": f"«{obj}»", "kind": kind}
    if entry.event == "admin":
        text = text.rstrip(".") + " " + _("(in the administration pages).")
    return text


def lines(entries) -> list[Line]:
    """The page's entries as sentences (their actors selected with them: no query per entry)."""
    entries = list(entries)
    names = _Names()
    for e in entries:
        model = model_for(e.object_type)
        for key, change in (e.changes or {}).items():
            fld = _field(model, key)
            if fld is not None and fld.is_relation and fld.related_model is not None:
                for v in change if isinstance(change, list) else [change]:
                    for pk in v if isinstance(v, list) else [v]:
                        if not isinstance(pk, list):
                            names.want(fld.related_model, pk)
    names.fetch()
    out = []
    for e in entries:
        who = _who(e)
        line = Line(entry=e, who=who, sentence="")
        values = _DefaultDash()
        if e.action in (Action.CREATE, Action.UPDATE, Action.DELETE, Action.ANONYMISE):
            model = model_for(e.object_type)
            for key, change in (e.changes or {}).items():
                if key == "id":
                    continue
                fld = _field(model, key)
                if e.action in (Action.CREATE, Action.UPDATE) and isinstance(change, list) and len(change) == 2:
                    before, after = change
                else:  # a deleted row's values, or a value recorded without its "before"
                    before, after = None, change
                change = Change(
                    label=_label(model, key),
                    before="" if e.action == Action.CREATE or before is None else _display(before, fld, names),
                    after=_display(after, fld, names),
                )
                line.changes.append(change)
                values[f"after_{fld.name if fld is not None else key}"] = change.after
                values[f"after_{key}"] = change.after
        line.sentence = _sentence(e, who, values)
        out.append(line)
    return out


# --------------------------------------------------------------------------- the page's reads
def entries(*, person: str = "", object_type: str = "", obj: str = "", action: str = "", start=None, end=None):
    """The log, newest first, filtered (each filter optional). `start`/`end` are Oslo dates,
    both days included."""
    from django.db.models import Q

    qs = AuditEntry.objects.select_related("actor")
    if person:
        qs = qs.filter(
            Q(actor__name__icontains=person) | Q(actor__email__icontains=person) | Q(actor_label__icontains=person)
        )
    if object_type:
        qs = qs.filter(object_type=object_type)
    if obj:
        qs = qs.filter(object_repr__icontains=obj)
    if action:
        qs = qs.filter(action=action)
    if start:
        qs = qs.filter(at__gte=_oslo_midnight(start))
    if end:
        qs = qs.filter(at__lt=_oslo_midnight(end + datetime.timedelta(days=1)))
    return qs.order_by("-at", "-pk")


def _oslo_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def sheet(qs, *, limit: int = 50_000):
    """The filtered log as rows for `toppleder.spreadsheets` (CSV): the same sentences as the page."""
    from toppleder.spreadsheets import Sheet

    rows = []
    chunk = []
    for entry in qs[:limit].iterator(chunk_size=2000):
        chunk.append(entry)
        if len(chunk) == 500:
            rows += _rows(chunk)
            chunk = []
    rows += _rows(chunk)
    header = [_("Time"), _("Who"), _("Action"), _("What happened"), _("Changes"), _("IP address")]
    return Sheet(_("Audit log"), header, rows)


def _rows(chunk) -> list[list]:
    out = []
    for line in lines(chunk):
        e = line.entry
        local = timezone.localtime(e.at)
        out.append(
            [
                local.strftime("%Y-%m-%d %H:%M:%S"),
                line.who,
                e.get_action_display(),
                line.sentence,
                line.changes_text,
                e.ip or "",
            ]
        )
    return out
