"""The audit log: who changed what, when and from where, in one append-only table.

Where entries come from, and nowhere else:
- **Services** record what they change with `record()`, inside their own transaction, one
  entry per row they created, changed or deleted — bulk operations (`bulk_update`,
  queryset `update()`, `bulk_create`) included. `event` names the service
  (`"session_publish"`), so a reader sees what was done and not only which field moved.
- **The Django admin** records through `AuditedAdmin`, a ModelAdmin mixin every admin class
  uses: saves, inlines, list edits and deletions, with the fields the form changed.
- **Sign-ins** (success and failure, from Django's auth signals), **access denials** (403)
  and **downloads** (any attachment response) are recorded by `AuditContextMiddleware`,
  which also puts the client IP and path on every entry written during the request.

tests/security/test_audit_completeness.py walks every public function of every services
module and proves that each leaves exactly the entries its row changes call for.

Never recorded: passwords, tokens, note text, survey answers, and who answered a survey
(anonymity: such changes are not recorded at all). Values are structured JSON, never
pre-formatted lines, so user input cannot forge an entry; a query expression (`F() + 1`)
reaching the log is a bug and raises instead of being stored as text.
"""

from __future__ import annotations

import contextvars
import datetime
import decimal
import uuid
from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.expressions import Combinable
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Field names that never reach the log (substring match on the attribute name).
SENSITIVE = ("password", "token", "secret", "text", "note", "answer", "key")
# Bookkeeping columns every save touches, and counters derived from other rows (a session's
# seats, moved with the registration that is recorded): not a change anyone made.
BOOKKEEPING = (
    "updated_at",
    "last_login",
    "confirmed_count",
    "waitlist_count",
    "offered_count",
    "online_confirmed_count",
    "online_waitlist_count",
    "online_offered_count",
)
HIDDEN = "[hidden]"

_request: contextvars.ContextVar = contextvars.ContextVar("audit_request", default=None)


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        LOGIN = "login", _("Signed in")
        LOGIN_FAILED = "login_failed", _("Failed sign-in")
        DENIED = "denied", _("Access denied")
        EXPORT = "export", _("Export")
        CREATE = "create", _("Created")
        UPDATE = "update", _("Changed")
        DELETE = "delete", _("Deleted")
        ANONYMISE = "anonymise", _("Anonymised")

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    actor_label = models.CharField(_("who (as recorded)"), max_length=254, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices, db_index=True)
    event = models.CharField(_("what was done"), max_length=60, blank=True, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    path = models.CharField(_("path"), max_length=300, blank=True)

    class Meta:
        app_label = "toppleder"
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type} {self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("The audit log is append-only")
        super().save(*args, **kwargs)


Action = AuditEntry.Action
CREATE, UPDATE, DELETE = Action.CREATE, Action.UPDATE, Action.DELETE


# --------------------------------------------------------------------------- values
def is_sensitive(name: str) -> bool:
    return any(word in name for word in SENSITIVE)


def plain(value):
    """A JSON value for the log. Anything unexpected is a bug and raises, never becomes text."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, Combinable):
        raise TypeError(f"audit: a query expression ({value!r}) reached the log; refresh the object first")
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, models.QuerySet):
        return sorted(value.values_list("pk", flat=True))
    raise TypeError(f"audit: cannot record a {type(value).__name__}")


def values(obj, fields: Iterable[str] | None = None) -> dict:
    """The row's own columns (attribute names, e.g. `session_id`) as log values."""
    names = list(fields) if fields is not None else [f.attname for f in obj._meta.concrete_fields]
    return {name: plain(getattr(obj, name)) for name in names if not is_sensitive(name)}


def diff(before: dict, obj, fields: Iterable[str] | None = None) -> dict:
    """{column: [before, after]} for the columns whose value differs from `before`."""
    after = values(obj, fields if fields is not None else before.keys())
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v and k not in BOOKKEEPING}


def created(obj) -> dict:
    """{column: [None, value]} for every column of a new row that has a value."""
    return {
        k: [None, v]
        for k, v in values(obj).items()
        if v not in (None, "", [], {}) and k not in BOOKKEEPING and k != "id"
    }


# --------------------------------------------------------------------------- recording
def record(
    actor,
    action: str,
    objects=None,
    changes: dict | Callable[[models.Model], dict] | None = None,
    *,
    event: str = "",
    label: str = "",
) -> int:
    """Append one entry per object (in one INSERT); returns how many were written.

    `actor` is the user who acted (None for the system: a task, the beat, a command).
    `objects` is a model instance or an iterable of them (empty: nothing is written), or
    None for an event about no object (a sign-in); `changes` a dict for all of them or a
    function giving each object's dict. An UPDATE whose changes are empty writes nothing:
    nothing changed. Call it inside the service's transaction.
    """
    if isinstance(objects, models.Model):
        objects = [objects]
    ctx = _request.get() or {}
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    base = {
        "actor": actor if authenticated else None,
        "actor_label": (label or (actor.email if authenticated else ""))[:254],
        "action": action,
        "event": event[:60],
        "ip": ctx.get("ip"),
        "path": ctx.get("path", ""),
        "at": timezone.now(),
    }
    entries = []
    for obj in objects or ():
        these = changes(obj) if callable(changes) else (changes or {})
        # A sensitive field is recorded as changed, never with its value.
        these = {k: HIDDEN if is_sensitive(k) else plain(v) for k, v in these.items()}
        if action == UPDATE and not these:
            continue
        entries.append(
            AuditEntry(
                **base,
                object_type=obj._meta.label_lower[:100],
                object_id=str(obj.pk)[:64],
                object_repr=str(obj)[:200],
                changes=these,
            )
        )
    if objects is None:
        entries.append(AuditEntry(**base, changes=plain(changes or {})))
    AuditEntry.objects.bulk_create(entries)
    return len(entries)


