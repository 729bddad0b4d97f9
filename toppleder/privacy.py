"""Personal data (GDPR): what the portal holds about a person, and anonymising a person who left.

`personal_data_collect` walks every model that points at the person's User or Leader
row (found through Django's model meta, so a model added later is included without
touching this file) and returns plain data. Survey answers are not included: they are
anonymous by construction and cannot be traced back to anyone.

Anonymising a person who left is `toppleder.services.person_anonymise`.
"""

from django.db.models import ManyToManyRel, ManyToOneRel, OneToOneRel
from django.utils import timezone

from toppleder.audit import SENSITIVE, AuditEntry
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
