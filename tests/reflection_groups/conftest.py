"""A small world for the reflection_groups tests: a programme, organisations in lines of
command, a published group with a facilitator, a meeting with attendance and a confidential
note, and an active mentor pair with a private meeting note."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from programmes.models import Programme, ProgrammeEnrolment
from reflection_groups.models import (
    GroupMeeting,
    GroupMembership,
    GroupNote,
    MeetingAttendance,
    MenteeWish,
    MentorPair,
    MentorProfile,
    PairMeeting,
    ReflectionGroup,
)
from tests.factories import FacilitatorFactory, LeaderFactory, OrganisationFactory, SectorFactory, UserFactory

GROUP_SECRET = "GRUPPEHEMMELIGHET-7f3a"
PAIR_SECRET = "PARHEMMELIGHET-91bc"


@dataclass
class World:
    programme: Programme
    group: ReflectionGroup
    members: list
    facilitator: object
    outsider: object  # a leader in no group and no pair
    meeting: GroupMeeting
    note: GroupNote
    pair: MentorPair
    pair_meeting: PairMeeting
    orgs: dict


def make_programme(**kw):
    return Programme.objects.create(name=kw.pop("name", "Topplederprogrammet"), period="2026/27", **kw)


def enrol(programme, leaders):
    ProgrammeEnrolment.objects.bulk_create([ProgrammeEnrolment(programme=programme, leader=x) for x in leaders])


def make_org_tree():
    """HEL governs two districts; FIN and KIN stand alone; KIN governs an agency."""
    hel_s, fin_s, kin_s = SectorFactory(code="HEL"), SectorFactory(code="FIN"), SectorFactory(code="KIN")
    hel = OrganisationFactory(name="Byrådsavdeling for helse", sector=hel_s, kind="department")
    fin = OrganisationFactory(name="Byrådsavdeling for finans", sector=fin_s, kind="department")
    kin = OrganisationFactory(name="Byrådsavdeling for kultur", sector=kin_s, kind="department")
    return {
        "hel": hel,
        "fin": fin,
        "kin": kin,
        "frogner": OrganisationFactory(name="Bydel Frogner", sector=hel_s, kind="district", governed_by=hel),
        "sagene": OrganisationFactory(name="Bydel Sagene", sector=hel_s, kind="district", governed_by=hel),
        "kultur": OrganisationFactory(name="Kulturetaten", sector=kin_s, governed_by=kin),
        "dig": OrganisationFactory(name="Digitaliseringsetaten", sector=fin_s, governed_by=fin),
    }


@pytest.fixture
def world(db) -> World:
    orgs = make_org_tree()
    programme = make_programme()
    facilitator = FacilitatorFactory(name="Frida Fasilitator", email="fasilitator@toppleder.example")
    members = [
        LeaderFactory(organisation=orgs["frogner"], user__name="Mia Medlem", user__email="mia@toppleder.example"),
        LeaderFactory(organisation=orgs["kultur"], user__name="Kai Kultur"),
        LeaderFactory(organisation=orgs["dig"], user__name="Dina Digital", new=True),
    ]
    outsider = LeaderFactory(
        organisation=orgs["sagene"], user__name="Otto Utenfor", user__email="otto@toppleder.example"
    )
    enrol(programme, [*members, outsider])
    group = ReflectionGroup.objects.create(
        programme=programme,
        name="Refleksjonsgruppe 1",
        facilitator=facilitator,
        status=ReflectionGroup.Status.PUBLISHED,
        published_at=timezone.now(),
        created_at=timezone.now() - timedelta(days=60),
    )
    GroupMembership.objects.bulk_create(
        [GroupMembership(group=group, leader=m, programme=programme, kind=group.kind) for m in members]
    )
    meeting = GroupMeeting.objects.create(
        group=group, starts_at=timezone.now() - timedelta(days=14), place="Rådhuset", prompt_key="lead"
    )
    MeetingAttendance.objects.create(meeting=meeting, leader=members[0])
    note = GroupNote.objects.create(group=group, meeting=meeting, author=members[0].user, text=GROUP_SECRET)
    mentor = LeaderFactory(organisation=orgs["fin"], user__name="Mona Mentor", user__email="mentor@toppleder.example")
    MentorProfile.objects.create(leader=mentor, capacity=2, themes=["lead"])
    mentee = members[0]
    MenteeWish.objects.create(leader=mentee, scheme="duo", themes=["lead"])
    pair = MentorPair.objects.create(
        programme=programme,
        scheme="duo",
        mentor=mentor,
        mentee=mentee,
        status=MentorPair.Status.ACTIVE,
        published_at=timezone.now() - timedelta(days=30),
        period_start=timezone.localdate() - timedelta(days=30),
        goals="Bli tryggere i styringsdialogen",
    )
    pair_meeting = PairMeeting.objects.create(
        pair=pair, date=timezone.localdate() - timedelta(days=7), note=PAIR_SECRET, author=mentor.user
    )
    return World(programme, group, members, facilitator, outsider, meeting, note, pair, pair_meeting, orgs)


@pytest.fixture
def plain_user(db):
    return UserFactory(name="Per Uten Rolle")


@pytest.fixture(autouse=True)
def _english():
    """Assertions read the English msgids; one test checks the Norwegian page on purpose."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def client():
    from django.test import Client

    # The language switcher's cookie (the portal ignores Accept-Language: nb is the default).
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def client_nb():
    from django.test import Client

    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    return client
