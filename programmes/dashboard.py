"""The programme panels of the dashboard at "/": the leader's "Mitt program" and HR's overview.

Each function returns the context for its panel template (or None to hide it). Every
list is a fixed-size query with its counts in the database, so "/" costs the same
number of queries for 10 leaders as for 5,000.
"""

from datetime import timedelta
from types import SimpleNamespace

from django.db import connection
from django.db.models import Count, F, Q, Value
from django.utils import timezone

from programmes import selectors
from programmes.models import EnrolmentCount, Registration, Session
from toppleder.dashboard import panel
from toppleder.pages import lists_in_one_query, url_per_row
from toppleder.permissions import leader_of

PANEL_ROWS = 8
SESSION_ROWS = 3  # the leader's next sessions; the programme page lists them all
COMMITMENT_ROWS = 5
ATTENDANCE_LOOKBACK = timedelta(days=7)  # sessions held this past week
# The registrations of sessions already held that the leader's history lists.
HELD_STATUSES = [s for s in Registration.Status.values if s != Registration.Status.CANCELLED]
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
    "offered_count",
    "online_capacity",  # a hybrid session full in the room may have places online
    "online_confirmed_count",
    "online_offered_count",
    "programme_id",
)


@panel("leader", template="programmes/panels/next_sessions.html", order=10)
def next_sessions(request):
    """Each upcoming session once, with the leader's own status and the one button that fits;
    the sessions already held (with attendance) folded away below."""
    leader = leader_of(request.user)
    if leader is None:
        return None
    # Only the columns the rows show (no descriptions, no programme row). The sessions already
    # held are the leader's registrations read from the session side (the same columns and
    # own-registration annotations as the upcoming ones), so both lists are one round trip.
    upcoming = selectors.sessions_upcoming_for(leader).select_related(None).only(*CARD_FIELDS)
    # The annotations after the filter read the registration the filter joined (one per
    # leader and session: a unique constraint).
    held = (
        Session.objects.filter(
            registrations__leader=leader,
            registrations__status__in=HELD_STATUSES,
            starts_at__lt=timezone.now(),
        )
        .annotate(**selectors.own_registration_columns("registrations"))
        .only(*CARD_FIELDS)
        .order_by("-starts_at", "-my_registration_id")
    )
    lists = lists_in_one_query(
        {"upcoming": upcoming[:SESSION_ROWS], "held": held[:PANEL_ROWS]},
        order={
            "upcoming": lambda s: (s.starts_at, s.pk),
            "held": lambda s: (-s.starts_at.timestamp(), -s.my_registration_id),
        },
    )
    # The template lists the held ones as the leader's registrations (status, attendance, session).
    history = [
        Registration(pk=s.my_registration_id, session=s, status=s.my_status, attendance=s.my_attendance)
        for s in lists["held"]
    ]
    detail = url_per_row("programmes:session_detail")
    for s in (*lists["upcoming"], *lists["held"]):
        s.url = detail(s.pk)
    return {"sessions": lists["upcoming"], "history": history, "next": "/"}


@panel("leader", template="programmes/panels/my_commitments.html", order=40)
def my_commitments(request):
    leader = leader_of(request.user)
    if leader is None:
        return None
    from programmes.forms import CommitmentStatusForm
    from programmes.models import Commitment

    # One query over the party links of the leader's first commitments gives each commitment
    # and its parties (`party_list`) at once; the panel does not list organisations.
    # Open ones only (done and dropped ones are in the development record), the next due first.
    first = (
        selectors.commitments_for(leader)
        .exclude(status__in=[Commitment.Status.DONE, Commitment.Status.DROPPED])
        .prefetch_related(None)
        .values("pk")[:COMMITMENT_ROWS]
    )
    # Only the columns the panel shows (the text, status, due date and follow-up, the parties'
    # names, the factor of the survey action it is) as plain rows, not four models per row.
    rows = (
        Commitment.parties.through.objects.filter(commitment__in=first)
        .order_by("commitment__status", "commitment__due_date", "commitment_id", "leader__user__name")
        .values_list(
            "commitment_id",
            *(f"commitment__{f}" for f in ("text", "status", "due_date", "follow_up")),
            "commitment__survey_action__factor",
            "leader_id",
            "leader__user__name",
            "leader__user__email",
        )
    )
    # A commitment made as an action on a survey figure says which factor it answers (it is
    # listed here only, not again under the survey actions); the label is the action's own.
    action_model = Commitment.survey_action.related.related_model
    commitments = {}
    for pk, text, status, due_date, follow_up, factor, party_id, name, email in rows:
        c = commitments.get(pk)
        if c is None:
            c = commitments[pk] = Commitment(pk=pk, text=text, status=status, due_date=due_date, follow_up=follow_up)
            c.party_list = []
            c.from_factor = action_model(factor=factor).factor_label if factor else ""
        c.party_list.append(SimpleNamespace(pk=party_id, name=name or email))
    # The status form's fields are written out in the template (one per commitment, ids
    # prefixed with the commitment as CommitmentStatusForm(prefix=f"c{pk}") would give them).
    fields = CommitmentStatusForm.base_fields
    return {
        "commitments": list(commitments.values()),
        "statuses": Commitment.Status.choices,
        "me_id": leader.pk,
        "labels": {"status": fields["status"].label, "follow_up": fields["follow_up"].label},
    }


@panel("hr", template="programmes/panels/hr_programmes.html", order=10)
def hr_programmes(request):
    overview = selectors.hr_overview()
    return {"programmes": list(overview["programmes"][:PANEL_ROWS])}


