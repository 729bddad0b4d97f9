"""The audit log: who did what, when, from where, in an append-only table.

Recorded: sign-ins (success and failure), access denials, exports, and every create,
update and delete by HR staff and administrators on the programme, group, survey and
user models — through model signals, so the admin, services and commands are covered
alike. The acting user and IP come from the request (AuditContextMiddleware).

Never recorded: passwords, tokens, confidential note text, survey answers (those
models are not audited and sensitive field names are dropped from every diff). Values
are stored as structured JSON, never as pre-formatted log lines, so user input (a title
with a newline, say) cannot forge an entry.
"""

import contextvars
import logging

from django.apps import apps
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger("toppleder.audit")

# (app_label, model_name) of every audited model. Notes, pair meetings (their private
# notes) and survey responses/answers are deliberately absent.
AUDITED_MODELS = [
    ("programmes", "programme"),
    ("programmes", "session"),
    ("programmes", "registration"),
    ("programmes", "programmeenrolment"),
    ("programmes", "commitment"),
    ("programmes", "measure"),
    ("reflection_groups", "reflectiongroup"),
    ("reflection_groups", "groupmembership"),
    ("reflection_groups", "mentorpair"),
    ("surveys", "survey"),
    ("surveys", "questionnaire"),
    ("toppleder", "user"),
    ("toppleder", "leader"),
    ("toppleder", "leadergroup"),
    ("toppleder", "organisation"),
]
SENSITIVE = ("password", "token", "secret", "text", "note", "answer", "key")

_actor: contextvars.ContextVar = contextvars.ContextVar("audit_actor", default=None)


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


def client_ip(request) -> str | None:
    # Behind the production proxy the client address is the first X-Forwarded-For hop.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "") if settings.SECURE_PROXY_SSL_HEADER else ""
    ip = forwarded.split(",")[0].strip() or request.META.get("REMOTE_ADDR")
    return ip or None


def record(*, action: str, user=None, request=None, obj=None, object_type="", object_id="", changes=None, label=""):
    """Append one entry. Safe to call anywhere: a failure to audit is logged, never raised."""
    ctx = _actor.get()
    if user is None and ctx is not None:
        user = ctx["user"]
    ip = client_ip(request) if request is not None else (ctx or {}).get("ip")
    path = request.path[:300] if request is not None else (ctx or {}).get("path", "")
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    try:
        AuditEntry.objects.create(
            actor=user if authenticated else None,
            actor_label=(label or (user.email if authenticated else ""))[:254],
            action=action,
            object_type=object_type[:100],
            object_id=str(object_id)[:64],
            object_repr=(str(obj) if obj is not None else "")[:200],
            changes=changes or {},
            ip=ip,
            path=path or "",
        )
    except Exception:  # auditing must never break the action itself
        logger.exception("audit entry could not be written")


def _clean(field: str, value):
    if any(word in field for word in SENSITIVE):
        return "[hidden]"
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _snapshot(instance) -> dict:
    return {
        f.attname: _clean(f.attname, getattr(instance, f.attname))
        for f in instance._meta.concrete_fields
        if not any(word in f.attname for word in SENSITIVE)
    }


def _staff_actor():
    ctx = _actor.get()
    return ctx if ctx is not None and ctx["staff"] else None


def _pre_save(sender, instance, raw=False, **kwargs):
    if raw or _staff_actor() is None or instance.pk is None:
        return
    old = sender._base_manager.filter(pk=instance.pk).first()
    instance._audit_before = _snapshot(old) if old is not None else None


def _post_save(sender, instance, created, raw=False, **kwargs):
    if raw or _staff_actor() is None:
        return
    after = _snapshot(instance)
    if created:
        changes = {k: [None, v] for k, v in after.items() if v not in (None, "")}
    else:
        before = getattr(instance, "_audit_before", None) or {}
        changes = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
        changes.pop("updated_at", None)
        changes.pop("last_login", None)
        if not changes:
            return
    record(action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE, obj=instance, changes=changes)


def _post_delete(sender, instance, **kwargs):
    if _staff_actor() is None:
        return
    record(action=AuditEntry.Action.DELETE, obj=instance)


def connect_signals():
    for app_label, model_name in AUDITED_MODELS:
        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:
            continue
        uid = f"audit-{app_label}.{model_name}"
        pre_save.connect(_pre_save, sender=model, dispatch_uid=uid + "-pre")
        post_save.connect(_post_save, sender=model, dispatch_uid=uid + "-post")
        post_delete.connect(_post_delete, sender=model, dispatch_uid=uid + "-del")
    user_logged_in.connect(_on_login, dispatch_uid="audit-login")
    user_login_failed.connect(_on_login_failed, dispatch_uid="audit-login-failed")


def _on_login(sender, request, user, **kwargs):
    record(action=AuditEntry.Action.LOGIN, user=user, request=request)


def _on_login_failed(sender, credentials, request=None, **kwargs):
    # Only the e-mail that was tried; never the password (Django already masks it).
    tried = str(credentials.get("email") or credentials.get("username") or "")[:254]
    record(action=AuditEntry.Action.LOGIN_FAILED, request=request, label=tried, changes={})


class AuditContextMiddleware:
    """Makes the signed-in user and the client IP available to the model signals."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from toppleder.permissions import is_hr

        user = getattr(request, "user", None)
        ctx = None
        if user is not None and user.is_authenticated:
            ctx = {"user": user, "staff": is_hr(user), "ip": client_ip(request), "path": request.path[:300]}
        token = _actor.set(ctx)
        try:
            response = self.get_response(request)
        finally:
            _actor.reset(token)
        if response.status_code == 403:
            record(action=AuditEntry.Action.DENIED, request=request, user=user if ctx else None)
        elif response.status_code == 200 and response.get("Content-Disposition", "").startswith("attachment"):
            # Every download (CSV, XLSX, PDF, calendar) leaves the building: record it.
            record(action=AuditEntry.Action.EXPORT, request=request, user=user if ctx else None)
        return response


class acting_as:  # noqa: N801  (used like a function: `with acting_as(user): ...`)
    """For commands and tests: attribute changes to `user` as if made in a request."""

    def __init__(self, user, ip=None):
        from toppleder.permissions import is_hr

        self.ctx = {"user": user, "staff": is_hr(user), "ip": ip, "path": ""}

    def __enter__(self):
        self.token = _actor.set(self.ctx)
        return self

    def __exit__(self, *exc):
        _actor.reset(self.token)
