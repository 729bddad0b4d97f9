"""Demo data for the core: sectors, the demo organisations from reference.yaml, leaders,
top leader groups and the demo logins. Called by `manage.py seed_demo` before each app's
own `<app>/demo.py`. Idempotent: a second run finds everything and adds nothing.
"""

import random
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission

from toppleder import reference
from toppleder.models import ROLE_ADMIN, ROLE_FACILITATOR, ROLE_HR, Leader, LeaderGroup, Organisation, Sector, User

ADMIN_EMAIL = "admin@toppleder.example"
HR_EMAIL = "hr@toppleder.example"
# The demo groups are facilitated by these two, never by the HR account: the demo shows HR
# meetings and attendance, never a note. The first works in the municipality's leadership
# development team, the second is an external coach; both have the facilitator role only.
FACILITATORS = [
    ("fasilitator@toppleder.example", "Frida Fasilitator"),
    ("coach@ekstern.example", "Eirik Ekstern"),
]

# How many leaders each size makes. `large` is the bench's data set (DESIGN.md contract).
LEADERS = {"small": 200, "large": 5000}
ORGANISATIONS = {"small": None, "large": 60}  # None: just the organisations in reference.yaml

FIRST_NAMES = (
    "Anne Kari Ingrid Liv Marit Hilde Nina Hanne Silje Camilla Ida Nora Emma Sara Maria Astrid "
    "Ragnhild Tone Randi Turid Elin Guro Mona Heidi Linn Kristin Siri Marte Amina Fatima Leila Mette "
    "Ole Lars Per Jan Knut Bjørn Arne Kjetil Geir Trond Espen Magnus Henrik Jonas Erik Anders Thomas "
    "Martin Sindre Eirik Øyvind Håkon Ali Omar Yusuf Morten Terje Rune Sverre Tor Vegard Audun"
).split()
LAST_NAMES = (
    "Hansen Johansen Olsen Larsen Andersen Pedersen Nilsen Kristiansen Jensen Karlsen Johnsen Pettersen "
    "Eriksen Berg Haugen Hagen Johannessen Andreassen Jacobsen Dahl Jørgensen Halvorsen Henriksen Lund "
    "Sørensen Jakobsen Moen Gundersen Iversen Strand Solberg Svendsen Eide Knutsen Martinsen Paulsen "
    "Bakken Kristoffersen Mathisen Lie Amundsen Nguyen Rasmussen Ali Lunde Solheim Berge Moe Nygård "
    "Bakke Kristensen Fredriksen Holm Lien Hauge Christensen Andresen Nielsen Knudsen Evensen Sæther "
    "Aas Myhre Hanssen Ahmed Haugland Thomassen Sivertsen Simonsen Danielsen Berntsen Sandvik Rønning"
).split()
TITLES = {
    1: ["Direktør", "Bydelsdirektør", "Etatsdirektør", "Administrerende direktør"],
    2: ["Avdelingsdirektør", "Kommunalsjef", "Seksjonssjef", "Økonomisjef", "HR-sjef", "Fagdirektør"],
    3: ["Enhetsleder", "Avdelingsleder", "Teamleder", "Driftsleder"],
}
# Illustrative extra units for `--size large` (reference.yaml allows seed_demo to add some).
EXTRA_UNITS = [
    ("Næringsetaten", "KIN", "agency"),
    ("Byantikvaren", "BYU", "agency"),
    ("Oslo kommunes innkjøpsenhet", "FIN", "agency"),
    ("Kompetansesenteret for kommunal ledelse", "BLK", "agency"),
    ("Sporveiens samarbeidskontor", "MOS", "agency"),
    ("Oslo skole- og idrettsanlegg KF", "OPK", "enterprise"),
    ("Oslo havnelogistikk KF", "MOS", "enterprise"),
    ("Kommunalt boligforetak Øst KF", "AIS", "enterprise"),
    ("Helsehuset Oslo", "HEL", "agency"),
    ("Legevakttjenesten", "HEL", "agency"),
    ("Ungdomsetaten", "OPK", "agency"),
    ("Integreringsetaten", "AIS", "agency"),
    ("Arbeidsetaten", "AIS", "agency"),
    ("Klimaetaten", "MOS", "agency"),
    ("Bygg- og tomteforvaltningen", "BYU", "agency"),
    ("Oslo kommunes personaletat", "BLK", "agency"),
    ("Dataforvaltningsetaten", "FIN", "agency"),
    ("Kulturhusene i Oslo KF", "KIN", "enterprise"),
]


