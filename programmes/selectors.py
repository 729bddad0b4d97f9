"""Reads for programmes: the access helpers, and named queries that join what a page needs.

Access: every view, export and report gets a programme, session, commitment (and their
enrolments, registrations, contributors, materials) through the `<noun>_for(user, ...)`
helper below. It returns the object or raises Http404 when the user may not see it (another
person's object does not leak its existence); `manage=True` asks for HR's right to change it
(PermissionDenied, a 403, for other roles).
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from programmes.models import (
    CollaborationProject,
    Commitment,
    Contributor,
    Course,
    CourseSession,
    EnrolmentCount,
    GroupBooking,
    GroupDelegate,
    Material,
    Measure,
    MeasureArea,
    MeasureChange,
    Programme,
    ProgrammeEnrolment,
    Registration,
    Session,
)
from toppleder.models import Leader, LeaderGroup, Organisation
from toppleder.permissions import is_group_top_leader, is_hr, leader_of, require_hr

ACTIVE = [Registration.Status.CONFIRMED, Registration.Status.WAITLISTED]


# --------------------------------------------------------------------------- access
def open_to(leader: Leader) -> Q:
    """Sessions open to every enrolled leader, or reserved for a group the leader is in."""
    through = Session.reserved_for_groups.through
    reserved = through.objects.filter(session_id=OuterRef("pk"))
    mine = reserved.filter(leadergroup__members=leader)
    return ~Exists(reserved) | Exists(mine)


def programmes_visible_to(user) -> QuerySet:
    """HR: every programme. A leader: those they are enrolled in (not withdrawn) that are no
    longer drafts. Anyone else: none."""
    if is_hr(user):
        return Programme.objects.all()
    leader = leader_of(user)
    if leader is None:
        return Programme.objects.none()
    # A join, not EXISTS: a leader is enrolled in a programme at most once (a unique
    # constraint), so it adds no rows, and it is cheaper to build and to plan (several panels
    # of "/" nest this rule).
    return Programme.objects.filter(
        enrolments__leader=leader, enrolments__status=ProgrammeEnrolment.Status.ENROLLED
    ).exclude(status=Programme.Status.DRAFT)


def programme_for(user, pk, *, manage: bool = False) -> Programme:
    if manage:
        require_hr(user)
    return get_object_or_404(programmes_visible_to(user), pk=pk)


def sessions_visible_to(user) -> QuerySet:
    """HR: every session. A leader: the published and past sessions of their programmes that
    are open to them. Anyone else: none."""
    if is_hr(user):
        return Session.objects.all()
    leader = leader_of(user)
    if leader is None:
        return Session.objects.none()
    return (
        Session.objects.filter(programme__in=programmes_visible_to(user))
        .exclude(status=Session.Status.DRAFT)
        .filter(open_to(leader))
    )


def session_for(user, pk, *, manage: bool = False) -> Session:
    if manage:
        require_hr(user)
    return get_object_or_404(sessions_visible_to(user).select_related("programme"), pk=pk)


def enrolment_for(user, programme_pk, pk) -> ProgrammeEnrolment:
    """An enrolment, for HR managing the programme."""
    programme = programme_for(user, programme_pk, manage=True)
    return get_object_or_404(
        ProgrammeEnrolment.objects.select_related("leader__user", "programme"), pk=pk, programme=programme
    )


def waiting_registration_for(user, session_pk, pk) -> Registration:
    """A registration on a session's waiting list, for HR moving it."""
    session = session_for(user, session_pk, manage=True)
    return get_object_or_404(
        Registration.objects.select_related("session"), pk=pk, session=session, status=Registration.Status.WAITLISTED
    )


def own_registration_for(session: Session, leader: Leader) -> Registration:
    """The leader's active registration for a session (already found through session_for), or 404."""
    return get_object_or_404(
        Registration.objects.exclude(status=Registration.Status.CANCELLED), session=session, leader=leader
    )


def can_book_for_group(leader: Leader | None, group: LeaderGroup | None) -> bool:
    """The group's top leader, or a delegate named for the group, may book seats for it."""
    if leader is None or group is None:
        return False
    return is_group_top_leader(leader, group) or GroupDelegate.objects.filter(group=group, leader=leader).exists()


