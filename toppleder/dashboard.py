"""The role-aware dashboard at "/" is assembled from panels that each app registers.

An app's `dashboard.py` registers functions with `@panel("leader", order=..)` (or "hr");
each takes the request and returns a context dict for its template, or None to hide.
So each app owns its own part of "Mitt program" and of HR's overview.

A panel's HTML is cached per person, language and CSRF secret (a panel may hold a form)
until a table it read changes (toppleder/caching.py).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import translation

from toppleder import caching

# "facilitator": for people who run a group without being a leader or HR (external facilitators).
_PANELS: dict[str, list["Panel"]] = {"leader": [], "hr": [], "facilitator": []}


@dataclass(frozen=True)
class Panel:
    template: str
    order: int
    build: Callable

    @property
    def name(self) -> str:
        return f"{self.build.__module__}.{self.build.__qualname__}"


def panel(role: str, *, template: str, order: int = 50):
    def register(fn):
        _PANELS[role].append(Panel(template=template, order=order, build=fn))
        _PANELS[role].sort(key=lambda p: p.order)
        return fn

    return register


def render_panels(role: str, request) -> list[dict]:
    """`role`'s panels that have something to show, in order: {"template", "html", "context"}
    (context None when the HTML came from the cache)."""
    language = translation.get_language()
    keys = {
        p: caching.per_csrf_secret(request, f"dashboard-panel:{role}:{p.name}:{request.user.pk}:{language}")
        for p in _PANELS[role]
    }
    found = caching.cached_many(keys.values())
    out, fresh = [], {}
    for p in _PANELS[role]:
        key = keys[p]
        if key in found:
            html, context = found[key], None
        else:
            entry, (context, html) = caching.build_recorded(lambda p=p: _build(p, request))
            if entry is not None:
                fresh[key] = (entry[0], html)
        if html:
            out.append({"template": p.template, "html": html, "context": context})
    if fresh:
        caching.store_many(fresh)
    return out


def _build(p: Panel, request) -> tuple[dict | None, str]:
    context = p.build(request)
    return context, ("" if context is None else render_to_string(p.template, {"panel": context}, request=request))


# ---------------------------------------------------------------------------
# The core's own panels: HR overview figures, administrator links, the leader's profile.
# Each runs a fixed, small number of queries however much data there is.
# ---------------------------------------------------------------------------


def _url_or_none(name: str):
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name)
    except NoReverseMatch:
        return None


@panel("hr", template="toppleder/panels/hr_overview.html", order=5)
def hr_overview(request):
    """Figures for HR: organisations by kind, leaders by level, leader groups (3 queries)."""
    from django.db.models import Count

    from toppleder.models import Leader, LeaderGroup, Organisation

    org_counts = dict(Organisation.objects.values_list("kind").annotate(n=Count("pk")).order_by())
    level_counts = dict(Leader.objects.active().values_list("level").annotate(n=Count("pk")).order_by())
    groups = LeaderGroup.objects.count()
    return {
        "organisations": [(label, org_counts.get(value, 0)) for value, label in Organisation.Kind.choices],
        "organisations_total": sum(org_counts.values()),
        "levels": [(label, level_counts.get(value, 0)) for value, label in Leader.Level.choices],
        "leaders_total": sum(level_counts.values()),
        "leader_groups": groups,
    }


@panel("hr", template="toppleder/panels/admin_tools.html", order=90)
def admin_tools(request):
    """Administrators: shortcuts into the admin site (no queries)."""
    from toppleder.permissions import is_admin

    if not is_admin(request.user):
        return None
    links = [
        (_url_or_none("admin:toppleder_user_changelist"), "users"),
        (_url_or_none("admin:auth_group_changelist"), "groups"),
        (_url_or_none("admin:toppleder_organisation_changelist"), "organisations"),
        (_url_or_none("admin:toppleder_auditentry_changelist"), "audit"),
        (_url_or_none("admin:index"), "admin"),
    ]
    return {"links": {key: url for url, key in links if url}}


@panel("leader", template="toppleder/panels/leader_profile.html", order=90)
def leader_profile(request):
    """The signed-in leader's own profile: organisation, title, level, leader groups (1 query:
    the profile itself, with its organisation, was read once for the request by leader_of)."""
    from toppleder.permissions import leader_of

    leader = leader_of(request.user)
    if leader is None:
        return None
    return {"leader": leader, "groups": list(leader.leader_groups.all())}
