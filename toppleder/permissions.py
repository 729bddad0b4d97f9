"""Who may do what: role and object predicates in one place (django-rules).

Views ask `request.user.has_perm("programmes.manage", obj)`, templates use
`{% has_perm %}`, tests use the same names; nobody re-derives a role by hand.
Object-scoped access helpers (`get_<noun>_for_user`) live beside each app's selectors
and raise Http404 for another person's object, PermissionDenied for a missing role.
"""

import rules
from django.core.exceptions import PermissionDenied

from toppleder.models import ROLE_ADMIN, ROLE_HR


def _group_names(user) -> frozenset:
    # Cached on the user object: templates ask several times per page.
    if not hasattr(user, "_role_names"):
        user._role_names = (
            frozenset(user.groups.values_list("name", flat=True)) if user.is_authenticated else frozenset()
        )
    return user._role_names


@rules.predicate
def is_admin(user) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or ROLE_ADMIN in _group_names(user)))


@rules.predicate
def is_hr(user) -> bool:
    """HR staff; administrators can do everything HR can."""
    return bool(user.is_authenticated and (ROLE_HR in _group_names(user) or is_admin(user)))


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


@rules.predicate
def is_leader(user) -> bool:
    if not user.is_authenticated:
        return False
    _load_leader(user)
    try:
        return user.leader is not None
    except Exception:  # RelatedObjectDoesNotExist
        return False


def leader_of(user):
    """The user's Leader profile, or None."""
    return user.leader if is_leader(user) else None


is_staff_role = is_hr | is_admin

rules.add_perm("toppleder.manage_programmes", is_hr)
rules.add_perm("toppleder.view_admin_tools", is_admin)
rules.add_perm("toppleder.is_leader", is_leader)

# Reports (issue 7): HR and administrators get programme and session reports; only
# administrators export the summary across programmes. Leaders get their own record.
can_view_programme_reports = is_hr
can_export_summary = is_admin
rules.add_perm("toppleder.view_programme_reports", can_view_programme_reports)
rules.add_perm("toppleder.export_summary", can_export_summary)


def require_hr(user) -> None:
    """For views: a role without the right gets 403 (PermissionDenied)."""
    if not is_hr(user):
        raise PermissionDenied


def require_leader(user):
    """For views: the user's Leader profile, or 403 for someone without one."""
    leader = leader_of(user)
    if leader is None:
        raise PermissionDenied
    return leader