def delete(actor, objects, *, event: str) -> int:
    """Delete `objects` (instances or a queryset) and whatever cascades from them, with one DELETE
    entry per removed row, cascaded rows included. Returns how many rows went."""
    from django.db import router
    from django.db.models.deletion import Collector

    objects = list(objects)
    if not objects:
        return 0
    collector = Collector(using=router.db_for_write(type(objects[0])))
    collector.collect(objects)
    rows = [obj for instances in collector.data.values() for obj in instances]
    for queryset in collector.fast_deletes:
        rows.extend(queryset)
    # Rows that point at a deleted one with on_delete=SET_NULL (or SET_DEFAULT) change too.
    for (field, value), batches in collector.field_updates.items():
        for batch in batches:
            record(
                actor,
                UPDATE,
                list(batch),
                lambda o, f=field, v=value: {f.attname: [getattr(o, f.attname), v]},
                event=event,
            )
    record(actor, DELETE, rows, values, event=event)
    collector.delete()
    return len(rows)


# --------------------------------------------------------------------------- the admin
def _form_changes(form, obj) -> dict:
    """What an admin form changed on `obj`: {field: [initial, new]} (many-to-many as pk lists)."""
    out = {}
    for name in form.changed_data:
        try:
            field = obj._meta.get_field(name)
        except FieldDoesNotExist:  # a form-only field (a password confirmation, …)
            continue
        if is_sensitive(name) or name in BOOKKEEPING:
            continue
        if field.many_to_many:
            old = sorted(plain(v) for v in (form.initial.get(name) or []))
            new = sorted(plain(v) for v in form.cleaned_data.get(name) or [])
            out[name] = [old, new]
        elif field.concrete:
            old = form.initial.get(name)
            out[field.attname] = [
                plain(old.pk if isinstance(old, models.Model) else old),
                plain(getattr(obj, field.attname)),
            ]
    return out


class AuditedAdmin:
    """ModelAdmin mixin: what someone changes in the Django admin is recorded as a service would.

    Admin actions that call a service are recorded by that service; this covers the forms
    (add, change, list_editable, inlines) and deletions.
    """

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        widget = getattr(formfield, "widget", None)
        inner = getattr(widget, "widget", None)
        if inner is not None and hasattr(inner, "use_required_attribute"):
            # The admin's wrapper (add/change/view links) would put `required` on a <select>
            # whose first option has a value, which is invalid HTML; the select itself knows.
            widget.use_required_attribute = inner.use_required_attribute
            if getattr(inner, "allow_multiple_selected", True) is False and hasattr(inner, "url_name"):
                # An autocomplete <select> holds only the chosen option (none on an add page):
                # `required` on it is invalid HTML. The form still requires a value.
                widget.use_required_attribute = lambda initial: False
        return formfield

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        if change:
            record(request.user, UPDATE, [obj], _form_changes(form, obj), event="admin")
        else:
            new = created(obj)
            new.update({k: v for k, v in _form_changes(form, obj).items() if k not in new})
            record(request.user, CREATE, [obj], new, event="admin")

    def save_formset(self, request, form, formset, change):
        initial = {f.instance.pk: f for f in formset.initial_forms}
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            record(request.user, CREATE, [obj], created(obj), event="admin")
        for obj, _changed in formset.changed_objects:
            record(request.user, UPDATE, [obj], _form_changes(initial[obj.pk], obj), event="admin")
        for obj in formset.deleted_objects:
            record(request.user, DELETE, [obj], event="admin")

    def delete_model(self, request, obj):
        delete(request.user, [obj], event="admin")

    def delete_queryset(self, request, queryset):
        delete(request.user, queryset, event="admin")


# --------------------------------------------------------------------------- requests
def client_ip(request) -> str | None:
    # Behind the production proxy the client address is the first X-Forwarded-For hop.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "") if settings.SECURE_PROXY_SSL_HEADER else ""
    ip = forwarded.split(",")[0].strip() or request.META.get("REMOTE_ADDR")
    return ip or None


class AuditContextMiddleware:
    """Puts the client IP and path on every entry of the request; records denials and downloads."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set({"ip": client_ip(request), "path": request.path[:300]})
        try:
            response = self.get_response(request)
            user = getattr(request, "user", None)
            actor = user if user is not None and user.is_authenticated else None
            if response.status_code == 403:
                record(actor, Action.DENIED)
            elif response.status_code == 200 and response.get("Content-Disposition", "").startswith("attachment"):
                # Every download (CSV, XLSX, PDF, calendar) leaves the building: record it, with
                # which report it is and for whom (the app that serves it says, audit_events.py).
                from toppleder.audit_log import download_label

                disposition = response.get("Content-Disposition", "")
                file = disposition.split("filename=", 1)[1].strip('"') if "filename=" in disposition else ""
                from django.utils import translation

                with translation.override(settings.LANGUAGE_CODE):  # the log is read in Norwegian
                    report = download_label(request)
                record(actor, Action.EXPORT, changes={"report": report, "file": file[:200]})
        finally:
            _request.reset(token)
        return response


def _on_login(sender, request, user, **kwargs):
    record(user, Action.LOGIN)


def _on_login_failed(sender, credentials, request=None, **kwargs):
    # Only the e-mail that was tried; never the password (Django already masks it).
    tried = str(credentials.get("email") or credentials.get("username") or "")[:254]
    record(None, Action.LOGIN_FAILED, label=tried)


def connect_signals():
    user_logged_in.connect(_on_login, dispatch_uid="audit-login")
    user_login_failed.connect(_on_login_failed, dispatch_uid="audit-login-failed")
