"""Demo data for groups and mentoring: composed reflection groups and self-driven level-2
groups with past meetings, attendance and confidential notes; two theme network groups;
Duo and Partner pairs with meetings and private notes. leder001 is in a group and a pair.

Idempotent: each part is skipped when the programme already has it. Everything is written
with bulk_create, so `--size large` takes seconds. Published directly (no introduction
e-mails for demo data).
"""

from __future__ import annotations

import random
from datetime import timedelta
from time import monotonic

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from programmes.models import Programme
from reflection_groups import matching, services
from reflection_groups.models import (
    GroupMeeting,
    GroupMembership,
    GroupNote,
    MeetingAttendance,
    MenteeWish,
    MentorPair,
    MentorProfile,
    PairAppointment,
    PairMeeting,
    ReflectionGroup,
    prompt_theme_choices,
)
from toppleder import reference
from toppleder.demo import FACILITATORS
from toppleder.models import Leader, User

LEDER001 = "leder001@toppleder.example"
NETWORK_THEMES = ["Fra strategi til handling", "Digitalisering og digital transformasjon"]
SELF_DRIVEN_POOL = {"small": 48, "large": 120}
MENTORS = {"small": 10, "large": 30}
GROUP_NOTES = [
    "Vi delte erfaringer med å lede gjennom omstilling, og ble enige om å teste felles overgangsrutiner.",
    "Dilemma: hvor mye skal vi detaljstyre når tilliten er lav? Flere kjente seg igjen.",
    "Samtale om styringsdialogen med byrådsavdelingen. Neste gang: hva er «tilstrekkelig» informasjon?",
    "Vi snakket om å gi rom for eksperimentering uten at det blir farlig å feile.",
]
PAIR_NOTES = [
    "Første møte: forventninger, taushetsplikt og mål for perioden.",
    "Gjennomgang av den første ledergruppesamlingen; tips om å bruke mer tid på prioritering.",
    "Snakket om å stå i motstand og om å bygge relasjoner til tillitsvalgte.",
]


def seed(*, size: str, rng: random.Random, stdout) -> None:
    started = monotonic()
    programme = Programme.objects.filter(name="Tilbud til toppledere").order_by("pk").first()
    programme = programme or Programme.objects.order_by("pk").first()
    if programme is None or not Leader.objects.exists():
        stdout.write("  reflection_groups: no programme or leaders yet, skipped")
        return
    by_email = {u.email: u for u in User.objects.filter(email__in=[e for e, _name in FACILITATORS])}
    facilitators = [by_email[e] for e, _name in FACILITATORS if e in by_email]
    if not facilitators:
        stdout.write("  reflection_groups: no facilitator accounts yet, skipped")
        return
    with transaction.atomic():
        made = _groups(programme, facilitators, size, rng)
        pairs = _pairs(programme, size, rng)
    stdout.write(f"  reflection_groups: {made} new groups, {pairs} new pairs ({monotonic() - started:.1f} s)")


