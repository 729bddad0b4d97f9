"""The confidentiality promise is literally true.

Every page and e-mail that speaks of a group's notes names who can read them ("Bare gruppens
medlemmer og fasilitatoren, Kari Nordmann, kan lese notatene."). Here each such text is rendered,
in Norwegian, for a group whose facilitator is an HR adviser, one whose facilitator is an
external coach, and a self-driven group without one; the people it names must be exactly the
people who can open the note's URL, out of everyone the portal knows (members of both groups,
both facilitators, HR, an administrator, a leader outside).
"""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from reflection_groups.models import GroupMeeting, GroupMembership, GroupNote, ReflectionGroup
from reflection_groups.notifications import render_group_introduction
from tests.factories import AdminUserFactory, FacilitatorFactory, HRUserFactory, LeaderFactory
from toppleder.models import OutboxMessage

pytestmark = pytest.mark.django_db

NAMED = re.compile(r"Bare gruppens medlemmer og fasilitatoren, ([^,]+), kan lese notatene\.")
MEMBERS_ONLY = "Bare gruppens medlemmer kan lese notatene."


def _group(programme, name, facilitator, members, kind="reflection"):
    group = ReflectionGroup.objects.create(
        programme=programme,
        name=name,
        kind=kind,
        facilitator=facilitator,
        theme="Tillit i praksis" if kind == "network" else "",
        status="published",
        published_at=timezone.now(),
    )
    GroupMembership.objects.bulk_create(
        [GroupMembership(group=group, leader=m, programme=programme, kind=kind) for m in members]
    )
    meeting = GroupMeeting.objects.create(group=group, starts_at=timezone.now(), place="Rådhuset")
    note = GroupNote.objects.create(group=group, meeting=meeting, author=members[0].user, text="Fortrolig")
    return group, meeting, note


@pytest.fixture
def people(world):
    hr_adviser = FacilitatorFactory(name="Kari Nordmann", roles=["HR"])
    coach = FacilitatorFactory(name="Eirik Ekstern", email="coach@ekstern.example")
    mine = [LeaderFactory(level=1, user__name=f"Medlem {n}") for n in range(3)]
    with_hr = _group(world.programme, "Refleksjonsgruppe HR", hr_adviser, mine)
    others = [LeaderFactory(level=1, user__name=f"Leder {n}") for n in range(3)]
    with_coach = _group(world.programme, "Nettverk ekstern", coach, others, kind="network")
    level2 = [LeaderFactory(level=2, user__name=f"Nivå to {n}") for n in range(3)]
    self_driven = _group(world.programme, "Selvdrevet", None, level2, kind="self_driven")
    everyone = [
        *(m.user for m in [*world.members, *mine, *others, *level2]),
        hr_adviser,
        coach,
        world.facilitator,
        HRUserFactory(name="Helene Rådgiver"),
        AdminUserFactory(name="Ada Administrator"),
        world.outsider.user,
    ]
    return {"groups": [with_hr, with_coach, self_driven], "everyone": everyone}


def _nb_client(user):
    client = Client()
    client.cookies["django_language"] = "nb"
    client.force_login(user)
    return client


def _promises(texts: list[str], group) -> set[str]:
    """The names every promise in `texts` gives, as a set of people ('members' for the members)."""
    found = []
    for text in texts:
        text = " ".join(text.split())
        found += [{"members", name} for name in NAMED.findall(text)]
        found += [{"members"}] * text.count(MEMBERS_ONLY)
    assert found, f"no promise about {group.name}'s notes in the text"
    assert all(f == found[0] for f in found), found  # every text names the same people
    return found[0]


def _texts(group, meeting, note, member, hr) -> list[str]:
    """Every text that makes the promise: pages for a member and for HR, and the e-mail."""
    urls = [
        reverse("reflection_groups:group_detail", args=[group.pk]),
        reverse("reflection_groups:meeting_detail", args=[group.pk, meeting.pk]),
    ]
    out = []
    for user in (member, hr):
        client = _nb_client(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200
            out.append(response.content.decode())
    out.append(
        _nb_client(member).get(reverse("reflection_groups:note_detail", args=[group.pk, note.pk])).content.decode()
    )
    message = OutboxMessage.objects.create(
        key=f"promise:{group.pk}",
        kind=OutboxMessage.Kind.GROUP_INTRODUCTION,
        recipient=member,
        to_email=member.email,
        language="nb",
        object_id=group.pk,
    )
    email = render_group_introduction(message)
    out += [email.text, email.html]
    return out


@pytest.mark.parametrize("which", ["hr_facilitator", "external_facilitator", "no_facilitator"])
def test_every_promise_names_exactly_who_can_open_the_notes(people, which):
    group, meeting, note = people["groups"][["hr_facilitator", "external_facilitator", "no_facilitator"].index(which)]
    members = {m.leader.user for m in group.memberships.select_related("leader__user")}
    member = next(iter(members))
    named = _promises(_texts(group, meeting, note, member, HRUserFactory()), group)

    note_url = reverse("reflection_groups:note_detail", args=[group.pk, note.pk])
    can_open = {user for user in people["everyone"] if _nb_client(user).get(note_url).status_code == 200}
    promised = set(members)
    for name in named - {"members"}:
        promised |= {u for u in people["everyone"] if u.get_full_name() == name}
        assert any(u.get_full_name() == name for u in people["everyone"]), name
    assert can_open == promised, (
        sorted(u.get_full_name() for u in can_open),
        sorted(u.get_full_name() for u in promised),
    )
    if group.facilitator:
        assert named == {"members", group.facilitator.get_full_name()}
    else:
        assert named == {"members"}


def test_no_text_promises_that_hr_never_reads(people):
    """The old promise ("HR kan ikke", "HR ser aldri") was false for an HR adviser who facilitates."""
    group, meeting, note = people["groups"][0]
    member = group.memberships.first().leader.user
    for text in _texts(group, meeting, note, member, HRUserFactory()):
        assert "HR kan ikke" not in text and "HR ser at dere møttes" not in text
