"""Demo data for programmes: a running "Tilbud til toppledere 2026/27" that looks alive.

Past sessions with attendance, upcoming sessions with free seats, one full session with a
waiting list (a leader group booked "all or none" waits on it as one unit), a hybrid
session full in the room and open online, the city government's spring and autumn leader
conferences with politicians, secretaries and (in autumn) the main unions' representatives,
enrolments across every organisation, measures with status, owners and
linked sessions, and commitments between top leaders. leder001 is enrolled, signed up
for upcoming sessions, on a waiting list, has a history and a commitment.

Dates are placed around today (timezone.now()). Idempotent: sessions are keyed by a
numbered title, so a second run adds nothing and `--size large` after `small` only adds
the missing sessions. `large` (≈ 200 sessions, tens of thousands of registrations) is
written with COPY (bulk_create off PostgreSQL) in a few seconds.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import datetime, time, timedelta
from time import monotonic
from zoneinfo import ZoneInfo

from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from programmes import seats
from programmes.models import (
    Commitment,
    Contributor,
    GroupBooking,
    GuestInvitation,
    Measure,
    Participant,
    Programme,
    ProgrammeEnrolment,
    Registration,
    Session,
)
from programmes.services import default_programme_goal
from toppleder import reference
from toppleder.models import Leader, LeaderGroup, User

OSLO = ZoneInfo("Europe/Oslo")
NAME, PERIOD = "Tilbud til toppledere", "2026/27"
# (past, upcoming) sessions per size; one upcoming session is always full with a waiting list.
SESSIONS = {"small": (6, 7), "large": (110, 90)}
THEMES = [
    "Fra strategi til handling",
    "Tillitsbasert styring og ledelse",
    "Digital transformasjon",
    "Samhandling på tvers av virksomheter",
    "Omstilling og effektivisering",
    "Bydelsreformen: ny organisering",
    "Å lede gjennom endring",
    "Læringskultur og erfaringsdeling",
    "Styringsdialogen",
    "Innbyggeren i sentrum",
]
PLACES = ["Oslo rådhus, Festsalen", "Rådhusgata 2, møterom 5", "Deichman Bjørvika, Verkstedet", "Tøyen torg 1"]
CONTRIBUTORS = [
    ("Professor Kari Aasland", "BI Handelshøyskolen", "academia"),
    ("Dr. Jonas Berg", "Universitetet i Oslo", "academia"),
    ("Marte Lie", "Rambøll Management", "consultancy"),
    ("Bydelsdirektør Ola Nordby", "Bydel Alna", "top_leader"),
    ("Siri Holm", "KS", "practitioner"),
]
COMMITMENTS = [
    "Vi etablerer felles overgangsrutiner for ungdom mellom bydel og etat innen neste samling.",
    "Vi deler styringsdata om sykefravær kvartalsvis og møtes for å sammenligne tiltak.",
    "Vi inviterer hverandres ledergrupper til en felles arbeidsdag om digitalisering.",
    "Vi lager en felles plan for kommunikasjon til ansatte om bydelsreformen.",
]
MEASURE_OWNERS = ["HR-seksjonen, Byrådslederens kontor", "Kommunikasjonsavdelingen", "Byrådsavdeling for finans"]


def seed(*, size: str, rng: random.Random, stdout) -> None:
    started = monotonic()
    with transaction.atomic():
        programme = _programme()
        leaders = list(Leader.objects.select_related("user").order_by("user__email"))
        if not leaders:
            stdout.write("  programmes: no leaders yet, skipped")
            return
        _enrol(programme, leaders)
        created, regs = _sessions(programme, size, leaders, rng)
        regs += _group_booking(programme)
        regs += _hybrid_full_room(programme, leaders)
        regs += _leader_conferences(programme, leaders)
        _measures(programme, rng)
        commitments = _commitments(programme, leaders)
        courses = _courses(programme)
        projects = _projects(programme)
    stdout.write(
        f"  programmes: {programme}, {len(leaders)} enrolled, {created} new sessions, "
        f"{regs} new registrations, {commitments} new commitments, {courses} new leader-group courses, {projects} new collaboration projects ({monotonic() - started:.1f} s)"
    )


def _programme() -> Programme:
    goal, sub_goals = default_programme_goal()
    programme, _ = Programme.objects.get_or_create(
        name=NAME,
        period=PERIOD,
        defaults={
            "goal": goal,
            "sub_goals": sub_goals,
            "status": Programme.Status.RUNNING,
            "description": (
                "Oslo kommunes utviklingstilbud til toppledere og deres ledergrupper: ledersamlinger, "
                "temasamlinger, ledergruppeutvikling, refleksjonsgrupper, nettverk og mentorordninger."
            ),
            "enrolment_opens": timezone.localdate() - timedelta(days=200),
            "enrolment_closes": timezone.localdate() + timedelta(days=200),
        },
    )
    return programme


def _enrol(programme: Programme, leaders: list[Leader]) -> None:
    groups = dict(
        LeaderGroup.members.through.objects.filter(leadergroup__is_top_leader_group=True).values_list(
            "leader_id", "leadergroup_id"
        )
    )
    have = set(ProgrammeEnrolment.objects.filter(programme=programme).values_list("leader_id", flat=True))
    when = timezone.now() - timedelta(days=150)
    _insert(
        ProgrammeEnrolment,
        ["programme_id", "leader_id", "status", "via_group_id", "enrolled_at"],
        [
            (programme.pk, le.pk, ProgrammeEnrolment.Status.ENROLLED, groups.get(le.pk), when)
            for le in leaders
            if le.pk not in have
        ],
    )


def _insert(model, columns: list[str], rows: list[tuple]) -> None:
    """Insert many new rows fast: COPY on PostgreSQL (no model instances), bulk_create elsewhere.

    Only for rows that cannot conflict (the callers filter out what exists)."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=2000)
        return
    buf = io.StringIO()
    writer = csv.writer(buf)
    for row in rows:
        writer.writerow(["\\N" if v is None else (v.isoformat() if hasattr(v, "isoformat") else v) for v in row])
    buf.seek(0)
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY \"{table}\" ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buf
        )


