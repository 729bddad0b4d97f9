"""Services: composing, moving, publishing, meetings, notes, pairs; bad input refused, nothing changed."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from reflection_groups import services
from reflection_groups.models import (
    GroupMeeting,
    GroupMembership,
    GroupNote,
    MenteeWish,
    MentorPair,
    MentorProfile,
    PairMeeting,
    ReflectionGroup,
)
from tests.factories import FacilitatorFactory, HRUserFactory, LeaderFactory, OrganisationFactory, SectorFactory
from tests.reflection_groups.conftest import enrol, make_programme

pytestmark = pytest.mark.django_db


def _pool(n_orgs=12, per_org=1, new_every=3):
    """Independent organisations (no lines of command) in three sectors."""
    sectors = [SectorFactory() for _ in range(3)]
    leaders = []
    for i in range(n_orgs):
        org = OrganisationFactory(sector=sectors[i % 3])
        for j in range(per_org):
            leaders.append(LeaderFactory(organisation=org, new=(i + j) % new_every == 0))
    return leaders


# --------------------------------------------------------------------------- composing
def test_compose_saves_proposed_groups_that_keep_the_rules():
    programme = make_programme()
    leaders = _pool(14)
    enrol(programme, leaders)
    result = services.group_compose(programme=programme, size_min=6, size_max=8)
    assert len(result.groups) == 2
    groups = ReflectionGroup.objects.filter(programme=programme)
    assert {g.status for g in groups} == {"proposed"}
    assert GroupMembership.objects.filter(programme=programme).count() == 14
    for g in groups:
        members = list(g.members.select_related("organisation"))
        assert len({m.organisation_id for m in members}) == len(members)
        assert 0 <= g.diversity_score <= 1


def test_compose_when_infeasible_explains_and_saves_nothing():
    programme = make_programme()
    org = OrganisationFactory(name="Sykehjemsetaten")
    leaders = [LeaderFactory(organisation=org) for _ in range(4)] + _pool(4)
    enrol(programme, leaders)
    with pytest.raises(ValidationError) as exc:
        services.group_compose(programme=programme, size_min=4, size_max=4)
    assert "Sykehjemsetaten" in " ".join(exc.value.messages)
    assert not ReflectionGroup.objects.exists()


def test_compose_again_replaces_the_proposal_and_leaves_published_groups_alone():
    programme = make_programme()
    enrol(programme, _pool(12))
    first = services.group_compose(programme=programme, size_min=6, size_max=6)
    services.group_publish(group=first.groups[0], facilitator=FacilitatorFactory())
    second = services.group_compose(programme=programme, size_min=6, size_max=6)
    assert len(second.groups) == 1
    assert ReflectionGroup.objects.filter(status="published").count() == 1
    assert ReflectionGroup.objects.filter(status="proposed").count() == 1


def test_member_in_two_groups_of_the_same_kind_in_one_programme_is_refused(world):
    other = ReflectionGroup.objects.create(programme=world.programme, name="Gruppe 2", facilitator=world.facilitator)
    with pytest.raises(ValidationError) as exc:
        services.group_add_member(group=other, leader=world.members[0])
    assert "Refleksjonsgruppe 1" in exc.value.messages[0]
    assert not GroupMembership.objects.filter(group=other).exists()
    # and the database guards it too
    with pytest.raises(IntegrityError), transaction.atomic():
        GroupMembership.objects.create(
            group=other, leader=world.members[0], programme=world.programme, kind="reflection"
        )


def test_a_network_group_in_the_same_programme_is_fine(world):
    network = services.group_create(
        programme=world.programme,
        kind="network",
        name="Nettverk",
        theme="Fra strategi til handling",
        facilitator=world.facilitator,
        members=[world.members[0]],
    )
    assert network.members.count() == 1


def test_closing_a_group_frees_its_members_for_the_next_round(world):
    services.group_close(group=world.group)
    nxt = ReflectionGroup.objects.create(programme=world.programme, name="Runde 2", facilitator=world.facilitator)
    services.group_add_member(group=nxt, leader=world.members[0])
    assert nxt.members.count() == 1


# --------------------------------------------------------------------------- moving and publishing
def _two_groups(world):
    other = ReflectionGroup.objects.create(programme=world.programme, name="Gruppe 2", facilitator=world.facilitator)
    services.group_add_member(group=other, leader=world.outsider)  # Bydel Sagene
    return other


def test_move_that_breaks_a_hard_rule_warns_and_changes_nothing_until_confirmed(world):
    other = _two_groups(world)
    hel_leader = LeaderFactory(organisation=world.orgs["hel"])
    services.group_add_member(group=world.group, leader=hel_leader)
    with pytest.raises(ValidationError) as exc:
        services.group_move_member(leader=hel_leader, from_group=world.group, to_group=other)
    assert "same line of command" in exc.value.messages[0]
    assert GroupMembership.objects.get(leader=hel_leader).group_id == world.group.pk
    warnings = services.group_move_member(leader=hel_leader, from_group=world.group, to_group=other, confirm=True)
    assert warnings and GroupMembership.objects.get(leader=hel_leader).group_id == other.pk


def test_move_without_a_rule_break_just_moves(world):
    other = _two_groups(world)
    assert services.group_move_member(leader=world.members[1], from_group=world.group, to_group=other) == []
    assert other.members.count() == 2


def test_publish_needs_a_facilitator_except_for_self_driven_groups(world, django_capture_on_commit_callbacks):
    g = ReflectionGroup.objects.create(programme=world.programme, name="Ny")
    services.group_add_member(group=g, leader=world.outsider)
    with pytest.raises(ValidationError):
        services.group_publish(group=g)
    g.refresh_from_db()
    assert g.status == "proposed"
    with mock.patch("reflection_groups.tasks.group_published.delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            services.group_publish(group=g, facilitator=world.facilitator)
    delay.assert_called_once_with(g.pk)
    g.refresh_from_db()
    assert g.status == "published" and g.published_at


def test_publish_queues_nothing_when_the_transaction_rolls_back(world, django_capture_on_commit_callbacks):
    g = ReflectionGroup.objects.create(programme=world.programme, name="Ny", kind="self_driven")
    services.group_add_member(group=g, leader=world.outsider)
    with mock.patch("reflection_groups.tasks.group_published.delay") as delay:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            try:
                with transaction.atomic():
                    services.group_publish(group=g)
                    raise RuntimeError
            except RuntimeError:
                pass
    assert callbacks == [] and not delay.called


# --------------------------------------------------------------------------- meetings and notes
def test_meeting_before_the_group_exists_is_refused(world):
    before = world.group.created_at - timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        services.meeting_schedule(group=world.group, actor=world.facilitator, starts_at=before, place="Rådhuset")
    assert "before the group exists" in exc.value.messages[0]
    assert world.group.meetings.count() == 1


def test_meeting_with_a_prompt_from_the_reference_list(world):
    m = services.meeting_schedule(
        group=world.group,
        actor=world.members[1].user,
        starts_at=timezone.now() + timedelta(days=7),
        video_link="https://teams.example/m",
        prompt_key="learn",
        prompt_question="Hvordan er læringskulturen vår?",
    )
    assert m.prompt_label
    with pytest.raises(ValidationError):
        services.meeting_schedule(
            group=world.group,
            actor=world.facilitator,
            starts_at=timezone.now(),
            place="X",
            prompt_key="learn",
            prompt_question="Et spørsmål som ikke finnes",
        )


def test_outsider_cannot_schedule_record_attendance_or_write_notes(world, hr_user):
    for user in (world.outsider.user, hr_user):
        with pytest.raises(PermissionDenied):
            services.meeting_schedule(group=world.group, actor=user, starts_at=timezone.now(), place="X")
        with pytest.raises(PermissionDenied):
            services.attendance_record(meeting=world.meeting, actor=user, present=[])
        with pytest.raises(PermissionDenied):
            services.note_create(group=world.group, author=user, text="hei")
    assert GroupNote.objects.count() == 1 and GroupMeeting.objects.count() == 1
    assert world.meeting.attendance.count() == 1


def test_attendance_is_replaced_and_only_members_count(world):
    services.attendance_record(meeting=world.meeting, actor=world.facilitator, present=world.members[1:])
    assert set(world.meeting.attendance.values_list("leader_id", flat=True)) == {m.pk for m in world.members[1:]}
    with pytest.raises(ValidationError):
        services.attendance_record(meeting=world.meeting, actor=world.facilitator, present=[world.outsider])
    assert world.meeting.attendance.count() == 2


def test_member_writes_a_note_stored_encrypted(world):
    from django.db import connection

    note = services.note_create(group=world.group, author=world.members[2].user, text="  Vi snakket om tillit  ")
    assert note.text == "Vi snakket om tillit"
    with connection.cursor() as cur:
        cur.execute("SELECT text FROM reflection_groups_groupnote WHERE id = %s", [note.pk])
        assert "tillit" not in cur.fetchone()[0]
    with pytest.raises(ValidationError):
        services.note_create(group=world.group, author=world.members[2].user, text="   ")


# --------------------------------------------------------------------------- mentoring
def test_pair_match_proposes_optimal_pairs_within_capacity(world):
    services.pair_close(pair=world.pair, reason="completed")
    mentee2 = world.members[1]
    MenteeWish.objects.create(leader=mentee2, scheme="duo", themes=["dare"])
    result = services.pair_match(programme=world.programme, scheme="duo")
    assert {(p.mentor_id, p.mentee_id) for p in result.pairs} == {
        (world.pair.mentor_id, world.members[0].pk),
        (world.pair.mentor_id, mentee2.pk),
    }
    assert result.unmatched == []


def test_mentor_over_capacity_is_refused(world):
    MentorProfile.objects.filter(leader=world.pair.mentor).update(capacity=1)
    with pytest.raises(ValidationError) as exc:
        services.pair_create(
            programme=world.programme, scheme="partner", mentor=world.pair.mentor, mentee=world.members[1]
        )
    assert "capacity" in exc.value.messages[0]
    assert MentorPair.objects.count() == 1
    with pytest.raises(ValidationError):
        services.mentor_profile_save(leader=world.pair.mentor, capacity=0, themes=[])
    assert MentorProfile.objects.get(leader=world.pair.mentor).capacity == 1


def test_pair_inside_one_line_of_command_is_refused(world):
    hel_mentor = LeaderFactory(organisation=world.orgs["hel"])
    MentorProfile.objects.create(leader=hel_mentor, capacity=3)
    with pytest.raises(ValidationError) as exc:
        services.pair_create(programme=world.programme, scheme="duo", mentor=hel_mentor, mentee=world.outsider)
    assert "line of command" in exc.value.messages[0]
    assert MentorPair.objects.count() == 1


def test_matching_never_proposes_a_pair_inside_one_line_and_reports_the_mentee(world):
    services.pair_close(pair=world.pair, reason="completed")
    MentorProfile.objects.all().delete()
    hel_mentor = LeaderFactory(organisation=world.orgs["hel"])
    MentorProfile.objects.create(leader=hel_mentor, capacity=3)
    result = services.pair_match(programme=world.programme, scheme="duo")
    assert result.pairs == []
    assert [leader.pk for leader, _why in result.unmatched] == [world.members[0].pk]


def test_partner_scheme_is_for_new_top_leaders(world):
    with pytest.raises(ValidationError):
        services.mentee_wish_save(leader=world.members[1], scheme="partner", themes=[])
    services.mentee_wish_save(leader=world.members[2], scheme="partner", themes=["lead"])


def test_publish_pair_queues_the_introduction(world, django_capture_on_commit_callbacks):
    pair = services.pair_create(
        programme=world.programme, scheme="partner", mentor=world.pair.mentor, mentee=world.members[1]
    )
    with mock.patch("reflection_groups.tasks.pair_published.delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            services.pair_publish(pair=pair)
    delay.assert_called_once_with(pair.pk)
    with pytest.raises(ValidationError):
        services.pair_publish(pair=pair)


def test_only_the_two_log_meetings_and_answer_the_fit_check(world, hr_user):
    with pytest.raises(PermissionDenied):
        services.pair_meeting_log(pair=world.pair, actor=hr_user, date=timezone.localdate(), note="x")
    with pytest.raises(ValidationError):
        services.pair_meeting_log(
            pair=world.pair, actor=world.pair.mentor.user, date=timezone.localdate() + timedelta(days=3)
        )
    assert PairMeeting.objects.count() == 1
    services.pair_fit_check(pair=world.pair, leader=world.pair.mentee, fit="good")
    with pytest.raises(PermissionDenied):
        services.pair_fit_check(pair=world.pair, leader=world.outsider, fit="good")
    world.pair.refresh_from_db()
    assert world.pair.fit_mentee == "good" and world.pair.fit_mentor == ""


def test_rematch_request_is_seen_by_hr_but_not_by_the_other_side(world, client, hr_user):
    services.pair_request_rematch(pair=world.pair, leader=world.pair.mentee)
    world.pair.refresh_from_db()
    assert world.pair.rematch_requested_by == world.pair.mentee
    url = f"/mentoring/pairs/{world.pair.pk}/"
    client.force_login(world.pair.mentor.user)
    body = client.get(url).content.decode()
    assert "New match asked" not in body and "You have asked HR for a new match" not in body
    client.force_login(world.pair.mentee.user)
    assert "You have asked HR for a new match" in client.get(url).content.decode()
    client.force_login(hr_user)
    assert "New match asked" in client.get(url).content.decode()


def test_close_needs_a_reason_and_happens_once(world):
    with pytest.raises(ValidationError):
        services.pair_close(pair=world.pair, reason="bored")
    services.pair_close(pair=world.pair, reason="completed")
    with pytest.raises(ValidationError):
        services.pair_close(pair=world.pair, reason="completed")


def test_inactive_pairs_are_warned_first_then_closed(world):
    today = timezone.localdate()
    assert services.pairs_close_inactive(today=today) == (0, 0)  # met a week ago
    later = world.pair_meeting.date + timedelta(weeks=9)
    assert services.pairs_close_inactive(today=later) == (1, 0)
    assert services.pairs_close_inactive(today=later) == (0, 0)  # safe to run twice
    much_later = world.pair_meeting.date + timedelta(weeks=13)
    assert services.pairs_close_inactive(today=much_later) == (0, 1)
    world.pair.refresh_from_db()
    assert world.pair.status == "closed" and world.pair.close_reason == "inactive"


def test_a_meeting_clears_the_inactivity_warning(world):
    services.pairs_close_inactive(today=world.pair_meeting.date + timedelta(weeks=9))
    services.pair_meeting_log(pair=world.pair, actor=world.pair.mentee.user, date=timezone.localdate())
    world.pair.refresh_from_db()
    assert world.pair.inactivity_warned_at is None


def test_publishing_a_group_introduces_members_once_through_the_outbox(world, django_capture_on_commit_callbacks):
    from toppleder.models import OutboxMessage

    g = ReflectionGroup.objects.create(
        programme=world.programme, name="Ny gruppe", kind="network", theme="Digitalisering"
    )
    services.group_add_member(group=g, leader=world.outsider)
    services.group_add_member(group=g, leader=world.members[1])
    with django_capture_on_commit_callbacks(execute=True):
        services.group_publish(group=g, facilitator=world.facilitator)
    assert OutboxMessage.objects.filter(key__startswith=f"group_introduction:{g.pk}:").count() == 3


def test_closed_group_takes_no_new_notes_but_members_still_read_theirs(world):
    from reflection_groups import selectors

    services.group_close(group=world.group)
    with pytest.raises(ValidationError):
        services.note_create(group=world.group, author=world.members[1].user, text="Etterpå")
    assert [n.pk for n in selectors.notes_for(world.members[1].user, world.group)] == [world.note.pk]


# --------------------------------------------------------------------------- who may facilitate
def test_hr_alone_cannot_be_named_facilitator_but_a_facilitator_account_or_a_top_leader_can(world):
    """HR's role grants no note: naming a plain HR user (who would then read the notes) is refused."""
    g = ReflectionGroup.objects.create(programme=world.programme, name="Gruppe 2")
    GroupMembership.objects.create(group=g, leader=world.outsider, programme=world.programme, kind=g.kind)
    with pytest.raises(ValidationError) as exc:
        services.group_publish(group=g, facilitator=HRUserFactory(name="Hege Uten Fasilitatorrolle"))
    assert "cannot facilitate" in " ".join(exc.value.messages)
    g.refresh_from_db()
    assert g.status == "proposed" and g.facilitator_id is None
    top_leader = LeaderFactory(level=1)
    assert services.group_publish(group=g, facilitator=top_leader.user).facilitator_id == top_leader.user_id
    with pytest.raises(ValidationError):
        services.group_create(
            programme=world.programme, kind="network", theme="Tillit", name="N", facilitator=LeaderFactory(level=3).user
        )