# --------------------------------------------------------------------------- groups
def _groups(programme, facilitators, size, rng) -> int:
    if ReflectionGroup.objects.filter(programme=programme).exists():
        return 0
    made = 0
    published_at = timezone.now() - timedelta(days=120)
    # Reflection groups: the whole pool of enrolled top leaders (leder001 included).
    for size_min, size_max in ((6, 8), (4, 8), (3, 10)):
        try:
            result = services.group_compose(
                programme=programme, kind="reflection", size_min=size_min, size_max=size_max
            )
            made += len(result.groups)
            break
        except ValidationError:
            continue
    # Self-driven level-2 groups from a slice of the level-2 leaders (no facilitator).
    level2 = list(services.compose_pool(programme=programme, kind="self_driven"))[: SELF_DRIVEN_POOL[size]]
    governed_by, names = services.organisation_tree()
    proposal = matching.compose_groups(
        matching.Pool([services._candidate(x) for x in level2], governed_by, names), 6, 8, seed=rng.randrange(1000)
    )
    if proposal.feasible:
        groups = ReflectionGroup.objects.bulk_create(
            [
                ReflectionGroup(
                    programme=programme,
                    kind="self_driven",
                    name=f"Selvdrevet gruppe {i}",
                    diversity_score=g.score,
                    meeting_rhythm="Hver sjette uke",
                )
                for i, g in enumerate(proposal.groups, 1)
            ]
        )
        GroupMembership.objects.bulk_create(
            [
                GroupMembership(group=grp, leader_id=lid, programme=programme, kind="self_driven")
                for grp, g in zip(groups, proposal.groups, strict=True)
                for lid in g.member_ids
            ]
        )
        made += len(groups)
    # Theme network groups: top and level-2 leaders from different lines of command.
    made += _network_groups(programme, facilitators, rng)
    # Each group with a facilitator gets one of the two facilitator accounts, in turn.
    unfacilitated = ReflectionGroup.objects.filter(programme=programme, facilitator__isnull=True).exclude(
        kind="self_driven"
    )
    for i, pk in enumerate(unfacilitated.order_by("name").values_list("pk", flat=True)):
        ReflectionGroup.objects.filter(pk=pk).update(facilitator=facilitators[i % len(facilitators)])
    ReflectionGroup.objects.filter(programme=programme, status="proposed").update(
        status="published", published_at=published_at, created_at=published_at - timedelta(days=7)
    )
    ReflectionGroup.objects.filter(programme=programme, kind="reflection").update(meeting_rhythm="Hver fjerde uke")
    GroupMembership.objects.filter(programme=programme).update(joined=published_at)
    _meetings(programme, rng)
    return made


def _network_groups(programme, facilitators, rng) -> int:
    the_lines = services.lines()
    leaders = list(Leader.objects.filter(level__in=[1, 2]).select_related("user").order_by("pk")[:400])
    leder001 = next((x for x in leaders if x.user.email == LEDER001), None)
    made = 0
    taken: set[int] = set()  # one network group per leader and programme (a hard rule too)
    for n, theme in enumerate(NETWORK_THEMES):
        chosen: list[Leader] = [leder001] if (n == 0 and leder001) else []
        pool = leaders[:]
        rng.shuffle(pool)
        for x in pool:
            if len(chosen) >= 8:
                break
            if (
                x in chosen
                or x.pk in taken
                or any(the_lines.same_line(x.organisation_id, c.organisation_id) for c in chosen)
            ):
                continue
            chosen.append(x)
        group = ReflectionGroup.objects.create(
            programme=programme,
            kind="network",
            theme=theme,
            name=f"Nettverk: {theme}",
            facilitator=facilitators[n % len(facilitators)],
            meeting_rhythm="Annenhver måned",
        )
        GroupMembership.objects.bulk_create(
            [GroupMembership(group=group, leader=x, programme=programme, kind="network") for x in chosen]
        )
        taken.update(x.pk for x in chosen)
        made += 1
    return made


def _meetings(programme, rng) -> None:
    themes = [key for key, _label in prompt_theme_choices()]
    # Meetings at 08:00, 09:00 or 13:00 Oslo time on today's weekday, k weeks ago.
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    groups = list(ReflectionGroup.objects.filter(programme=programme).prefetch_related("memberships__leader__user"))
    meetings, plan = [], []
    for g in groups:
        members = [m.leader for m in g.memberships.all()]
        for k in (12, 8, 4, -2):  # weeks ago; -2 is the next meeting
            theme = rng.choice(themes)
            questions = next(e for e in reference.entries("reflection_prompts") if e["theme"]["key"] == theme)[
                "questions_nb"
            ]
            meetings.append(
                GroupMeeting(
                    group=g,
                    starts_at=midnight - timedelta(weeks=k) + timedelta(hours=rng.choice([8, 9, 13])),
                    place=rng.choice(["Oslo rådhus, møterom 3", "Rådhusgata 2", "Tøyen torg 1"]),
                    video_link="https://teams.example.oslo.kommune.no/mote" if rng.random() < 0.3 else "",
                    prompt_key=theme,
                    prompt_question=rng.choice(questions),
                )
            )
            plan.append((k, members))
    GroupMeeting.objects.bulk_create(meetings, batch_size=1000)
    attendance, notes = [], []
    for meeting, (k, members) in zip(meetings, plan, strict=True):
        if k < 0 or not members:
            continue
        for x in members:
            if rng.random() < 0.85:
                attendance.append(MeetingAttendance(meeting=meeting, leader=x))
        author = rng.choice(members)
        notes.append(
            GroupNote(
                group=meeting.group,
                meeting=meeting,
                author=author.user,
                text=rng.choice(GROUP_NOTES),
                created_at=meeting.starts_at + timedelta(hours=3),
            )
        )
    MeetingAttendance.objects.bulk_create(attendance, batch_size=2000)
    GroupNote.objects.bulk_create(notes, batch_size=1000)


