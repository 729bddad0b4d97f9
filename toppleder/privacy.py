"""Personal data (GDPR): what the portal holds about a person, and anonymising a person who left.

`personal_data_collect` walks every model that points at the person's User or Leader
row (found through Django's model meta, so a model added later is included without
touching this file) and returns plain data. Survey answers are not included: they are
anonymous by construction and cannot be traced back to anyone.

Anonymising a person who left is `toppleder.services.person_anonymise`.
"""

import calendar

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


def personal_records(instance):
    """(model, the field that points at the person, rows) for every kind of record that points at
    `instance` (a User or a Leader): the one walk the JSON and the PDF both read."""
    for rel in instance._meta.related_objects:
        model = rel.related_model
        if model._meta.model_name in SKIP:
            continue
        accessor = rel.get_accessor_name()
        if isinstance(rel, OneToOneRel):
            obj = getattr(instance, accessor, None) if hasattr(instance, accessor) else None
            rows = [obj] if obj is not None else []
        elif isinstance(rel, (ManyToOneRel, ManyToManyRel)):
            rows = list(getattr(instance, accessor).all()[:5000])
        else:
            continue
        if rows:
            yield model, rel.field, rows


def _related_rows(instance) -> dict[str, list[dict]]:
    return {
        f"{model._meta.app_label}.{model._meta.model_name}:{field.name}": [_row(o) for o in rows]
        for model, field, rows in personal_records(instance)
    }


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


ANONYMISED_DOMAIN = "@anonymisert.invalid"


def months_before(moment, months: int):
    """The same day `months` earlier (the month's last day when it is shorter: 31 March → 28 February)."""
    years, month0 = divmod(moment.month - 1 - months, 12)
    year, month = moment.year + years, month0 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def departed_due(*, now=None):
    """Leaders whose account was deactivated DEPARTED_RETENTION_MONTHS or more ago and who are
    not anonymised yet: what HR is asked to confirm (oldest first)."""
    from django.conf import settings
    from django.utils import timezone

    now = now or timezone.now()
    months = settings.DEPARTED_RETENTION_MONTHS
    cutoff = months_before(now, months)
    return (
        User.objects.filter(is_active=False, deactivated_at__lte=cutoff, leader__isnull=False)
        .exclude(email__endswith=ANONYMISED_DOMAIN)
        .select_related("leader__organisation")
        .order_by("deactivated_at", "pk")
    )