def test_inviting_an_external_facilitator_makes_an_account_with_that_role_only(
    world, django_capture_on_commit_callbacks
):
    from toppleder.models import OutboxMessage, User
    from toppleder.permissions import is_facilitator, is_hr, needs_staff_security

    with django_capture_on_commit_callbacks(execute=True):
        user = services.facilitator_invite(name="Ella Ekstern", email=" Ella@Coach.Example ", by=HRUserFactory())
    user = User.objects.get(pk=user.pk)
    assert user.email == "ella@coach.example" and not user.has_usable_password()
    assert is_facilitator(user) and not is_hr(user) and not user.is_staff and needs_staff_security(user)
    message = OutboxMessage.objects.get(recipient=user, kind="facilitator_invitation")
    # The link to choose a password went out, but the outbox keeps no usable copy of it.
    assert message.status == "sent" and "/accounts/password/reset/key/[…]/" in message.body_text
    # Asked again: the same account, no second e-mail.
    with django_capture_on_commit_callbacks(execute=True):
        again = services.facilitator_invite(name="Ella Ekstern", email="ella@coach.example", by=HRUserFactory())
    assert again.pk == user.pk
    assert OutboxMessage.objects.filter(recipient=user).count() == 1
    with pytest.raises(ValidationError):
        services.facilitator_invite(name="", email="not-an-address", by=None)