def seed(*, size: str, rng: random.Random, stdout, password: str, scale: int = 1) -> dict:
    """`scale` multiplies the leaders (the bench's growth figures: 2x, 4x the large set)."""
    hr_group, _ = Group.objects.get_or_create(name=ROLE_HR)
    admin_group, _ = Group.objects.get_or_create(name=ROLE_ADMIN)
    _grant_admin_site_permissions(hr_group)

    orgs = _organisations(size)
    leaders = _leaders(size=size, orgs=orgs, rng=rng, password=password, scale=scale)
    _leader_groups(orgs)

    admin, created = User.objects.get_or_create(
        email=ADMIN_EMAIL, defaults={"name": "Ada Administrator", "is_staff": True, "is_superuser": True}
    )
    if created:
        admin.set_password(password)
        admin.save()
    admin.groups.add(admin_group)
    hr, created = User.objects.get_or_create(email=HR_EMAIL, defaults={"name": "Helene Rådgiver", "is_staff": True})
    if created:
        hr.set_password(password)
        hr.save()
    hr.groups.add(hr_group)
    facilitator_group, _ = Group.objects.get_or_create(name=ROLE_FACILITATOR)
    for email, name in FACILITATORS:
        facilitator, created = User.objects.get_or_create(email=email, defaults={"name": name})
        if created:
            facilitator.set_password(password)
            facilitator.save()
        facilitator.groups.add(facilitator_group)
    stdout.write(f"  core: {len(orgs)} organisations, {leaders} leaders")
    return {"orgs": orgs}


def _grant_admin_site_permissions(hr_group):
    # HR works in the admin too: everything on the programme, group and survey models.
    # Confidential note models are kept out of the admin by those apps themselves.
    perms = Permission.objects.filter(
        content_type__app_label__in=["programmes", "reflection_groups", "surveys"]
    ) | Permission.objects.filter(
        content_type__app_label="toppleder",
        content_type__model__in=["organisation", "leader", "leadergroup", "sector"],
    )
    hr_group.permissions.add(*perms)


def _organisations(size: str) -> list[Organisation]:
    ref = reference.load()["demo_organisations"]
    depts = {}
    for d in ref["departments"]:
        sector, _ = Sector.objects.get_or_create(code=d["code"], defaults={"name": f"{d['code']} sektor"})
        depts[d["code"]], _ = Organisation.objects.get_or_create(
            name=d["name"], defaults={"code": d["code"], "kind": Organisation.Kind.DEPARTMENT, "sector": sector}
        )
    wanted = [(name, "HEL", "district") for name in ref["districts"]]
    wanted += [(a["name"], a["department"], "agency") for a in ref["agencies"]]
    wanted += [(e["name"], e["department"], "enterprise") for e in ref["enterprises"]]
    if ORGANISATIONS[size]:
        wanted += EXTRA_UNITS[: max(0, ORGANISATIONS[size] - len(depts) - len(wanted))]
    orgs = list(depts.values())
    for name, dept_code, kind in wanted:
        dept = depts[dept_code]
        org, _ = Organisation.objects.get_or_create(
            name=name, defaults={"kind": kind, "sector_id": dept.sector_id, "governed_by": dept}
        )
        orgs.append(org)
    return orgs


def _leaders(*, size: str, orgs: list[Organisation], rng: random.Random, password: str, scale: int = 1) -> int:
    """leder001 … leaderN, spread over the organisations: a director (level 1) in each,
    then level-2 leaders in the top leader groups, then first-line leaders."""
    count = LEADERS[size] * scale
    emails = [f"leder{n:03d}@toppleder.example" for n in range(1, count + 1)]
    existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    # Hash once: every demo login shares the password, and hashing 5,000 times takes minutes.
    hashed = make_password(password)
    today = date.today()
    new_users, profiles = [], []
    for i, email in enumerate(emails):
        if email in existing:
            continue
        org = orgs[i % len(orgs)]
        rank = i // len(orgs)  # 0: the director of org, 1-5: their leader group, then the rest
        level = 1 if rank == 0 else 2 if rank <= 5 else 3
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        new_users.append(User(email=email, name=name, password=hashed))
        since = None
        if level == 1:
            # About one in five top leaders is new (under 12 months): the Partner scheme's mentees.
            days = rng.randint(30, 330) if rng.random() < 0.2 else rng.randint(400, 4000)
            since = today - timedelta(days=days)
        profiles.append((email, org, level, rng.choice(TITLES[level]), since))
    User.objects.bulk_create(new_users, batch_size=1000)
    ids = dict(User.objects.filter(email__in=[p[0] for p in profiles]).values_list("email", "id"))
    Leader.objects.bulk_create(
        [
            Leader(user_id=ids[email], organisation=org, level=level, title=title, top_leader_since=since)
            for email, org, level, title, since in profiles
        ],
        batch_size=1000,
    )
    return count


def _leader_groups(orgs: list[Organisation]) -> None:
    """One top leader group per organisation: its level-1 and level-2 leaders."""
    groups = {g.organisation_id: g for g in LeaderGroup.objects.filter(organisation__in=orgs)}
    missing = [
        LeaderGroup(organisation=o, name=f"Ledergruppen i {o.name}", is_top_leader_group=True)
        for o in orgs
        if o.pk not in groups
    ]
    LeaderGroup.objects.bulk_create(missing)
    groups = {g.organisation_id: g for g in LeaderGroup.objects.filter(organisation__in=orgs)}
    through = LeaderGroup.members.through
    existing = set(through.objects.values_list("leadergroup_id", "leader_id"))
    rows = [
        through(leadergroup_id=groups[org_id].pk, leader_id=leader_id)
        for leader_id, org_id in Leader.objects.filter(level__in=[1, 2]).values_list("id", "organisation_id")
        if org_id in groups and (groups[org_id].pk, leader_id) not in existing
    ]
    through.objects.bulk_create(rows, batch_size=2000)
