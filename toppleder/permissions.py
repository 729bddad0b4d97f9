"""Roles: who is HR, who is an administrator, who is a facilitator, who is a leader. Plain
predicates, one place.

HR and administrator roles grant no access to any confidential note. A facilitator account
(an HR adviser, an external coach) grants nothing by itself either: what a facilitator sees
comes from being the *named* facilitator of a group (`reflection_groups.selectors.can_take_part`).
Who may be named is `can_facilitate` (and its queryset form, `facilitator_candidates`):
facilitator accounts and top leaders.

Views, templates (through `toppleder.context_processors.portal`) and services ask these
functions; nobody re-derives a role from the user's groups by hand. What a role may see of
one object is decided by that object kind's access helper in its app's `selectors.py`
(`session_for`, `group_for`, `note_for`, …), which builds on these predicates and answers
404 for another person's object.
"""

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import OuterRef, Q

from toppleder.models import ROLE_ADMIN, ROLE_FACILITATOR, ROLE_HR


def _group_names(user) -> frozenset:
    # Cached on the user object: a page asks several times.
    if not hasattr(user, "_role_names"):
        if user.is_authenticated:
            _load_profile(user)
        else:
            user._role_names = frozenset()
    return user._role_names


def _load_profile(user) -> None:
    """The user's role names and Leader profile (with its organisation), in one query (a
    LEFT JOIN from the user: one row per role), remembered on the user: nearly every page
    asks both (the roles for what it shows, the profile for the header), and they cost one
    round trip instead of two. Only what is not known yet is read."""
    from toppleder.models import Leader, Organisation, User

    related = User.leader.related
    if related.is_cached(user):
        user._role_names = frozenset(user.groups.values_list("name", flat=True))
        return
    if hasattr(user, "_role_names"):
        _load_leader_alone(user)
        return
    from django.db import connection

    leader_fields = [f.name for f in Leader._meta.concrete_fields]
    org_fields = [f.name for f in Organisation._meta.concrete_fields]
    qs = User.objects.filter(pk=user.pk)
    # The names of the leader's leader groups (their profile shows them) as an array, where
    # the database has arrays: a subquery on the same row rather than a query of its own.
    arrays = connection.vendor == "postgresql"
    if arrays:
        from django.contrib.postgres.expressions import ArraySubquery

        from toppleder.models import LeaderGroup

        names = LeaderGroup.objects.filter(members=OuterRef("leader__pk")).order_by("organisation__name", "name")
        qs = qs.annotate(_leader_group_names=ArraySubquery(names.values("name")))
    rows = list(
        qs.values_list(
            "groups__name",
            *(f"leader__{name}" for name in leader_fields),
            *(f"leader__organisation__{name}" for name in org_fields),
            *(["_leader_group_names"] if arrays else []),
        )
    )
    user._role_names = frozenset(row[0] for row in rows if row[0] is not None)
    leader = None
    if rows and rows[0][1] is not None:
        row = rows[0]
        end = 1 + len(leader_fields) + len(org_fields)
        leader = Leader.from_db("default", leader_fields, row[1 : 1 + len(leader_fields)])
        leader.organisation = Organisation.from_db("default", org_fields, row[1 + len(leader_fields) : end])
        leader.user = user
        if arrays:
            leader.leader_group_names = list(row[end] or [])
    related.set_cached_value(user, leader)


def is_admin(user) -> bool:
    return bool(user is not None and user.is_authenticated and (user.is_superuser or ROLE_ADMIN in _group_names(user)))


def is_hr(user) -> bool:
    """HR staff; administrators can do everything HR can."""
    return bool(user is not None and user.is_authenticated and (ROLE_HR in _group_names(user) or is_admin(user)))


def is_facilitator(user) -> bool:
    """Has a facilitator account (an HR adviser or an external coach); leaders who facilitate
    need no such account."""
    return bool(user is not None and user.is_authenticated and ROLE_FACILITATOR in _group_names(user))


def needs_staff_security(user) -> bool:
    """HR, administrators and facilitator accounts: MFA and the short idle timeout. A facilitator
    reads confidential notes, so an external coach's account is guarded like staff's."""
    return is_hr(user) or is_facilitator(user)


def facilitator_candidates():
    """Who may be named facilitator of a group: active facilitator accounts and active top
    leaders (the form's choices and the services' check; `can_facilitate` is the same rule)."""
    from toppleder.models import Leader, User

    return User.objects.filter(
        Q(groups__name=ROLE_FACILITATOR) | Q(leader__level=Leader.Level.TOP), is_active=True
    ).distinct()


def can_facilitate(user) -> bool:
    return bool(user is not None and user.pk and facilitator_candidates().filter(pk=user.pk).exists())


def _load_leader(user) -> None:
    """Fetch the user's Leader profile once per request, with its organisation (base.html
    shows it), and remember the answer on the user, "none" included: `user.leader` then
    costs no query, and a user without a profile (HR) is not asked again on every check.
    The roles come with it (`_load_profile`) unless they are known already."""
    from toppleder.models import User

    if User.leader.related.is_cached(user):
        return
    _load_profile(user)


def _load_leader_alone(user) -> None:
    from toppleder.models import Leader, User

    leader = Leader.objects.select_related("organisation").filter(user_id=user.pk).first()
    if leader is not None:
        leader.user = user
    User.leader.related.set_cached_value(user, leader)


def leader_of(user):
    """The user's Leader profile, or None (anonymous people and staff without a profile)."""
    if user is None or not user.is_authenticated:
        return None
    _load_leader(user)
    try:
        return user.leader
    except ObjectDoesNotExist:
        return None


def is_leader(user) -> bool:
    return leader_of(user) is not None


def require_hr(user) -> None:
    """For views: a role without the right gets 403 (PermissionDenied)."""
    if not is_hr(user):
        raise PermissionDenied


def require_admin(user) -> None:
    if not is_admin(user):
        raise PermissionDenied


def require_leader(user):
    """For views: the user's Leader profile, or 403 for someone without one."""
    leader = leader_of(user)
    if leader is None:
        raise PermissionDenied
    return leader


def is_group_top_leader(leader, group) -> bool:
    """The leader heads this leader group: a top leader (level 1) of the group's organisation
    who is a member of it. (Booking for a group also allows a named delegate, in programmes.)"""
    from toppleder.models import Leader

    return bool(
        leader is not None
        and group is not None
        and leader.level == Leader.Level.TOP
        and leader.organisation_id == group.organisation_id
        and group.members.filter(pk=leader.pk).exists()
    )
