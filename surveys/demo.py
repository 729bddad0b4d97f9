"""Demo data for surveys: two waves that show collaboration growing, a session evaluation,
and an open pulse survey that leder001 has not answered yet.

Answers are generated per respondent and written with bulk_create in shuffled order; the
answered invitations are chosen independently, so the demo data has the same property as
real data: nothing pairs a person with a response. Small sectors (BLK in the small data
set) stay under k, so the results pages show suppression too. Idempotent: a survey that
already exists (by programme and title) is left as it is.
"""

import csv
import io
import random
import uuid
from datetime import timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from programmes.models import Measure, Programme, ProgrammeEnrolment, Registration, Session
from surveys import questionnaire as qmod
from surveys import services
from surveys.models import Answer, Invitation, Question, Questionnaire, Response, Survey
from toppleder.models import Leader

BASELINE = "Samhandling i toppledelsen – nullpunktsmåling"
FOLLOW_UP = "Samhandling i toppledelsen – oppfølging"
PULSE = "Pulsmåling: samarbeid på tvers"
EVALUATION_PREFIX = "Evaluering: "

PULSE_QUESTIONS = [
    ("across_orgs", "Den siste måneden har jeg tatt kontakt med en toppleder i en annen virksomhet om en felles sak."),
    ("trust", "Jeg opplever at vi stoler mer på hverandre på tvers av virksomhetene enn før."),
    ("with_citizens", "Samarbeidet på tvers har gitt merkbart bedre tjenester for innbyggerne."),
    ("autonomy", "Jeg har handlingsrom til å prioritere samarbeid på tvers."),
]
EVALUATION_QUESTIONS = [
    ("competence_development", "Samlingen var relevant for jobben min."),
    ("across_orgs", "Jeg fikk nye kontakter i andre virksomheter."),
    ("trust", "Det var trygt å dele egne erfaringer og utfordringer."),
    ("use_of_competence", "Jeg kommer til å bruke noe fra samlingen i egen virksomhet."),
]
FREE_TEXTS = [
    "Flere felles arenaer på tvers av sektorene.",
    "Tydeligere mandat for samarbeid mellom bydel og etat.",
    "Mer tid til erfaringsdeling i ledergruppene.",
    "Felles styringsdata som alle kan bruke.",
    "Kortere vei fra beslutning til handling.",
    "Bedre oversikt over hvem som jobber med hva.",
]
# Mean answer per dimension in the baseline; the follow-up is higher for collaboration.
BASE_MEAN = 3.0
LIFT = {"across_orgs": 0.7, "trust": 0.5, "within_org": 0.2, "with_citizens": 0.3}


def seed(*, size: str, rng: random.Random, stdout) -> None:
    programme = Programme.objects.order_by("pk").first()
    leaders = list(Leader.objects.select_related("user", "organisation__sector").order_by("user__email"))
    if programme is None or not leaders:
        stdout.write("  surveys: no programme or leaders yet, skipped")
        return
    enrolled = set(ProgrammeEnrolment.objects.active().filter(programme=programme).values_list("leader_id", flat=True))
    population = [le for le in leaders if le.pk in enrolled] or leaders
    now = timezone.now()
    made = []
    with transaction.atomic():
        default = services.questionnaire_default_create()
        pulse_q = _questionnaire("Pulsmåling", "puls", PULSE_QUESTIONS)
        eval_q = _questionnaire("Evaluering av samling", "samlingsevaluering", EVALUATION_QUESTIONS)

        n = len(population)
        n_base = max(1, round(n * 0.5))
        n_follow = min(n, n_base + max(_k(), round(n * 0.15)))
        base = _survey(
            programme, default, BASELINE, "baseline", 1, now - timedelta(days=150), now - timedelta(days=130)
        )
        if base:
            _fill(base, population, n_base, rng, lift=0.0, text_share=0.3)
            made.append(base.title)
        follow = _survey(
            programme, default, FOLLOW_UP, "follow_up", 2, now - timedelta(days=20), now - timedelta(days=6)
        )
        if follow:
            _fill(follow, population, n_follow, rng, lift=1.0, text_share=0.3)
            made.append(follow.title)

        session = (
            Session.objects.filter(programme=programme, status=Session.Status.COMPLETED).order_by("-starts_at").first()
        )
        if session is not None:
            ev = _survey(
                programme,
                eval_q,
                EVALUATION_PREFIX + session.title,
                "session_evaluation",
                1,
                session.ends_at,
                max(session.ends_at + timedelta(days=10), now - timedelta(hours=1)),
                session=session,
                series="",
            )
            if ev:
                attendees = (
                    list(
                        Leader.objects.select_related("organisation__sector").filter(
                            registrations__session=session, registrations__attendance=Registration.Attendance.ATTENDED
                        )
                    )
                    or population[:20]
                )
                _fill(ev, attendees, round(len(attendees) * 0.7), rng, lift=0.8, text_share=0.4)
                made.append(ev.title)

        pulse = _survey(
            programme, pulse_q, PULSE, "pulse", 1, now - timedelta(days=2), now + timedelta(days=12), series=""
        )
        if pulse:
            # leder001 (first by e-mail) is invited and has not answered: "answer now" on the dashboard.
            others = population[1:]
            _fill(pulse, others, round(len(others) * 0.3), rng, lift=0.5, text_share=0.0)
            Invitation.objects.get_or_create(survey=pulse, user=leaders[0].user, defaults={"sent_at": pulse.opens_at})
            made.append(pulse.title)
        made += _group_waves(programme, default, rng, now)
        scores = _factor_scores(programme, rng, now)
    if made:
        _analyze()
    stdout.write(
        f"  surveys: {len(made)} new surveys"
        + (f" ({', '.join(made)})" if made else "")
        + f", {scores} 10-FAKTOR figures"
    )


