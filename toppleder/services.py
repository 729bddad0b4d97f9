"""State changes of the core: a person's own settings, and anonymising a person who left.

Like every service: keyword-only, in a transaction, recorded in the audit log.
"""

from importlib import import_module

from django.conf import settings
from django.contrib.sessions.models import Session as DjangoSession
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from toppleder import audit
from toppleder.audit import AuditEntry
from toppleder.models import Leader, NotificationPreference, User


@transaction.atomic
def user_set_language(*, user: User, language: str) -> User:
    """The language a person's pages, e-mails and PDFs use."""
    if language not in dict(User.Language.choices):
        raise ValidationError(_("Unknown language."))
    if user.language != language:
        was = user.language
        User.objects.filter(pk=user.pk).update(language=language)
        user.language = language
        audit.record(user, audit.UPDATE, [user], {"language": [was, language]}, event="user_set_language")
    return user


@transaction.atomic
def preferences_update(*, user: User, session_reminders: bool, survey_reminders: bool) -> NotificationPreference:
    """Which reminders `user` wants. Invitations and confirmations cannot be turned off."""
    existing = NotificationPreference.objects.filter(user=user).first()
    before = audit.values(existing) if existing else None
    preference, created = NotificationPreference.objects.update_or_create(
        user=user, defaults={"session_reminders": session_reminders, "survey_reminders": survey_reminders}
    )
    if created:
        audit.record(user, audit.CREATE, [preference], audit.created(preference), event="preferences_update")
    else:
        audit.record(user, audit.UPDATE, [preference], audit.diff(before, preference), event="preferences_update")
    return preference


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
    # One entry: the rows above are the person's own data, and listing them would put it back.
    audit.record(by, audit.Action.ANONYMISE, [user], event="person_anonymise")


@transaction.atomic
def departed_anonymise(*, by, user_ids) -> int:
    """HR confirms the retention rule for the people they ticked: each one still due (deactivated
    long enough ago, not anonymised yet) is anonymised, with its audit entry. Returns how many."""
    from toppleder.permissions import is_hr
    from toppleder.privacy import departed_due

    if not is_hr(by):
        raise PermissionDenied
    wanted = {int(pk) for pk in user_ids}
    if not wanted:
        raise ValidationError(_("Tick the people to anonymise."))
    due = list(departed_due().filter(pk__in=wanted).select_for_update(of=("self",)))
    for user in due:
        person_anonymise(user=user, by=by)
    return len(due)


@transaction.atomic
def roles_from_sso(*, user: User, groups: list[str], mapping: dict | None = None) -> User:
    """The roles single sign-on manages (OIDC_GROUP_ROLES: provider group id → role), set from the
    provider's group claim at sign-in: a listed group gives its role, a listed role whose group is
    gone is taken away; roles nobody mapped are left as they are. Recorded as the system's change."""
    from django.conf import settings
    from django.contrib.auth.models import Group

    mapping = settings.OIDC_GROUP_ROLES if mapping is None else mapping
    managed = set(mapping.values())
    wanted = {role for group_id, role in mapping.items() if group_id in set(groups)}
    before = sorted(user.groups.values_list("name", flat=True))
    remove = (managed & set(before)) - wanted
    add = wanted - set(before)
    if not add and not remove:
        return user
    user.groups.remove(*Group.objects.filter(name__in=remove))
    user.groups.add(*(Group.objects.get_or_create(name=name)[0] for name in sorted(add)))
    after = sorted(user.groups.values_list("name", flat=True))
    audit.record(
        None, audit.UPDATE, [user], {"groups": [before, after]}, event="roles_from_sso", label="single sign-on"
    )
    if hasattr(user, "_role_names"):
        del user._role_names
    return user
