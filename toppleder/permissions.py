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
from django.db.models import Q

from toppleder.models import ROLE_ADMIN, ROLE_FACILITATOR, ROLE_HR


def _group_names(user) -> frozenset:
    # Cached on the user object: a page asks several times.
    if not hasattr(user, "_role_names"):
        user._role_names = (
            frozenset(user.groups.values_list("name", flat=True)) if user.is_authenticated else frozenset()
        )
    return user._role_names


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
    costs no query, and a user without a profile (HR) is not asked again on every check."""
    from toppleder.models import Leader, User

    related = User.leader.related
    if related.is_cached(user):
        return
    leader = Leader.objects.select_related("organisation").filter(user_id=user.pk).first()
    if leader is not None:
        leader.user = user
    related.set_cached_value(user, leader)


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