def _at(day_offset: int, hour: int) -> datetime:
    day = timezone.localdate() + timedelta(days=day_offset)
    return datetime.combine(day, time(hour, 0), tzinfo=OSLO)


def _sessions(programme: Programme, size: str, leaders: list[Leader], rng: random.Random) -> tuple[int, int]:
    n_past, n_upcoming = SESSIONS[size]
    kinds = [e["key"] for e in reference.entries("activity_kinds")]
    existing = set(Session.objects.filter(programme=programme).values_list("title", flat=True))
    plan = []
    for i in range(n_past + n_upcoming):
        past = i < n_past
        # Spread past sessions over the last ~8 months, upcoming over the next ~6.
        offset = -(3 + (n_past - i) * 240 // n_past) if past else 2 + (i - n_past) * 180 // n_upcoming
        theme = THEMES[i % len(THEMES)]
        kind = kinds[i % len(kinds)]
        label = reference.entry("activity_kinds", kind)["nb"]
        title = f"{label}: {theme} (#{i + 1:03d})"
        if title in existing:
            continue
        fmt = [Session.Format.IN_PERSON, Session.Format.HYBRID, Session.Format.DIGITAL][i % 3]
        start = _at(offset, 9 if i % 2 else 13)
        full = not past and i == n_past + 1  # the second upcoming session is full
        capacity = 8 if full else (rng.choice([20, 30, 40]) if size == "small" else rng.choice([100, 150, 200, 250]))
        plan.append(
            Session(
                programme=programme,
                kind=kind,
                title=title,
                theme=theme,
                description=f"{label} om «{theme.lower()}». Faglig innlegg, erfaringsdeling og refleksjon i grupper.",
                starts_at=start,
                ends_at=start + timedelta(hours=3),
                format=fmt,
                place="" if fmt == Session.Format.DIGITAL else PLACES[i % len(PLACES)],
                video_link="" if fmt == Session.Format.IN_PERSON else f"https://teams.example.no/toppleder/{i + 1}",
                capacity=capacity,
                registration_deadline=None if past else start - timedelta(days=1),
                status=Session.Status.COMPLETED if past else Session.Status.PUBLISHED,
            )
        )
    if not plan:
        return 0, 0
    # A draft that HR is still preparing (small only, once).
    if size == "small" and "Utkast: Ledersamling våren" not in existing:
        start = _at(150, 9)
        plan.append(
            Session(
                programme=programme,
                kind="leader_conference",
                title="Utkast: Ledersamling våren",
                starts_at=start,
                ends_at=start + timedelta(hours=6),
                place=PLACES[0],
                capacity=250,
                status=Session.Status.DRAFT,
            )
        )
    sessions = Session.objects.bulk_create(plan)
    Contributor.objects.bulk_create(
        [
            Contributor(session=s, name=c[0], affiliation=c[1], kind=c[2])
            for k, s in enumerate(sessions)
            for c in [CONTRIBUTORS[k % len(CONTRIBUTORS)]]
        ]
    )
    regs = _registrations(sessions, leaders, rng)
    seats.recount([s.pk for s in sessions])  # the rows came by COPY, past the services
    return len(sessions), regs


def _registrations(sessions: list[Session], leaders: list[Leader], rng: random.Random) -> int:
    """Fill sessions: past ones 60-100 % with attendance; upcoming ones partly, one over full."""
    first = leaders[0]  # leder001 (leaders are sorted by e-mail)
    others = leaders[1:]
    rows = []
    now = timezone.now()
    upcoming_seen = 0
    for session in sessions:
        if session.status == Session.Status.DRAFT:
            continue
        past = session.status == Session.Status.COMPLETED
        full = session.capacity == 8 and not past
        if full:
            confirmed_n, waiting_n = 7, 6  # 7 confirmed, 1 seat offered, 5 waiting
        elif past:
            confirmed_n, waiting_n = int(session.capacity * rng.uniform(0.6, 1.0)), 0
        else:
            confirmed_n, waiting_n = int(session.capacity * rng.uniform(0.3, 0.8)), 0
        confirmed_n = min(confirmed_n, len(others))
        people = rng.sample(others, min(len(others), confirmed_n + waiting_n))
        # leder001: history in most past sessions, signed up for some upcoming, waiting on the full one.
        if past and rng.random() < 0.7 or (not past and not full and upcoming_seen % 3 == 0):
            people = [first, *people[:-1]] if people else [first]
        if full:
            people.insert(confirmed_n + 1, first)  # first on the waiting list, behind the open offer
            people = people[: confirmed_n + waiting_n]
        if not past:
            upcoming_seen += 1
        registered = session.starts_at - timedelta(days=20)
        position = 0
        for k, leader in enumerate(people):
            created = min(registered + timedelta(minutes=k * 7), now)
            if k < confirmed_n:
                attendance = Registration.Attendance.UNKNOWN
                if past:
                    attendance = (
                        Registration.Attendance.ATTENDED
                        if (leader is first or rng.random() < 0.88)
                        else Registration.Attendance.NO_SHOW
                    )
                rows.append(
                    (session.pk, leader.pk, Registration.Status.CONFIRMED, None, attendance, created, now, None, None)
                )
            elif full and k == confirmed_n:
                # The full session: one seat freed and is offered to the first waiting (24 hours).
                rows.append(
                    (
                        session.pk,
                        leader.pk,
                        Registration.Status.OFFERED,
                        None,
                        Registration.Attendance.UNKNOWN,
                        created,
                        now,
                        now,
                        now + timedelta(hours=24),
                    )
                )
            else:
                position += 1
                rows.append(
                    (
                        session.pk,
                        leader.pk,
                        Registration.Status.WAITLISTED,
                        position,
                        Registration.Attendance.UNKNOWN,
                        created,
                        now,
                        None,
                        None,
                    )
                )
    # The sessions are new, so none of these rows can exist yet.
    _insert(
        Registration,
        [
            "session_id",
            "leader_id",
            "status",
            "waitlist_position",
            "attendance",
            "created_at",
            "updated_at",
            "offered_at",
            "offer_expires_at",
        ],
        rows,
    )
    return len(rows)


def _group_booking(programme: Programme) -> int:
    """The full session: a top leader has booked four of their leader group "all or none", and
    they wait on the list as one unit (once). Returns the registrations added."""
    session = (
        Session.objects.filter(programme=programme, status=Session.Status.PUBLISHED, capacity=8)
        .order_by("starts_at")
        .first()
    )
    if session is None or GroupBooking.objects.filter(session=session).exists():
        return 0
    taken = set(Registration.objects.filter(session=session).values_list("leader_id", flat=True))
    for group in LeaderGroup.objects.filter(is_top_leader_group=True).order_by("name"):
        members = list(group.members.select_related("user").order_by("level", "user__name"))
        head = members[0] if members else None
        if head is None or head.level != Leader.Level.TOP or head.organisation_id != group.organisation_id:
            continue
        chosen = members[:4]
        if len(chosen) < 3 or any(m.pk in taken for m in chosen):
            continue
        booking = GroupBooking.objects.create(
            session=session, group=group, booked_by=head, mode=GroupBooking.Mode.ALL_OR_NONE, size=len(chosen)
        )
        last = (
            Registration.objects.filter(session=session, status=Registration.Status.WAITLISTED).aggregate(
                m=Max("waitlist_position")
            )["m"]
            or 0
        )
        now = timezone.now()
        Registration.objects.bulk_create(
            [
                Registration(
                    session=session,
                    leader=m,
                    status=Registration.Status.WAITLISTED,
                    waitlist_position=last + k,
                    group_booking=booking,
                    created_at=now,
                )
                for k, m in enumerate(chosen, start=1)
            ]
        )
        seats.recount([session.pk])
        return len(chosen)
    return 0


HYBRID_TITLE = "Ledersamling (hybrid): Digitalisering og digital transformasjon"


def _hybrid_full_room(programme: Programme, leaders: list[Leader]) -> int:
    """A hybrid session full in the room (two waiting for a seat there) and open online, with
    no limit (once). Returns the registrations added."""
    if Session.objects.filter(programme=programme, title=HYBRID_TITLE).exists() or len(leaders) < 20:
        return 0
    start = _at(160, 9)  # after the sessions on the leaders' front page
    session = Session.objects.create(
        programme=programme,
        kind="leader_conference",
        title=HYBRID_TITLE,
        theme="Digitalisering og digital transformasjon",
        description="Ledersamling i Festsalen og på Teams. Velg om du kommer i salen eller deltar digitalt.",
        starts_at=start,
        ends_at=start + timedelta(hours=4),
        format=Session.Format.HYBRID,
        place=PLACES[0],
        video_link="https://teams.example.no/toppleder/hybrid",
        capacity=10,
        online_capacity=None,
        registration_deadline=start - timedelta(days=1),
        status=Session.Status.PUBLISHED,
    )
    people = leaders[-18:]  # not leder001, whose own sessions the demo describes
    now = timezone.now()
    rows = []
    for k, leader in enumerate(people):
        if k < 10:
            rows.append(Registration(session=session, leader=leader, status=Registration.Status.CONFIRMED))
        elif k < 12:
            rows.append(
                Registration(
                    session=session, leader=leader, status=Registration.Status.WAITLISTED, waitlist_position=k - 9
                )
            )
        else:
            rows.append(
                Registration(
                    session=session,
                    leader=leader,
                    status=Registration.Status.CONFIRMED,
                    mode=Registration.Mode.ONLINE,
                )
            )
    for k, reg in enumerate(rows):
        reg.created_at = now - timedelta(days=10) + timedelta(minutes=k * 11)
    Registration.objects.bulk_create(rows)
    seats.recount([session.pk])
    return len(rows)


SPRING_TITLE = "Byrådets ledersamling: vårsamlingen"
AUTUMN_TITLE = "Byrådets ledersamling: høstsamlingen med hovedsammenslutningene"
# (name, e-mail, category, organisation, union): the city government and its secretaries at
# both conferences; the main unions' representatives in autumn (reference: unions).
POLITICIANS = [
    ("Byrådsleder Anne Berg", "politiker.berg", "politician", "Byrådet", ""),
    ("Byråd Jonas Aas", "politiker.aas", "politician", "Byrådet", ""),
    ("Byråd Lise Moen", "politiker.moen", "politician", "Byrådet", ""),
    ("Ida Strand", "sekretaer.strand", "political_secretary", "Byrådslederens kontor", ""),
    ("Petter Lund", "sekretaer.lund", "political_secretary", "Byrådsavdeling for finans", ""),
]
UNION_REPRESENTATIVES = [
    ("Tone Vik", "tillitsvalgt.lo", "union_representative", "", "lo_kommune"),
    ("Arne Dahl", "tillitsvalgt.unio", "union_representative", "", "unio"),
    ("Randi Holm", "tillitsvalgt.ys", "union_representative", "", "ys_kommune"),
    ("Kjetil Brekke", "tillitsvalgt.akademikerne", "union_representative", "", "akademikerne"),
]


def _participants(people) -> list[Participant]:
    """The participants (not leaders) of the demo, made once (an e-mail names each)."""
    out = []
    for name, local, category, organisation, union in people:
        email = f"{local}@toppleder.example"
        user, _ = User.objects.get_or_create(email=email, defaults={"name": name})
        participant, _ = Participant.objects.get_or_create(
            user=user, defaults={"category": category, "organisation": organisation, "union": union}
        )
        out.append(participant)
    return out


def _leader_conferences(programme: Programme, leaders: list[Leader]) -> int:
    """The city government's two leader conferences (once): the spring one held, with the
    politicians and secretaries present; the autumn one ahead, with the main unions'
    representatives invited too — some signed up, one cannot come, the rest not answered
    yet. Returns the registrations added."""
    if Session.objects.filter(programme=programme, title__in=[SPRING_TITLE, AUTUMN_TITLE]).exists():
        return 0
    if len(leaders) < 12:
        return 0
    politicians, unions = _participants(POLITICIANS), _participants(UNION_REPRESENTATIVES)
    spring_start, autumn_start = _at(-75, 9), _at(24, 9)
    common = {"programme": programme, "kind": "leader_conference", "place": PLACES[0], "capacity": 120}
    spring = Session.objects.create(
        **common,
        title=SPRING_TITLE,
        theme="Felles retning og strategiske prioriteringer",
        description="Byrådet samler toppledelsen i kommunen: byrådet og byrådssekretærene, kommunaldirektører, "
        "seksjonssjefer og direktørene for bydeler, etater og foretak.",
        starts_at=spring_start,
        ends_at=spring_start + timedelta(hours=6),
        status=Session.Status.COMPLETED,
    )
    autumn = Session.objects.create(
        **common,
        title=AUTUMN_TITLE,
        theme="Bydelsreformen: ledelse og organisasjonskultur",
        description="Høstsamlingen med byrådet, toppledelsen og representanter fra hovedsammenslutningene.",
        starts_at=autumn_start,
        ends_at=autumn_start + timedelta(hours=6),
        registration_deadline=autumn_start - timedelta(days=3),
        status=Session.Status.PUBLISHED,
    )
    now = timezone.now()
    invitations, rows = [], []
    for p in politicians:
        invitations.append(GuestInvitation(session=spring, participant=p, invited_at=spring_start - timedelta(days=40)))
        rows.append(
            Registration(
                session=spring,
                participant=p,
                status=Registration.Status.CONFIRMED,
                attendance=Registration.Attendance.ATTENDED
                if p.category == "politician"
                else Registration.Attendance.NO_SHOW,
                created_at=spring_start - timedelta(days=30),
            )
        )
    for k, leader in enumerate(leaders[-12:]):
        rows.append(
            Registration(
                session=spring,
                leader=leader,
                status=Registration.Status.CONFIRMED,
                attendance=Registration.Attendance.ATTENDED if k % 4 else Registration.Attendance.NO_SHOW,
                created_at=spring_start - timedelta(days=25),
            )
        )
    guests = politicians + unions
    for k, p in enumerate(guests):
        declined = p is unions[-1]  # one union representative cannot come
        invitations.append(
            GuestInvitation(
                session=autumn,
                participant=p,
                invited_at=now - timedelta(days=6),
                declined_at=now - timedelta(days=2) if declined else None,
            )
        )
        if not declined and k % 3 != 2:  # every third has not answered yet
            rows.append(
                Registration(
                    session=autumn,
                    participant=p,
                    status=Registration.Status.CONFIRMED,
                    created_at=now - timedelta(days=5) + timedelta(minutes=k * 7),
                )
            )
    GuestInvitation.objects.bulk_create(invitations)
    Registration.objects.bulk_create(rows)
    seats.recount([spring.pk, autumn.pk])
    return len(rows)


def _measures(programme: Programme, rng: random.Random) -> None:
    """Give measures a status and owner (once) and link delivered sessions to them."""
    measures = list(Measure.objects.order_by("area__order", "order"))
    if not measures:
        return
    untouched = [m for m in measures if m.status == Measure.Status.NOT_STARTED and not m.owner]
    if len(untouched) == len(measures):
        statuses = [Measure.Status.IN_PROGRESS, Measure.Status.DONE, Measure.Status.NOT_STARTED, Measure.Status.PAUSED]
        for k, m in enumerate(measures):
            m.status = statuses[k % len(statuses)] if m.horizon == Measure.Horizon.SHORT else Measure.Status.NOT_STARTED
            m.owner = MEASURE_OWNERS[k % len(MEASURE_OWNERS)]
        Measure.objects.bulk_update(measures, ["status", "owner"])
    through = Session.measures.through
    linked = set(through.objects.values_list("session_id", flat=True))
    sessions = list(
        Session.objects.filter(programme=programme)
        .exclude(status=Session.Status.DRAFT)
        .exclude(pk__in=linked)
        .order_by("starts_at")
        .values_list("pk", flat=True)
    )
    rows = []
    for k, session_id in enumerate(sessions):
        for m in {measures[k % len(measures)].pk, measures[(k * 7 + 3) % len(measures)].pk}:
            rows.append(through(session_id=session_id, measure_id=m))
    through.objects.bulk_create(rows, ignore_conflicts=True)


def _commitments(programme: Programme, leaders: list[Leader]) -> int:
    if Commitment.objects.filter(programme=programme).exists():
        return 0
    first = leaders[0]
    tops = [le for le in leaders if le.level == Leader.Level.TOP and le.organisation_id != first.organisation_id]
    past = list(Session.objects.filter(programme=programme, status=Session.Status.COMPLETED).order_by("-starts_at")[:4])
    today = timezone.localdate()
    statuses = [Commitment.Status.OPEN, Commitment.Status.IN_PROGRESS, Commitment.Status.DONE, Commitment.Status.OPEN]
    made = 0
    for k, text in enumerate(COMMITMENTS):
        parties = [first, *tops[k * 2 : k * 2 + 2]] if k < 3 else tops[6:9]
        if not parties:
            continue
        c = Commitment.objects.create(
            programme=programme,
            session=past[k % len(past)] if past else None,
            text=text,
            due_date=today + timedelta(days=30 * (k + 1) - 45),
            status=statuses[k],
            follow_up="Første møte er holdt." if statuses[k] != Commitment.Status.OPEN else "",
        )
        c.parties.set(parties)
        c.organisations.set({p.organisation_id for p in parties})
        made += 1
    return made


# --------------------------------------------------------------------------- leader-group courses
COURSE_TEMPLATE = "Ledergruppeutvikling 2026/27"
COURSE_SESSIONS = [
    "Oppstart: ledergruppens oppdrag",
    "Samhandling på tvers av virksomheter",
    "Dilemmaer i topplederrollen",
    "Styringsdialogen",
    "Tillitsbasert ledelse i praksis",
    "Avslutning: hva vi tar med oss",
]


def _courses(programme: Programme) -> int:
    """Two courses from one template: one under way (three sessions held, attendance and a
    commitment), one about to start. Made through the service, as HR makes them."""
    from programmes.models import CourseTemplate
    from programmes.services import course_template_create, courses_create

    if CourseTemplate.objects.filter(name=COURSE_TEMPLATE).exists():
        return 0
    groups = list(
        LeaderGroup.objects.filter(is_top_leader_group=True)
        .annotate(n=models.Count("members"))
        .filter(n__gte=2)
        .order_by("organisation__name")[:2]
    )
    if len(groups) < 2:
        return 0
    template = course_template_create(
        name=COURSE_TEMPLATE,
        session_titles=COURSE_SESSIONS,
        description="Et forløp for én toppledergruppe: samhandling på tvers av og utover egen virksomhet.",
        weeks_between=4,
        duration_minutes=180,
        by=None,
    )
    (running,) = courses_create(
        programme=programme,
        template=template,
        groups=[groups[0]],
        first_starts_at=_at(-12 * 7 + 1, 13),
        place=PLACES[1],
        publish=True,
        by=None,
    )
    courses_create(
        programme=programme,
        template=template,
        groups=[groups[1]],
        first_starts_at=_at(10, 9),
        place=PLACES[1],
        publish=True,
        by=None,
    )
    members = list(groups[0].members.order_by("pk"))
    held = [link.session for link in running.course_sessions.select_related("session").order_by("position")[:3]]
    rows = []
    for n, session in enumerate(held):
        for k, leader in enumerate(members):
            attended = (n + k) % 4 != 3  # most come, now and then someone does not
            rows.append(
                Registration(
                    session=session,
                    leader=leader,
                    status=Registration.Status.CONFIRMED,
                    attendance=Registration.Attendance.ATTENDED if attended else Registration.Attendance.NO_SHOW,
                    created_at=session.starts_at - timedelta(days=10),
                )
            )
    Registration.objects.bulk_create(rows)
    Session.objects.filter(pk__in=[s.pk for s in held]).update(status=Session.Status.COMPLETED)
    seats.recount([s.pk for s in held])
    c = Commitment.objects.create(
        programme=programme,
        session=held[-1],
        text="Ledergruppen gjennomgår sine samarbeidsavtaler med nabobydelene innen neste samling.",
        status=Commitment.Status.IN_PROGRESS,
    )
    c.parties.set(members)
    c.organisations.set({m.organisation_id for m in members})
    return 2


# --------------------------------------------------------------------------- collaboration projects
PROJECTS = [
    (
        "Felles overgang fra barnehage til skole",
        "Bydeler og Utdanningsetaten lager én rutine for overgangen, med felles informasjon til foreldre.",
        "active",
        "",
    ),
    (
        "Delt vikarpool for helse og omsorg",
        "Tre virksomheter deler en vikarpool i stedet for å konkurrere om de samme vikarene.",
        "completed",
        "Vikarpoolen er i drift; innleie fra byrå er halvert det første halvåret.",
    ),
]


def _projects(programme: Programme) -> int:
    """Two projects across organisations, worked on at past sessions: one under way (leder001
    takes part), one completed with its outcome; linked to commitments and measures."""
    from programmes.models import CollaborationProject
    from programmes.services import project_create

    if CollaborationProject.objects.filter(programme=programme).exists():
        return 0
    first = Leader.objects.filter(user__email="leder001@toppleder.example").first()
    tops = list(
        Leader.objects.filter(level=Leader.Level.TOP).exclude(pk=getattr(first, "pk", None)).order_by("user__email")
    )
    past = list(Session.objects.filter(programme=programme, status=Session.Status.COMPLETED).order_by("-starts_at")[:3])
    commitments = list(Commitment.objects.filter(programme=programme).order_by("pk")[:2])
    measures = list(Measure.objects.order_by("area__order", "order")[:6])
    made = 0
    for k, (title, description, status, outcome) in enumerate(PROJECTS):
        leaders = ([first] if first and k == 0 else []) + [
            le for le in tops[k * 6 : k * 6 + 6] if not first or le.organisation_id != first.organisation_id
        ][:3]
        if len({le.organisation_id for le in leaders}) < 2:
            continue
        project_create(
            programme=programme,
            title=title,
            description=description,
            leaders=leaders,
            sessions=past[k : k + 2],
            commitments=commitments[k : k + 1],
            measures=measures[k * 2 : k * 2 + 2],
            status=status,
            outcome=outcome,
            by=None,
        )
        made += 1
    return made