def groups_bookable_by(leader: Leader | None) -> QuerySet:
    """The leader groups this leader may book seats for (as top leader or delegate)."""
    if leader is None:
        return LeaderGroup.objects.none()
    heads = (
        Q(members=leader, organisation_id=leader.organisation_id) if leader.level == Leader.Level.TOP else Q(pk__in=[])
    )
    return LeaderGroup.objects.filter(heads | Q(booking_delegates__leader=leader)).distinct().order_by("name", "pk")


def group_bookings_panel(session: Session, leader: Leader) -> dict:
    """For the session page: the groups this leader may book for, and their bookings of this
    session with each member's registration (two queries, whatever the numbers)."""
    groups = list(groups_bookable_by(leader))
    if not groups:
        return {}
    bookings = list(
        GroupBooking.objects.filter(session=session, group__in=groups)
        .select_related("group")
        .prefetch_related(
            Prefetch(
                "registrations",
                queryset=Registration.objects.exclude(status=Registration.Status.CANCELLED)
                .select_related("leader__user")
                .order_by("leader__user__name", "pk"),
            )
        )
        .order_by("created_at", "pk")
    )
    for b in bookings:
        b.members_now = list(b.registrations.all())
        b.has_offer = any(r.status == Registration.Status.OFFERED for r in b.members_now)
    return {"bookable_groups": groups, "group_bookings": bookings}


def bookable_group_for(user, pk) -> LeaderGroup:
    """A leader group the user may book seats for (its top leader or a delegate), or 404."""
    return get_object_or_404(groups_bookable_by(leader_of(user)), pk=pk)


def group_booking_for(user, session: Session, pk) -> GroupBooking:
    """A group booking of this session (found through session_for), for the group's top leader
    or delegate; anyone else gets a 404."""
    booking = get_object_or_404(GroupBooking.objects.select_related("group", "session"), pk=pk, session=session)
    if not can_book_for_group(leader_of(user), booking.group):
        raise Http404
    return booking


def cancelled_registration_for(session: Session, leader: Leader) -> Registration:
    """The leader's own cancelled registration for a session (to undo the cancellation), or 404."""
    return get_object_or_404(
        Registration.objects.filter(status=Registration.Status.CANCELLED), session=session, leader=leader
    )


def seat_free(session: Session) -> bool:
    """A seat nobody holds or has been offered, read from the session row's counters."""
    capacity, confirmed, offered = (
        Session.objects.filter(pk=session.pk).values_list("capacity", "confirmed_count", "offered_count").get()
    )
    return confirmed + offered < capacity


def contributor_for(user, session_pk, pk) -> Contributor:
    return get_object_or_404(Contributor, pk=pk, session=session_for(user, session_pk, manage=True))


def material_for(user, session_pk, pk, *, manage: bool = False) -> Material:
    return get_object_or_404(Material, pk=pk, session=session_for(user, session_pk, manage=manage))


def leader_for_feed(token: str) -> Leader:
    """The leader whose personal calendar feed this is: the token is the credential (no sign-in;
    calendar apps cannot sign in). An unknown token is a 404."""
    return get_object_or_404(Leader.objects.select_related("user"), calendar_token=token)


def commitment_for(user, pk) -> Commitment:
    """HR: any commitment. A leader: the commitments they are party to."""
    if is_hr(user):
        return get_object_or_404(Commitment, pk=pk)
    leader = leader_of(user)
    if leader is None:
        raise Http404
    return get_object_or_404(Commitment.objects.filter(parties=leader), pk=pk)


def measure_for(user, area_key, pk) -> Measure:
    """A measure, for HR changing its status or owner."""
    require_hr(user)
    return get_object_or_404(Measure, pk=pk, area__key=area_key)


# --------------------------------------------------------------------------- reads