GROUP_WAVE = "Samhandling i gruppa – runde %(wave)s: %(name)s"


def _group_waves(programme, questionnaire, rng, now) -> list[str]:
    """Two waves of the factor questionnaire for each facilitator account's first group, every
    member invited and answering (a group of six or more is over k), and an action its
    facilitator made from the first wave's trust figure: the group's surveys page, its figures
    and the action in the next wave."""
    from django.db.models import Count

    from reflection_groups.models import ReflectionGroup

    made = []
    seen = set()
    groups = (
        ReflectionGroup.objects.filter(programme=programme, status=ReflectionGroup.Status.PUBLISHED)
        .exclude(facilitator__isnull=True)
        .annotate(n=Count("memberships"))
        .filter(n__gte=_k())
        .select_related("facilitator")
        .order_by("pk")
    )
    for group in groups:
        if group.facilitator_id in seen:
            continue
        seen.add(group.facilitator_id)
        members = list(
            Leader.objects.filter(group_memberships__group=group, group_memberships__active=True)
            .select_related("user", "organisation__sector")
            .order_by("user__email")
        )
        first = _survey(
            programme,
            questionnaire,
            GROUP_WAVE % {"wave": 1, "name": group.name},
            "baseline",
            1,
            now - timedelta(days=120),
            now - timedelta(days=100),
            group_ref=group.pk,
        )
        if first is None:
            continue  # made before: leave it as it is
        _fill(first, members, len(members), rng, lift=0.0, text_share=0.0)
        services.action_create(
            survey=first,
            factor="trust",
            kind="commitment",
            text="Vi tar med én sak fra egen virksomhet til hvert gruppemøte og følger den opp sammen.",
            owner=members[0].user,
            due_date=timezone.localdate() + timedelta(days=45),
            parties=members[:2],
            by=group.facilitator,
        )
        second = _survey(
            programme,
            questionnaire,
            GROUP_WAVE % {"wave": 2, "name": group.name},
            "follow_up",
            2,
            now - timedelta(days=25),
            now - timedelta(days=8),
            group_ref=group.pk,
        )
        _fill(second, members, len(members), rng, lift=1.0, text_share=0.0)
        measure = Measure.objects.order_by("area__order", "order", "pk").first()
        if measure is not None:
            # From the second wave: an update to a measure, owned by the facilitator (the
            # measures page shows it with its factor and among last month's news).
            services.action_create(
                survey=second,
                factor="across_orgs",
                kind="measure",
                text="Gruppa foreslår en felles møteplass for bydeler og etater i tiltaket.",
                owner=group.facilitator,
                due_date=timezone.localdate() + timedelta(days=60),
                measure=measure,
                by=group.facilitator,
            )
        made += [first.title, second.title]
    return made


def _factor_scores(programme, rng, now) -> int:
    """Organisations' own 10-FAKTOR averages for last year and this one (as HR would import
    them from KS's report): the four organisations with most leaders in the programme, and one
    with fewer than k taking part, which the progress report leaves out. Idempotent."""
    from django.db.models import Count

    from surveys.models import OrganisationFactorScore
    from toppleder import reference
    from toppleder.models import Organisation

    if OrganisationFactorScore.objects.exists():
        return 0
    taking_part = (
        Organisation.objects.filter(
            leaders__enrolments__programme=programme,
            leaders__enrolments__status=ProgrammeEnrolment.Status.ENROLLED,
        )
        .annotate(n=Count("leaders", distinct=True))
        .order_by("-n", "name")
    )
    large = [o for o in taking_part if o.n >= _k()][:4]
    small = [o for o in taking_part if o.n < _k()][:1]
    rows = []
    for org in large + small:
        for year in (now.year - 1, now.year):
            for entry in reference.entries("ten_factors"):
                mean = min(4.9, max(1.5, rng.gauss(3.6 + 0.15 * (year - now.year + 1), 0.35)))
                rows.append(
                    OrganisationFactorScore(
                        organisation=org,
                        year=year,
                        factor=entry["key"],
                        mean=Decimal(f"{mean:.2f}"),
                        respondents=rng.randrange(20, 120),
                    )
                )
    OrganisationFactorScore.objects.bulk_create(rows)
    return len(rows)


