from toppleder.permissions import is_admin, is_hr, leader_of


def portal(request):
    """Role flags the base template needs for navigation (cached per request on the user)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"is_hr": False, "is_admin": False, "current_leader": None}
    return {"is_hr": is_hr(user), "is_admin": is_admin(user), "current_leader": leader_of(user)}