def programmes_for_user(user) -> QuerySet:
    """The programmes the user may see (programmes_visible_to), with enrolment and session counts."""
    enrolled = (
        ProgrammeEnrolment.objects.active()
        .filter(programme=OuterRef("pk"))
        .order_by()
        .values("programme")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    sessions = (
        Session.objects.filter(programme=OuterRef("pk"))
        .exclude(status=Session.Status.DRAFT)
        .order_by()
        .values("programme")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return (
        programmes_visible_to(user)
        .annotate(
            enrolled_count=Coalesce(Subquery(enrolled, output_field=IntegerField()), Value(0)),
            session_count=Coalesce(Subquery(sessions, output_field=IntegerField()), Value(0)),
        )
        .order_by("-created_at")
    )


def sessions_upcoming_for(leader: Leader, limit: int | None = None) -> QuerySet:
    """Published upcoming sessions of the leader's programmes that are open to them.

    Each carries its seat counters and the leader's own registration: `my_status`
    (None, confirmed, waitlisted, cancelled), `my_position`, `my_registration_id`,
    `my_attendance`.
    """
    # The enrolment is a join (one per leader and programme: a unique constraint), and each
    # step is one call: "/" builds this for every visit, and every chained call copies the
    # query.
    qs = (
        Session.objects.filter(
            open_to(leader),
            status=Session.Status.PUBLISHED,
            starts_at__gte=timezone.now(),
            programme__enrolments__leader=leader,
            programme__enrolments__status=ProgrammeEnrolment.Status.ENROLLED,
        )
        # The leader's own registration (at most one per session: a unique constraint) as one
        # LEFT JOIN rather than correlated subqueries.
        .annotate(
            own=FilteredRelation("registrations", condition=Q(registrations__leader=leader)),
            **own_registration_columns("own"),
        )
        .select_related("programme")
        .order_by("starts_at", "pk")
    )
    return qs[:limit] if limit else qs


def own_registration_columns(relation: str) -> dict:
    """The leader's own registration read on a session row through `relation` (a filtered or
    filtering join on the registrations): the annotations the session cards show."""
    return {
        "my_status": F(f"{relation}__status"),
        "my_position": F(f"{relation}__waitlist_position"),
        "my_registration_id": F(f"{relation}__id"),
        "my_attendance": F(f"{relation}__attendance"),
    }


def registrations_for(leader: Leader) -> QuerySet:
    """The leader's registrations (newest session first), with session and programme."""
    return (
        Registration.objects.filter(leader=leader)
        .select_related("session", "session__programme")
        .order_by("-session__starts_at", "-pk")
    )


def session_detail(pk: int, queryset: QuerySet | None = None) -> Session:
    """One session with counts, programme, contributors, materials, measures and groups (404 if missing).

    `queryset` narrows where to look (the sessions a user may see), so the access check and
    the page's read are one query."""
    qs = (
        (Session.objects.all() if queryset is None else queryset)
        .select_related("programme")
        .prefetch_related(
            "contributors",
            "materials",
            Prefetch("measures", queryset=Measure.objects.select_related("area")),
            "reserved_for_groups",
        )
    )
    return get_object_or_404(qs, pk=pk)


def enrolments_per_organisation(counts: QuerySet) -> list[dict]:
    """Active enrolments per organisation, summed from the counts the database keeps per
    programme and organisation (`counts`, a queryset of `EnrolmentCount`: one programme's or
    several): rows of `organisation_id`, `organisation`, `kind`, `sector_id`, `sector`,
    `count`, by the organisation's name. Reads a row per organisation and programme, not one
    per enrolment, so it costs the same at 200 enrolments as at 20,000."""
    return list(
        counts.values("organisation_id")
        .annotate(
            count=Sum("count"),
            kind=Min("organisation__kind"),
            sector_id=Min("organisation__sector_id"),
            sector=Min("organisation__sector__name"),
        )
        # Last: from here on `organisation` names the annotation, no longer the relation.
        .annotate(organisation=Min("organisation__name"))
        .filter(count__gt=0)
        .order_by("organisation", "organisation_id")
    )


def enrolment_summary(programme: Programme) -> dict:
    """Active enrolments counted per organisation (the database's counts), and from those rows
    per sector."""
    by_org = enrolments_per_organisation(EnrolmentCount.objects.filter(programme=programme))
    sectors: dict = {}
    for r in by_org:
        row = sectors.setdefault(
            r["sector_id"], {"sector_id": r["sector_id"], "sector": r["sector"], "count": 0, "organisations": 0}
        )
        row["count"] += r["count"]
        row["organisations"] += 1
    return {
        "total": sum(row["count"] for row in by_org),
        "by_organisation": [
            {k: r[k] for k in ("organisation_id", "organisation", "kind", "sector", "count")} for r in by_org
        ],
        # Sorted as the database sorted by name before (no sector last).
        "by_sector": sorted(sectors.values(), key=lambda r: (r["sector"] is None, r["sector"] or "")),
    }


def enrolments_for(programme: Programme) -> QuerySet:
    """Enrolments with leader, user, organisation and sector (for lists and exports)."""
    return (
        ProgrammeEnrolment.objects.filter(programme=programme)
        .select_related("leader__user", "leader__organisation__sector", "via_group")
        .order_by("leader__organisation__name", "leader__user__name")
    )


def sessions_fill_rates(programme: Programme) -> QuerySet:
    """Every session of the programme (seat counters and fill percentage on the row)."""
    return Session.objects.filter(programme=programme).select_related("programme").order_by("starts_at", "pk")


def waitlist(session: Session) -> QuerySet:
    """The waiting list in order, with each leader's organisation."""
    return (
        Registration.objects.filter(session=session, status=Registration.Status.WAITLISTED)
        .select_related("leader__user", "leader__organisation")
        .order_by("waitlist_position", "created_at", "pk")
    )


def waitlist_and_offers(session: Session) -> tuple[list, list]:
    """(the waiting list in order, the seats offered and not yet answered), in one query."""
    rows = list(
        Registration.objects.filter(
            session=session, status__in=[Registration.Status.WAITLISTED, Registration.Status.OFFERED]
        )
        .select_related("leader__user", "leader__organisation")
        .order_by("offer_expires_at", "waitlist_position", "created_at", "pk")
    )
    waiting = [r for r in rows if r.status == Registration.Status.WAITLISTED]
    return waiting, [r for r in rows if r.status == Registration.Status.OFFERED]


def session_registrations(session: Session) -> QuerySet:
    """Active registrations of a session (attendance form, exports): confirmed first."""
    return (
        Registration.objects.filter(session=session, status__in=ACTIVE)
        .select_related("leader__user", "leader__organisation")
        .annotate(
            status_order=Case(
                When(status=Registration.Status.CONFIRMED, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("status_order", "waitlist_position", "leader__user__name")
    )


def commitments_overdue(today=None) -> QuerySet:
    """Open or in-progress commitments whose due date has passed (HR's overdue list), oldest first."""
    today = today or timezone.localdate()
    return (
        Commitment.objects.filter(
            status__in=[Commitment.Status.OPEN, Commitment.Status.IN_PROGRESS], due_date__lt=today
        )
        .select_related("programme", "session")
        .prefetch_related(Prefetch("parties", queryset=Leader.objects.select_related("user", "organisation")))
        .order_by("due_date", "pk")
    )


def commitments_for(leader: Leader) -> QuerySet:
    """Commitments the leader is party to, with programme, session, parties and organisations."""
    return (
        Commitment.objects.filter(parties=leader)
        .select_related("programme", "session")
        .prefetch_related(
            Prefetch("parties", queryset=Leader.objects.select_related("user", "organisation")),
            "organisations",
        )
        .order_by("status", "due_date", "pk")
    )


def commitments_with_parties(commitments: QuerySet) -> list[Commitment]:
    """The commitments, each with `party_list` (leaders with user and organisation), from one
    query over the party links (a commitment without parties is not listed)."""
    links = (
        Commitment.parties.through.objects.filter(commitment__in=commitments.values("pk"))
        .select_related("commitment", "leader__user", "leader__organisation")
        .order_by("commitment__due_date", "commitment_id", "leader__user__name")
    )
    out: dict[int, Commitment] = {}
    for link in links:
        c = out.get(link.commitment_id)
        if c is None:
            c = out[link.commitment_id] = link.commitment
            c.party_list = []
        c.party_list.append(link.leader)
    return list(out.values())


def _measure_actions():
    """The actions made from survey results that update a measure (`Measure.survey_actions`,
    the surveys app's rows pointing here), with their owners. Reached through the relation,
    so this layer imports nothing from the one above it."""
    model = Measure._meta.get_field("survey_actions").related_model
    return model.objects.select_related("owner").order_by("due_date", "pk")


def measure_areas_with_measures() -> QuerySet:
    """The four areas, each with its measures, each with delivered/planned session counts, the
    sessions that serve it (not drafts, not cancelled) and the actions that update it (each
    with the factor it answers). Five queries whatever the number of sessions and actions."""
    measures = (
        Measure.objects.annotate(
            delivered_count=Count("sessions", filter=Q(sessions__status=Session.Status.COMPLETED), distinct=True),
            planned_count=Count("sessions", filter=Q(sessions__status=Session.Status.PUBLISHED), distinct=True),
        )
        .prefetch_related(
            Prefetch(
                "sessions",
                queryset=Session.objects.exclude(status__in=[Session.Status.DRAFT, Session.Status.CANCELLED])
                .only("pk", "title", "starts_at", "status")
                .order_by("starts_at", "pk"),
            ),
            Prefetch("survey_actions", queryset=_measure_actions()),
        )
        .order_by("order", "pk")
    )
    return MeasureArea.objects.prefetch_related(Prefetch("measures", queryset=measures)).order_by("order")


def measures_overdue(today) -> list:
    """Measures past their target date and not done, earliest first (HR's follow-up)."""
    return list(
        Measure.objects.filter(target_date__lt=today)
        .exclude(status=Measure.Status.DONE)
        .select_related("area")
        .order_by("target_date", "pk")
    )


def measure_changes_since(since, limit: int = 30) -> list:
    """The measures' history since a day, newest first, with who made each change."""
    return list(
        MeasureChange.objects.filter(at__date__gte=since)
        .select_related("measure__area", "by")
        .order_by("-at", "-pk")[:limit]
    )


def measure_area_detail(key: str) -> MeasureArea:
    """One area by key with measures, the sessions delivered for each, their history and the
    actions that update them."""
    sessions = Session.objects.exclude(status=Session.Status.DRAFT).select_related("programme").order_by("starts_at")
    changes = MeasureChange.objects.select_related("by").order_by("-at", "-pk")
    measures = Measure.objects.prefetch_related(
        Prefetch("sessions", queryset=sessions),
        Prefetch("changes", queryset=changes),
        Prefetch("survey_actions", queryset=_measure_actions()),
    ).order_by("order", "pk")
    return get_object_or_404(MeasureArea.objects.prefetch_related(Prefetch("measures", queryset=measures)), key=key)


def hr_overview() -> dict:
    """HR's dashboard: programmes, sessions this month (fill rates), waiting lists, totals."""
    now = timezone.localtime()
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    next_month = (month_start + timedelta(days=32)).replace(day=1)
    programmes = (
        Programme.objects.exclude(status=Programme.Status.CLOSED)
        .annotate(
            enrolled_count=Count(
                "enrolments", filter=Q(enrolments__status=ProgrammeEnrolment.Status.ENROLLED), distinct=True
            ),
            upcoming_count=Count(
                "sessions",
                filter=Q(sessions__status=Session.Status.PUBLISHED, sessions__starts_at__gte=now),
                distinct=True,
            ),
        )
        .order_by("-created_at")
    )
    this_month = (
        Session.objects.filter(starts_at__gte=month_start, starts_at__lt=next_month)
        .exclude(status=Session.Status.DRAFT)
        .select_related("programme")
        .order_by("starts_at", "pk")
    )
    waiting = (
        Session.objects.published()
        .upcoming()
        .select_related("programme")
        .filter(waitlist_count__gt=0)
        .order_by("starts_at", "pk")
    )
    return {
        "programmes": programmes,
        "sessions_this_month": this_month,
        "waiting_lists": waiting,
        "month_start": month_start,
    }


def leader_groups_for_enrolment() -> QuerySet:
    """Leader groups with organisation and member counts (for the enrol-groups form)."""
    return LeaderGroup.objects.select_related("organisation").annotate(member_count=Count("members"))


# --------------------------------------------------------------------------- courses
def held_q(prefix: str = "") -> Q:
    """A session that took place: published or completed, and begun (as the reports count)."""
    return Q(**{f"{prefix}status__in": [Session.Status.PUBLISHED, Session.Status.COMPLETED]}) & Q(
        **{f"{prefix}starts_at__lte": timezone.now()}
    )


def courses_visible_to(user) -> QuerySet:
    """HR: every course. A facilitator: the courses they are named facilitator of. A leader:
    the courses of their leader groups in programmes they can see. Anyone else: none."""
    if is_hr(user):
        return Course.objects.all()
    if user is None or not user.is_authenticated:
        return Course.objects.none()
    mine = Q(facilitator=user)
    leader = leader_of(user)
    if leader is not None:
        member = Course.groups.through.objects.filter(course_id=OuterRef("pk"), leadergroup__members=leader)
        mine |= Exists(member) & Q(programme__in=programmes_visible_to(user))
    return Course.objects.filter(mine)


def course_for(user, pk, *, manage: bool = False) -> Course:
    if manage:
        require_hr(user)
    return get_object_or_404(courses_visible_to(user).select_related("programme", "facilitator", "template"), pk=pk)


def course_overview(programme: Programme) -> list[Course]:
    """The programme's courses with their progress, in four queries whatever their number:
    sessions planned and held, members, and attendances (each course's `progress`)."""
    courses = list(
        Course.objects.filter(programme=programme)
        .select_related("facilitator")
        .prefetch_related(Prefetch("groups", queryset=LeaderGroup.objects.order_by("name")))
        .order_by("title", "pk")
    )
    ids = [c.pk for c in courses]
    sessions = {
        r["course"]: r
        for r in CourseSession.objects.filter(course__in=ids)
        .values("course")
        .annotate(
            planned=Count("pk", filter=~Q(session__status=Session.Status.CANCELLED)),
            held=Count("pk", filter=held_q("session__")),
        )
        .order_by()
    }
    members = {
        r["course"]: r["n"]
        for r in Course.groups.through.objects.filter(course__in=ids)
        .values("course")
        .annotate(n=Count("leadergroup__members", distinct=True))
        .order_by()
    }
    attended = {
        r["session__course_link__course"]: r["n"]
        for r in Registration.objects.filter(
            session__course_link__course__in=ids, attendance=Registration.Attendance.ATTENDED
        )
        .filter(held_q("session__"))
        .values("session__course_link__course")
        .annotate(n=Count("pk"))
        .order_by()
    }
    for c in courses:
        row = sessions.get(c.pk, {})
        c.planned, c.held, c.members = row.get("planned", 0), row.get("held", 0), members.get(c.pk, 0)
        c.attendances = attended.get(c.pk, 0)
        possible = c.held * c.members
        c.attendance_percent = round(100 * c.attendances / possible) if possible else None
    return courses


def course_progress(course: Course) -> dict:
    """Per group of the course: its members, each member's attendance at each session, the
    sessions held, and what the group committed to (commitments made at the course's sessions
    with a member of the group as a party). Six queries whatever the size."""
    links = list(course.course_sessions.select_related("session").order_by("position"))
    sessions = [link.session for link in links]
    now = timezone.now()
    for link in links:
        s = link.session
        s.position = link.position
        s.held = s.status in (Session.Status.PUBLISHED, Session.Status.COMPLETED) and s.starts_at <= now
    groups = list(
        course.groups.order_by("name").prefetch_related(
            Prefetch("members", queryset=Leader.objects.with_org().order_by("user__name"))
        )
    )
    member_ids = {m.pk for g in groups for m in g.members.all()}
    marks = {
        (r.leader_id, r.session_id): r
        for r in Registration.objects.filter(session__in=[s.pk for s in sessions], leader__in=member_ids).only(
            "leader_id", "session_id", "status", "attendance"
        )
    }
    commitments = list(
        Commitment.objects.filter(session__course_link__course=course)
        .select_related("session")
        .prefetch_related(Prefetch("parties", queryset=Leader.objects.with_org().order_by("user__name")))
        .order_by("created_at", "pk")
    )
    out = []
    for g in groups:
        ids = {m.pk for m in g.members.all()}
        rows = []
        for m in g.members.all():
            cells = []
            for s in sessions:
                r = marks.get((m.pk, s.pk))
                cells.append(_course_cell(r, s))
            attended = sum(1 for c in cells if c == "attended")
            rows.append({"leader": m, "cells": cells, "attended": attended})
        out.append(
            {
                "group": g,
                "rows": rows,
                "held": sum(1 for s in sessions if s.held),
                "commitments": [c for c in commitments if any(p.pk in ids for p in c.parties.all())],
            }
        )
    return {"sessions": sessions, "groups": out, "held": sum(1 for s in sessions if s.held)}


def _course_cell(registration, session) -> str:
    """One cell of the attendance table: attended, no_show, excused (apologies), signed_up,
    waiting, or "" (not signed up)."""
    if registration is None or registration.status == Registration.Status.CANCELLED:
        if registration is not None and registration.attendance == Registration.Attendance.EXCUSED:
            return "excused"
        return ""
    if registration.attendance != Registration.Attendance.UNKNOWN:
        return registration.attendance
    if registration.status in (Registration.Status.WAITLISTED, Registration.Status.OFFERED):
        return "waiting"
    return "signed_up"


# --------------------------------------------------------------------------- collaboration projects
def projects_visible_to(user) -> QuerySet:
    """HR: every project. A leader: the projects they take part in, in programmes they can see."""
    if is_hr(user):
        return CollaborationProject.objects.all()
    leader = leader_of(user)
    if leader is None:
        return CollaborationProject.objects.none()
    return CollaborationProject.objects.filter(leaders=leader, programme__in=programmes_visible_to(user))


def project_for(user, pk) -> CollaborationProject:
    return get_object_or_404(projects_visible_to(user).select_related("programme"), pk=pk)


def projects_listed(queryset: QuerySet) -> QuerySet:
    """Projects with their organisations and the counts a list or report shows: four queries
    for any number of projects (the counts are subqueries, not joins that multiply)."""
    through = CollaborationProject

    def count(field):
        m2m = getattr(through, field).through
        owner = "collaborationproject_id"
        return Coalesce(
            Subquery(
                m2m.objects.filter(**{owner: OuterRef("pk")}).values(owner).annotate(n=Count("pk")).values("n")[:1],
                output_field=IntegerField(),
            ),
            0,
        )

    return (
        queryset.select_related("programme")
        .prefetch_related(
            Prefetch("organisations", queryset=Organisation.objects.order_by("name")),
            Prefetch("measures", queryset=Measure.objects.order_by("area__order", "order")),
        )
        .annotate(
            n_leaders=count("leaders"),
            n_sessions=count("sessions"),
            n_commitments=count("commitments"),
        )
        .order_by("title", "pk")
    )


def guest_invitations_of(programme: Programme) -> QuerySet:
    """Everyone HR invited by name to the programme's sessions (participants who are not
    leaders, and leaders invited as guests), newest session first, with what they answered
    (`answer`: the registration's status, or None) in the same query."""
    from django.db.models import Subquery

    from programmes.models import GuestInvitation

    answer = Registration.objects.filter(session_id=OuterRef("session_id")).filter(
        Q(participant_id=OuterRef("participant_id"), participant_id__isnull=False)
        | Q(leader_id=OuterRef("leader_id"), leader_id__isnull=False)
    )
    return (
        GuestInvitation.objects.filter(session__programme=programme)
        .select_related("session", "participant__user", "leader__user", "leader__organisation")
        .annotate(answer=Subquery(answer.values("status")[:1]))
        .order_by("-session__starts_at", "session_id", "participant__user__name", "leader__user__name", "pk")
    )