# --------------------------------------------------------------------------- pairs
def _pairs(programme, size, rng) -> int:
    if MentorPair.objects.filter(programme=programme).exists():
        return 0
    themes = [key for key, _label in prompt_theme_choices()]
    tops = list(Leader.objects.filter(level=1).select_related("user", "organisation").order_by("pk"))
    if len(tops) < 4:
        return 0
    leder001 = next((x for x in tops if x.user.email == LEDER001), None)
    new = [x for x in tops if x.is_new_top_leader]
    experienced = [x for x in tops if not x.is_new_top_leader]
    mentors = [x for x in experienced if x != leder001][: MENTORS[size]]
    MentorProfile.objects.bulk_create(
        [
            MentorProfile(leader=x, capacity=rng.choice([1, 2, 2, 3]), themes=rng.sample(themes, 3))
            for x in mentors
            if not MentorProfile.objects.filter(leader=x).exists()
        ]
    )
    mentor_ids = {x.pk for x in mentors}
    duo_mentees = [x for x in experienced if x.pk not in mentor_ids][: MENTORS[size]]
    if leder001 is not None and leder001 not in duo_mentees and leder001 not in new:
        duo_mentees.insert(0, leder001)
    wishes = [MenteeWish(leader=x, scheme="partner", themes=rng.sample(themes, 2)) for x in new]
    wishes += [MenteeWish(leader=x, scheme="duo", themes=rng.sample(themes, 2)) for x in duo_mentees]
    MenteeWish.objects.bulk_create(wishes, ignore_conflicts=True)
    made = 0
    for scheme in ("partner", "duo"):
        made += len(services.pair_match(programme=programme, scheme=scheme).pairs)
    if leder001 is not None and not MentorPair.objects.for_leader(leder001).exists():
        the_lines = services.lines()
        mentor = next(
            (m for m in mentors if not the_lines.same_line(m.organisation_id, leder001.organisation_id)), None
        )
        if mentor is not None:
            scheme = "partner" if leder001.is_new_top_leader else "duo"
            MentorPair.objects.create(programme=programme, scheme=scheme, mentor=mentor, mentee=leder001)
            made += 1
    started = timezone.now() - timedelta(days=90)
    MentorPair.objects.filter(programme=programme, status="proposed").update(
        status="active",
        published_at=started,
        period_start=started.date(),
        period_end=(started + timedelta(days=365)).date(),
        goals="Bli tryggere i rollen som toppleder og bygge nettverk på tvers av sektorer.",
        meeting_frequency="Hver sjette uke",
    )
    pairs = list(MentorPair.objects.filter(programme=programme).select_related("mentor__user", "mentee__user"))
    meetings = []
    for p in pairs:
        for k, text in zip((10, 6, 2), PAIR_NOTES, strict=True):
            author = p.mentor.user if rng.random() < 0.5 else p.mentee.user
            meetings.append(
                PairMeeting(pair=p, date=(timezone.now() - timedelta(weeks=k)).date(), note=text, author=author)
            )
    PairMeeting.objects.bulk_create(meetings, batch_size=1000)
    # Every pair has its next meeting planned (in both calendars) in three weeks.
    next_time = (timezone.localtime() + timedelta(weeks=3)).replace(hour=9, minute=0, second=0, microsecond=0)
    PairAppointment.objects.bulk_create(
        [
            PairAppointment(pair=p, starts_at=next_time, place="Rådhuset, møterom 2", created_by=p.mentor.user)
            for p in pairs
        ],
        batch_size=1000,
    )
    MentorPair.objects.filter(pk__in=[p.pk for p in pairs]).update(fit_mentor="good", fit_mentee="good")
    return made
