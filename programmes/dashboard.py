"""The programme panels of the dashboard at "/": the leader's "Mitt program" and HR's overview.

Each function returns the context for its panel template (or None to hide it). Every
list is a fixed-size query with its counts in the database, so "/" costs the same
number of queries for 10 leaders as for 5,000.
"""

from django.db import connection
from django.db.models import Count, Value
from django.utils import timezone

from programmes import selectors
from programmes.models import ProgrammeEnrolment, Registration, Session
from toppleder.dashboard import panel
from toppleder.permissions import leader_of

PANEL_ROWS = 8
# What a session card or row on the dashboard shows (with the sign-up button's rule).
CARD_FIELDS = (
    "id",
    "title",
    "starts_at",
    "ends_at",
    "place",
    "format",
    "status",
    "registration_deadline",
    "capacity",
    "confirmed_count",
    "programme_id",
)


@panel("leader", template="programmes/panels/next_sessions.html", order=10)
def next_sessions(request):
    leader = leader_of(request.user)
    if leader is None:
        return None
    # Only the columns the cards show (no descriptions, no programme row).
    sessions = selectors.sessions_upcoming_for(leader).select_related(None).only(*CARD_FIELDS)
    return {"sessions": list(sessions[:PANEL_ROWS])}


@panel("leader", template="programmes/panels/my_registrations.html", order=20)
def my_registrations(request):
    leader = leader_of(request.user)
    if leader is None:
        return None
    now = timezone.now()
    mine = (
        selectors.registrations_for(leader)
        .exclude(status=Registration.Status.CANCELLED)
        .select_related(None)
        .select_related("session")
        .only("pk", "status", "waitlist_position", "attendance", "session_id", *(f"session__{f}" for f in CARD_FIELDS))
    )
    upcoming = mine.filter(session__starts_at__gte=now).order_by("session__starts_at", "pk")[:PANEL_ROWS]
    history = mine.filter(session__starts_at__lt=now)[:PANEL_ROWS]
    if not connection.features.supports_slicing_ordering_in_compound:  # SQLite: two queries
        return {"upcoming": list(upcoming), "history": list(history), "next": "/"}
    # One round trip for both lists (UNION ALL of the two limited queries), split again here.
    rows = list(upcoming.union(history, all=True))
    return {
        "upcoming": sorted((r for r in rows if r.session.starts_at >= now), key=lambda r: (r.session.starts_at, r.pk)),
        "history": sorted(
            (r for r in rows if r.session.starts_at < now), key=lambda r: (r.session.starts_at, r.pk), reverse=True
        ),
        "next": "/",
    }


@panel("leader", template="programmes/panels/my_commitments.html", order=40)
def my_commitments(request):
    leader = leader_of(request.user)
    if leader is None:
        return None
    from programmes.forms import CommitmentStatusForm
    from programmes.models import Commitment

    # One query over the party links of the leader's first commitments gives each commitment
    # and its parties (`party_list`) at once; the panel does not list organisations.
    first = selectors.commitments_for(leader).prefetch_related(None).values("pk")[: PANEL_ROWS * 2]
    links = (
        Commitment.parties.through.objects.filter(commitment__in=first)
        .select_related("commitment__session", "leader__user", "leader__organisation")
        .order_by("commitment__status", "commitment__due_date", "commitment_id", "leader__user__name")
    )
    commitments = {}
    for link in links:
        c = commitments.get(link.commitment_id)
        if c is None:
            c = commitments[link.commitment_id] = link.commitment
            c.party_list = []
            c.form = CommitmentStatusForm(initial={"status": c.status}, prefix=f"c{c.pk}")
        c.party_list.append(link.leader)
    return {"commitments": list(commitments.values()), "statuses": Commitment.Status.choices}


@panel("hr", template="programmes/panels/hr_programmes.html", order=10)
def hr_programmes(request):
    overview = selectors.hr_overview()
    return {"programmes": list(overview["programmes"][:PANEL_ROWS])}


@panel("hr", template="programmes/panels/hr_sessions.html", order=20)
def hr_sessions(request):
    """Upcoming sessions, those with a waiting list, and this month's: three limited lists in
    one round trip (UNION ALL; the seat counters are on the rows), split again here."""
    overview = selectors.hr_overview()
    upcoming = Session.objects.published().upcoming().select_related("programme").order_by("starts_at", "pk")
    parts = {
        "upcoming": upcoming[:PANEL_ROWS],
        "waiting": overview["waiting_lists"][:PANEL_ROWS],
        "this_month": overview["sessions_this_month"][: PANEL_ROWS * 3],
    }
    out = {"month_start": overview["month_start"]}
    if not connection.features.supports_slicing_ordering_in_compound:  # SQLite: a query each
        return {**out, **{name: list(qs) for name, qs in parts.items()}}
    tagged = [qs.annotate(_list=Value(name)) for name, qs in parts.items()]
    rows = list(tagged[0].union(*tagged[1:], all=True))
    for name in parts:
        out[name] = sorted((s for s in rows if s._list == name), key=lambda s: (s.starts_at, s.pk))
    return out


@panel("hr", template="programmes/panels/hr_enrolment.html", order=30)
def hr_enrolment(request):
    """Active enrolments in programmes that are not closed, per organisation (one grouped
    query), and from those rows per sector."""
    per_org = list(
        ProgrammeEnrolment.objects.active()
        .exclude(programme__status="closed")
        .values("leader__organisation_id", "leader__organisation__name", "leader__organisation__sector__name")
        .annotate(count=Count("pk"))
        .order_by()
    )
    sectors: dict = {}
    for r in per_org:
        name = r["leader__organisation__sector__name"]
        row = sectors.setdefault(name, {"leader__organisation__sector__name": name, "count": 0, "organisations": 0})
        row["count"] += r["count"]
        row["organisations"] += 1
    by_sector = sorted(
        sectors.values(),
        key=lambda r: (r["leader__organisation__sector__name"] is None, r["leader__organisation__sector__name"] or ""),
    )
    by_org = sorted(per_org, key=lambda r: (-r["count"], r["leader__organisation__name"]))[: PANEL_ROWS * 2]
    total = sum(r["count"] for r in per_org)
    return {"by_sector": by_sector, "by_org": by_org, "total": total, "organisations": len(per_org)}


@panel("hr", template="programmes/panels/hr_overdue_commitments.html", order=40)
def hr_overdue_commitments(request):
    """Open commitments past their due date, oldest first (a fixed number of rows, counted in the database)."""
    overdue = selectors.commitments_overdue()
    return {"commitments": list(overdue[: PANEL_ROWS * 2]), "total": overdue.count()}


@panel("leader", template="programmes/panels/my_courses_projects.html", order=45)
def my_courses_and_projects(request):
    """The leader's leader-group courses and collaboration projects (hidden when there are none)."""
    leader = leader_of(request.user)
    if leader is None:
        return None
    courses = list(selectors.courses_visible_to(request.user).order_by("title", "pk")[:PANEL_ROWS])
    projects = list(selectors.projects_visible_to(request.user).order_by("title", "pk")[:PANEL_ROWS])
    if not courses and not projects:
        return None
    return {"courses": courses, "projects": projects}