def _insert(model, columns: list[str], rows: list[tuple]) -> None:
    """COPY on PostgreSQL (several times faster than INSERT for the large demo), else bulk_create."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        buf = io.StringIO()
        writer = csv.writer(buf)
        for row in rows:
            writer.writerow(["\\N" if v is None else v for v in row])
        buf.seek(0)
        quote = connection.ops.quote_name
        sql = (
            f"COPY {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
            "FROM STDIN WITH (FORMAT csv, NULL '\\N')"
        )
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(sql, buf)
        return
    model.objects.bulk_create([model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=2000)


def _analyze() -> None:
    """Refresh PostgreSQL's statistics after the bulk load. Without it the planner may still
    believe the answer tables are empty and pick a nested loop: the first results page after
    a large seed took minutes instead of a quarter of a second."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (Response, Answer, Invitation):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _k() -> int:
    from surveys.results import min_respondents

    return min_respondents()


def _questionnaire(name: str, series: str, items) -> Questionnaire:
    existing = Questionnaire.objects.filter(series=series, version=1).first()
    if existing:
        return existing
    q = Questionnaire.objects.create(name=name, series=series, version=1)
    rows = [
        Question(
            questionnaire=q,
            order=i,
            text=text,
            kind=Question.Kind.LIKERT,
            dimension=dim,
            low_label=qmod.AGREE_LOW,
            high_label=qmod.AGREE_HIGH,
        )
        for i, (dim, text) in enumerate(items, start=1)
    ]
    rows.append(
        Question(
            questionnaire=q,
            order=len(items) + 1,
            text="Har du andre kommentarer?",
            kind=Question.Kind.FREE_TEXT,
            required=False,
        )
    )
    Question.objects.bulk_create(rows)
    return q


def _survey(programme, questionnaire, title, kind, wave, opens, closes, *, session=None, series=None, group_ref=None):
    """The survey, created now; None if it already existed (idempotency)."""
    if Survey.objects.filter(programme=programme, title=title).exists():
        return None
    return Survey.objects.create(
        programme=programme,
        questionnaire=questionnaire,
        title=title,
        kind=kind,
        series=questionnaire.series if series is None else series,
        wave=wave,
        opens_at=opens,
        closes_at=closes,
        session=session,
        group_ref=group_ref,
    )


def _value(rng: random.Random, level: float) -> int:
    """One item's answer: the respondent's own level on its factor plus a little noise, so
    the items of a factor agree with each other as real ones do (Cronbach's α about 0.7)."""
    return min(5, max(1, round(rng.gauss(level, 0.55))))


def _level(rng: random.Random, dimension: str, lift: float) -> float:
    return rng.gauss(BASE_MEAN + LIFT.get(dimension, 0.15) * lift, 0.7)


def _fill(survey: Survey, people: list[Leader], answered: int, rng: random.Random, *, lift: float, text_share: float):
    """Invite everyone in `people`; `answered` of them (at random) have answered."""
    answered = min(answered, len(people))
    chosen = set(rng.sample(range(len(people)), answered))
    Invitation.objects.bulk_create(
        [
            Invitation(survey=survey, user_id=le.user_id, answered=i in chosen, sent_at=survey.opens_at)
            for i, le in enumerate(people)
        ],
        ignore_conflicts=True,
        batch_size=2000,
    )
    respondents = [people[i] for i in chosen]
    rng.shuffle(respondents)
    questions = list(survey.questionnaire.questions.order_by("order"))
    span = max(1, (min(survey.closes_at, timezone.now()) - survey.opens_at).days)
    # Plain tuples, not model instances: at --size large this is ~100,000 answers.
    responses, answers = [], []
    start = timezone.localdate(survey.opens_at)
    for le in respondents:
        rid = uuid.uuid4()
        answered_on = start + timedelta(days=rng.randrange(span))
        responses.append((rid, survey.pk, answered_on, le.organisation.sector.code, le.organisation.kind, le.level))
        levels: dict = {}
        for q in questions:
            if q.is_likert:
                if q.dimension not in levels:
                    levels[q.dimension] = _level(rng, q.dimension, lift)
                answers.append((uuid.uuid4(), rid, q.pk, _value(rng, levels[q.dimension]), ""))
            elif rng.random() < text_share:
                answers.append((uuid.uuid4(), rid, q.pk, None, rng.choice(FREE_TEXTS)))
    _insert(Response, ["id", "survey_id", "answered_on", "sector_code", "org_kind", "leader_level"], responses)
    _insert(Answer, ["id", "response_id", "question_id", "value", "text"], answers)
    if responses:
        Questionnaire.objects.filter(pk=survey.questionnaire_id).update(is_frozen=True)