@panel("hr", template="programmes/panels/hr_sessions.html", order=20)
def hr_sessions(request):
    """Upcoming sessions and this month's: two limited lists in one round trip (UNION ALL;
    the seat counters are on the rows), split again here."""
    overview = selectors.hr_overview()
    upcoming = Session.objects.published().upcoming().select_related("programme").order_by("starts_at", "pk")
    parts = {
        "upcoming": upcoming[:PANEL_ROWS],
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


@panel("hr", template="programmes/panels/hr_enrolment.html", order=70)
def hr_enrolment(request):
    """Active enrolments in programmes that are not closed, per organisation (summed from the
    database's counts per programme and organisation), and from those rows per sector."""
    per_org = selectors.enrolments_per_organisation(EnrolmentCount.objects.exclude(programme__status="closed"))
    sectors: dict = {}
    for r in per_org:
        row = sectors.setdefault(r["sector"], {"sector": r["sector"], "count": 0, "organisations": 0})
        row["count"] += r["count"]
        row["organisations"] += 1
    by_sector = sorted(sectors.values(), key=lambda r: (r["sector"] is None, r["sector"] or ""))
    by_org = sorted(per_org, key=lambda r: -r["count"])[: PANEL_ROWS * 2]  # stable: by name within a count
    total = sum(r["count"] for r in per_org)
    return {"by_sector": by_sector, "by_org": by_org, "total": total, "organisations": len(per_org)}


@panel("hr", template="programmes/panels/hr_needs_action.html", order=1)
def hr_needs_action(request):
    """What HR should act on, first on the page: waiting lists and seats offered, sessions held
    this past week whose attendance is not recorded, commitments past their due date. A fixed
    number of rows each, counted in the database."""
    from django.db.models import IntegerField, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    from programmes.models import Commitment

    now = timezone.now()
    fields = ("id", "title", "starts_at", "capacity", "confirmed_count", "waitlist_count", "offered_count")
    waiting = (
        Session.objects.published()
        .upcoming()
        .filter(Q(waitlist_count__gt=0) | Q(offered_count__gt=0))
        .annotate(unrecorded=Value(0, output_field=IntegerField()))
        .only(*fields)
        .order_by("starts_at", "pk")
    )
    not_recorded = (
        Registration.objects.filter(
            session=OuterRef("pk"),
            status=Registration.Status.CONFIRMED,
            attendance=Registration.Attendance.UNKNOWN,
        )
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    unrecorded = (
        Session.objects.filter(
            status=Session.Status.PUBLISHED, starts_at__lte=now, starts_at__gte=now - ATTENDANCE_LOOKBACK
        )
        .annotate(unrecorded=Coalesce(Subquery(not_recorded, output_field=IntegerField()), 0))
        .filter(unrecorded__gt=0)
        .only(*fields)
        .order_by("starts_at", "pk")
    )
    # Both session lists in one round trip (the same columns: the seat counters are on the row).
    lists = lists_in_one_query(
        {"waiting": waiting[:PANEL_ROWS], "unrecorded": unrecorded[:PANEL_ROWS]},
        order={"waiting": lambda s: (s.starts_at, s.pk), "unrecorded": lambda s: (s.starts_at, s.pk)},
    )
    # The first overdue commitments with their parties' names, and how many are overdue in
    # all: one query (a row per commitment and party; a commitment without parties has one).
    overdue = selectors.commitments_overdue().prefetch_related(None).select_related(None)
    total = overdue.order_by().annotate(one=Value(1)).values("one").annotate(n=Count("pk")).values("n")
    rows = (
        Commitment.objects.filter(pk__in=overdue.values("pk")[:PANEL_ROWS])
        .annotate(overdue_total=Subquery(total, output_field=IntegerField()))
        .order_by("due_date", "pk", "parties__user__name", "parties__pk")
        .values(
            "pk",
            "text",
            "due_date",
            "session_id",
            "overdue_total",
            "parties__user__name",
            "parties__organisation__name",
        )
    )
    commitments: dict = {}
    overdue_total = 0
    for row in rows:
        overdue_total = row["overdue_total"]
        c = commitments.get(row["pk"])
        if c is None:
            c = commitments[row["pk"]] = Commitment(
                pk=row["pk"], text=row["text"], due_date=row["due_date"], session_id=row["session_id"]
            )
            c.party_list = []
        if row["parties__user__name"] is not None:
            c.party_list.append(
                SimpleNamespace(
                    name=row["parties__user__name"],
                    organisation=SimpleNamespace(name=row["parties__organisation__name"]),
                )
            )
    return {
        "waiting": lists["waiting"],
        "unrecorded": lists["unrecorded"],
        "overdue": list(commitments.values()),
        "overdue_total": overdue_total,
    }


@panel("leader", template="programmes/panels/my_courses_projects.html", order=45, side=True)
def my_courses_and_projects(request):
    """The leader's leader-group courses and collaboration projects (hidden when there are none)."""
    leader = leader_of(request.user)
    if leader is None:
        return None
    from django.db.models import CharField

    from programmes.models import CollaborationProject

    # Both lists in one round trip: (pk, title, status) rows.
    def rows(qs, status):
        return qs.annotate(_status=status).order_by("title", "pk").values_list("pk", "title", "_status")[:PANEL_ROWS]

    lists = lists_in_one_query(
        {
            "courses": rows(selectors.courses_visible_to(request.user), Value("", output_field=CharField())),
            "projects": rows(selectors.projects_visible_to(request.user), F("status")),
        },
    )
    if not lists["courses"] and not lists["projects"]:
        return None
    labels = dict(CollaborationProject.Status.choices)
    return {
        "courses": [{"pk": pk, "title": title} for pk, title, _status in lists["courses"]],
        "projects": [
            {"pk": pk, "title": title, "status_label": labels.get(status, status)}
            for pk, title, status in lists["projects"]
        ],
    }
