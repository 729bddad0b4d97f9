"""The role-aware dashboard at "/" is assembled from panels that each app registers.

An app's `dashboard.py` registers functions with `@panel("leader", order=..)` (or "hr");
each takes the request and returns a context dict for its template, or None to hide.
So each app owns its own part of "Mitt program" and of HR's overview.

Panels are built on every visit: each is a few fixed-size queries read with what it shows,
so "/" costs about the same built as a cached copy would (a per-person cache of the panels
was measured not to pay: with hundreds of different leaders and sign-ups arriving, almost
every visit missed it; bench/README.md).
"""

from collections.abc import Callable
from dataclasses import dataclass

# "facilitator": for people who run a group without being a leader or HR (external facilitators).
_PANELS: dict[str, list["Panel"]] = {"leader": [], "hr": [], "facilitator": []}


@dataclass(frozen=True)
class Panel:
    template: str
    order: int
    build: Callable
    side: bool = False  # in the narrow column beside the main one (wide screens)

    @property
    def name(self) -> str:
        return f"{self.build.__module__}.{self.build.__qualname__}"


def panel(role: str, *, template: str, order: int = 50, side: bool = False):
    """Register a panel; `side`: it goes in the narrow column (what one glances at: groups,
    surveys, the profile), the main column holding what one acts on (sessions, commitments)."""

    def register(fn):
        _PANELS[role].append(Panel(template=template, order=order, build=fn, side=side))
        _PANELS[role].sort(key=lambda p: p.order)
        return fn

    return register


def build_panels(role: str, request) -> list[dict]:
    """`role`'s panels that have something to show, in order: {"template", "context", "side"}.
    The page includes each template with its context (`{% include %}`), so the panels share
    the page's template context: the context processors run once, not once per panel."""
    out = []
    for p in _PANELS[role]:
        context = p.build(request)
        if context is not None:
            out.append({"template": p.template, "context": context, "side": p.side})
    return out


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


@panel("hr", template="toppleder/panels/hr_overview.html", order=60)
def hr_overview(request):
    """Figures for HR: organisations by kind, leaders by level, leader groups (three grouped
    counts in one round trip: UNION ALL)."""
    from django.db.models import CharField, Count, Value
    from django.db.models.functions import Cast

    from toppleder.models import Leader, LeaderGroup, Organisation

    def grouped(qs, what: str, key):
        return qs.annotate(_what=Value(what), _key=key).values_list("_what", "_key").annotate(n=Count("pk")).order_by()

    rows = list(
        grouped(Organisation.objects.all(), "kind", Cast("kind", CharField())).union(
            grouped(Leader.objects.active(), "level", Cast("level", CharField())),
            grouped(LeaderGroup.objects.all(), "groups", Value("", output_field=CharField())),
            all=True,
        )
    )
    org_counts = {key: n for what, key, n in rows if what == "kind"}
    level_counts = {int(key): n for what, key, n in rows if what == "level"}
    groups = sum(n for what, _key, n in rows if what == "groups")
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


@panel("leader", template="toppleder/panels/leader_profile.html", order=90, side=True)
def leader_profile(request):
    """The signed-in leader's own profile: organisation, title, level, leader groups (no query
    on PostgreSQL: the profile, its organisation and its leader groups' names were read once
    for the request by leader_of)."""
    from toppleder.permissions import leader_of

    leader = leader_of(request.user)
    if leader is None:
        return None
    names = getattr(leader, "leader_group_names", None)
    if names is None:  # read without them (SQLite)
        names = [g.name for g in leader.leader_groups.all()]
    return {"leader": leader, "groups": names}
