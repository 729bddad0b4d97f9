"""Personal data (GDPR): what the portal holds about a person, and anonymising a person who left.

`personal_data_collect` walks every model that points at the person's User or Leader
row (found through Django's model meta, so a model added later is included without
touching this file) and returns plain data. Survey answers are not included: they are
anonymous by construction and cannot be traced back to anyone.

`person_anonymise` removes identity but keeps the rows that aggregate statistics count
(registrations, attendance, enrolments, organisation and level), so figures stay right.
"""

from importlib import import_module

from django.conf import settings
from django.contrib.sessions.models import Session as DjangoSession
from django.db import transaction
from django.db.models import ManyToManyRel, ManyToOneRel, OneToOneRel
from django.utils import timezone

from toppleder.audit import SENSITIVE, AuditEntry, record
from toppleder.models import Leader, User

# Reverse relations that are not the person's data, or not safe to show them.
SKIP = {"auditentry", "logentry", "session", "authenticator", "socialaccount", "emailaddress", "usersession"}


def _row(obj) -> dict:
    out = {}
    for f in obj._meta.concrete_fields:
        if any(word in f.attname for word in SENSITIVE) and f.attname not in ("text",):
            continue
        value = getattr(obj, f.attname)
        out[f.attname] = value if isinstance(value, (str, int, float, bool)) or value is None else str(value)
    out["_object"] = str(obj)
    return out


def _related_rows(instance) -> dict[str, list[dict]]:
    data = {}
    for rel in instance._meta.related_objects:
        model = rel.related_model
        if model._meta.model_name in SKIP:
            continue
        accessor = rel.get_accessor_name()
        if isinstance(rel, OneToOneRel):
            obj = getattr(instance, accessor, None) if hasattr(instance, accessor) else None
            rows = [_row(obj)] if obj is not None else []
        elif isinstance(rel, (ManyToOneRel, ManyToManyRel)):
            rows = [_row(o) for o in getattr(instance, accessor).all()[:5000]]
        else:
            continue
        if rows:
            data[f"{model._meta.app_label}.{model._meta.model_name}:{rel.field.name}"] = rows
    return data


def personal_data_collect(user: User) -> dict:
    data = {
        "generated_at": timezone.now().isoformat(),
        "user": {
            "email": user.email,
            "name": user.name,
            "language": user.language,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "roles": list(user.groups.values_list("name", flat=True)),
        },
        "related_to_user": _related_rows(user),
    }
    leader = Leader.objects.filter(user=user).select_related("organisation").first()
    if leader is not None:
        data["leader"] = {
            "organisation": leader.organisation.name,
            "title": leader.title,
            "level": leader.level,
            "top_leader_since": leader.top_leader_since.isoformat() if leader.top_leader_since else None,
        }
        data["related_to_leader"] = _related_rows(leader)
    data["audit_entries_as_actor"] = AuditEntry.objects.filter(actor=user).count()
    return data


@transaction.atomic
def person_anonymise(*, user: User, by) -> None:
    """Remove a departed person's identity while keeping aggregate statistics intact."""
    original = user.email
    user.email = f"anonymisert-{user.pk}@anonymisert.invalid"
    user.name = "Anonymisert person"
    user.is_active = False
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    Leader.objects.filter(user=user).update(title="")
    for rel in User._meta.related_objects:
        name = rel.related_model._meta.model_name
        if name in {"emailaddress", "socialaccount", "authenticator"}:
            rel.related_model.objects.filter(**{rel.field.name: user}).delete()
    # Survey invitations say *that* someone was asked and answered; drop them so nothing
    # about the person remains. Responses never pointed at anyone and stay as they are.
    for rel in User._meta.related_objects:
        if rel.related_model._meta.label_lower == "surveys.invitation":
            rel.related_model.objects.filter(**{rel.field.name: user}).delete()
    # Outbox copies hold the address and names in the text: scrub them.
    for rel in User._meta.related_objects:
        if rel.related_model._meta.label_lower == "toppleder.outboxmessage":
            model = rel.related_model
            fields = {f.name for f in model._meta.concrete_fields}
            scrub = {k: "" for k in ("subject", "body_text", "body_html", "ics") if k in fields}
            if "to_email" in fields:
                scrub["to_email"] = user.email
            model.objects.filter(**{rel.field.name: user}).update(**scrub)
    # Sign the person out everywhere.
    # Through the session engine, so a cached copy goes too (SESSION_ENGINE is cached_db).
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for s in DjangoSession.objects.filter(expire_date__gte=timezone.now()).iterator():
        if s.get_decoded().get("_auth_user_id") == str(user.pk):
            store(session_key=s.session_key).delete()
    # The audit trail keeps the event; the departed person's address leaves it too.
    AuditEntry.objects.filter(actor_label=original).update(actor_label=user.email)
    record(action=AuditEntry.Action.ANONYMISE, user=by, obj=user)
