"""The programme panels of the dashboard at "/": the leader's "Mitt program" and HR's overview.

Each function returns the context for its panel template (or None to hide it). Every
list is a fixed-size query with its counts in the database, so "/" costs the same
number of queries for 10 leaders as for 5,000.
"""

from django.db import connection
from django.db.models import Count
from django.utils import timezone

from programmes import selectors
from programmes.models import ProgrammeEnrolment, Registration, Session
from toppleder.dashboard import panel
from toppleder.permissions import leader_of

PANEL_ROWS = 8


@panel("leader", template="programmes/panels/next_sessions.html", order=10)
def next_sessions(request):
    leader = leader_of(request.user)
    if leader is None:
        return None
    return {"sessions": list(selectors.sessions_upcoming_for(leader, limit=PANEL_ROWS))}


@panel("leader", template="programmes/panels/my_registrations.html", order=20)
def my_registrations(request):
    leader = leader_of(request.user)
    if leader is None:
        return None
    now = timezone.now()
    mine = selectors.registrations_for(leader).exclude(status=Registration.Status.CANCELLED)
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
    overview = selectors.hr_overview()
    upcoming = selectors.with_seat_counts(Session.objects.published().upcoming().select_related("programme")).order_by(
        "starts_at", "pk"
    )
    return {
        "upcoming": list(upcoming[:PANEL_ROWS]),
        "waiting": list(overview["waiting_lists"][:PANEL_ROWS]),
        "this_month": list(overview["sessions_this_month"][: PANEL_ROWS * 3]),
        "month_start": overview["month_start"],
    }


@panel("hr", template="programmes/panels/hr_enrolment.html", order=30)
def hr_enrolment(request):
    """Active enrolments in programmes that are not closed, per sector and per organisation."""
    base = ProgrammeEnrolment.objects.active().exclude(programme__status="closed")
    by_sector = list(
        base.values("leader__organisation__sector__name")
        .annotate(count=Count("pk"), organisations=Count("leader__organisation", distinct=True))
        .order_by("leader__organisation__sector__name")
    )
    by_org = list(
        base.values("leader__organisation__name", "leader__organisation__sector__name")
        .annotate(count=Count("pk"))
        .order_by("-count", "leader__organisation__name")[: PANEL_ROWS * 2]
    )
    total = sum(r["count"] for r in by_sector)
    organisations = base.aggregate(n=Count("leader__organisation", distinct=True))["n"]
    return {"by_sector": by_sector, "by_org": by_org, "total": total, "organisations": organisations}


@panel("hr", template="programmes/panels/hr_overdue_commitments.html", order=40)
def hr_overdue_commitments(request):
    """Open commitments past their due date, oldest first (a fixed number of rows, counted in the database)."""
    overdue = selectors.commitments_overdue()
    return {"commitments": list(overdue[: PANEL_ROWS * 2]), "total": overdue.count()}
