"""Group booking: a top leader (or delegate) signs up their leader group in one action.

All or none waits as one unit and is offered the seats together; as many as fit takes the
free seats and queues the rest; each member can cancel for themselves; the refusals change
nothing.
"""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from programmes import seats, services
from programmes.models import GroupBooking, GroupDelegate, Registration
from tests.factories import LeaderFactory, LeaderGroupFactory, OrganisationFactory
from tests.programmes.factories import ProgrammeFactory, SessionFactory, enrolled_leader

pytestmark = pytest.mark.django_db

S = Registration.Status


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _group(programme, size=4, *, org=None):
    """A leader group: its top leader (level 1 in the organisation) and size-1 level-2 members."""
    org = org or OrganisationFactory()
    head = enrolled_leader(programme, organisation=org, user__name="Åse Aasen")
    others = [
        enrolled_leader(programme, organisation=org, level=2, title="Avdelingsdirektør", user__name=f"Medlem {i}")
        for i in range(size - 1)
    ]
    return LeaderGroupFactory(organisation=org, members=[head, *others]), head, others


def _statuses(session):
    return sorted(Registration.objects.filter(session=session).values_list("status", flat=True))


def test_all_or_none_with_enough_seats_confirms_every_member_and_tells_each(django_capture_on_commit_callbacks):
    from toppleder.models import OutboxMessage

    programme = ProgrammeFactory()
    session = SessionFactory(programme=programme, capacity=5)
    group, head, others = _group(programme, 4)

    with django_capture_on_commit_callbacks(execute=True):
        booking = services.group_booking_create(
            session=session, group=group, booker=head, mode=GroupBooking.Mode.ALL_OR_NONE
        )

    assert booking.size == 4 and booking.seated == 4
    assert _statuses(session) == [S.CONFIRMED] * 4
    session.refresh_from_db()
    assert (session.confirmed_count, session.waitlist_count) == (4, 0)
    # Each member hears of it themselves, and who signed them up.
    mails = OutboxMessage.objects.filter(to_email__in=[m.user.email for m in [head, *others]])
    assert mails.count() == 4
    from toppleder.outbox.rendering import get_renderer

    mail = mails.get(to_email=others[0].user.email)
    body = get_renderer(mail.kind)(mail).text
    assert "Åse Aasen meldte deg på sammen med" in body, body


def test_all_or_none_without_enough_seats_waits_as_one_unit_and_is_offered_the_seats_together():
    programme = ProgrammeFactory()
    session = SessionFactory(programme=programme, capacity=3)
    singles = [enrolled_leader(programme) for _ in range(2)]
    for le in singles:
        services.registration_create(session=session, leader=le)
    group, head, others = _group(programme, 3)

    booking = services.group_booking_create(
        session=session, group=group, booker=head, mode=GroupBooking.Mode.ALL_OR_NONE
    )

    assert booking.seated == 0
    waiting = Registration.objects.filter(group_booking=booking)
    assert set(waiting.values_list("status", flat=True)) == {S.WAITLISTED}
    assert sorted(waiting.values_list("waitlist_position", flat=True)) == [1, 2, 3]
    # The one free seat is not taken by part of the group; a newcomer who fits takes it
    # (a seat is never left empty for a group that does not fit)...
    late = services.registration_create(session=session, leader=enrolled_leader(programme))
    assert late.status == S.CONFIRMED
    # ...and a seat freed later is not offered to part of the group either.
    services.registration_cancel(registration=Registration.objects.get(session=session, leader=singles[0]))
    assert set(waiting.values_list("status", flat=True)) == {S.WAITLISTED}
    assert not Registration.objects.filter(session=session, status=S.OFFERED).exists()
    # A newcomer queues behind the group only when the group fits in the free seats; here it does not.
    behind = services.registration_create(session=session, leader=enrolled_leader(programme))
    assert behind.status == S.CONFIRMED

    # HR moves the session to a bigger room: the whole group is offered its seats at once.
    services.session_update(session=session, capacity=6, by=None)
    assert set(waiting.values_list("status", flat=True)) == {S.OFFERED}
    expiries = set(waiting.values_list("offer_expires_at", flat=True))
    assert len(expiries) == 1

    # The top leader keeps them for the group in one click.
    assert services.group_offer_accept(booking=booking, booker=head) == 3
    assert set(waiting.values_list("status", flat=True)) == {S.CONFIRMED}
    assert seats.drift() == []


def test_a_member_can_give_up_their_offered_seat_and_the_others_keep_theirs():
    programme = ProgrammeFactory()
    session = SessionFactory(programme=programme, capacity=1)
    services.registration_create(session=session, leader=enrolled_leader(programme))
    group, head, others = _group(programme, 3)
    booking = services.group_booking_create(session=session, group=group, booker=head, mode="all")
    services.session_update(session=session, capacity=4, by=None)

    services.registration_cancel(registration=Registration.objects.get(session=session, leader=others[0]))

    assert services.group_offer_accept(booking=booking, booker=head) == 2
    assert dict(Registration.objects.filter(group_booking=booking).values_list("leader_id", "status")) == {
        head.pk: S.CONFIRMED,
        others[0].pk: S.CANCELLED,
        others[1].pk: S.CONFIRMED,
    }


def test_as_many_as_fit_takes_the_free_seats_in_name_order_and_queues_the_rest_one_by_one():
    programme = ProgrammeFactory()
    session = SessionFactory(programme=programme, capacity=2)
    group, head, others = _group(programme, 4)

    booking = services.group_booking_create(session=session, group=group, booker=head, mode="fit")

    assert booking.seated == 2
    rows = dict(Registration.objects.filter(session=session).values_list("leader__user__name", "status"))
    assert rows == {
        "Medlem 0": S.CONFIRMED,
        "Medlem 1": S.CONFIRMED,
        "Medlem 2": S.WAITLISTED,
        "Åse Aasen": S.WAITLISTED,
    }
    # They wait one by one: a single freed seat goes to the first of them.
    services.registration_cancel(registration=Registration.objects.get(session=session, leader=others[0]))
    assert Registration.objects.get(session=session, leader=others[2]).status == S.OFFERED


def test_chosen_members_only_and_a_member_already_signed_up_is_left_as_they_were():
    programme = ProgrammeFactory()
    session = SessionFactory(programme=programme, capacity=10)
    group, head, others = _group(programme, 4)
    own = services.registration_create(session=session, leader=others[0])

    booking = services.group_booking_create(
        session=session, group=group, booker=head, members=[others[0], others[1]], mode="all"
    )

    assert booking.size == 1 and [le.pk for le in booking.skipped] == [others[0].pk]
    own.refresh_from_db()
    assert own.group_booking_id is None
    assert set(Registration.objects.filter(session=session).values_list("leader_id", flat=True)) == {
        others[0].pk,
        others[1].pk,
    }


def test_a_delegate_may_book_for_the_group():
    programme = ProgrammeFactory()
    session = SessionFactory(programme=programme)
    group, head, others = _group(programme, 3)
    GroupDelegate.objects.create(group=group, leader=others[0])

    booking = services.group_booking_create(session=session, group=group, booker=others[0], mode="all")

    assert booking.size == 3


@pytest.mark.parametrize(
    "case, message",
    [
        ("member_not_head", "Only the leader group's top leader or their delegate"),
        ("top_leader_elsewhere", "Only the leader group's top leader or their delegate"),
        ("larger_than_group", "The leader group has 3 members: you cannot book more seats than that."),
        ("outsider", "Only members of the leader group can be booked."),
        ("not_enrolled", "Not enrolled in the programme this session belongs to: Ikke Med."),
        ("closed", "The registration deadline for this session has passed."),
        ("reserved", "This session is reserved for other leader groups."),
        ("bad_mode", "Choose “all or none” or “as many as fit”."),
    ],
)
def test_refusals_say_why_and_change_nothing(case, message):
    from toppleder.models import AuditEntry

    programme = ProgrammeFactory()
    session = SessionFactory(programme=programme, capacity=10)
    group, head, others = _group(programme, 3)
    booker, members, mode = head, None, "all"
    if case == "member_not_head":
        booker = others[0]
    elif case == "top_leader_elsewhere":
        booker = enrolled_leader(programme)  # a top leader, of another organisation
        group.members.add(booker)
    elif case == "larger_than_group":
        members = [head, *others, enrolled_leader(programme)]
    elif case == "outsider":
        members = [head, enrolled_leader(programme)]
    elif case == "not_enrolled":
        group.members.add(LeaderFactory(organisation=group.organisation, level=2, user__name="Ikke Med"))
        members = None
    elif case == "closed":
        session.registration_deadline = timezone.now() - timedelta(minutes=1)
        session.save()
    elif case == "reserved":
        session.reserved_for_groups.add(LeaderGroupFactory())
    elif case == "bad_mode":
        mode = "some"
    if case == "not_enrolled":
        # the added member makes the group 4; the booking names all of them
        pass
    entries = AuditEntry.objects.count()

    with pytest.raises(ValidationError) as exc:
        services.group_booking_create(session=session, group=group, booker=booker, members=members, mode=mode)

    assert message in " ".join(exc.value.messages)
    assert not Registration.objects.filter(session=session).exists()
    assert not GroupBooking.objects.exists()
    assert AuditEntry.objects.count() == entries
    session.refresh_from_db()
    assert session.confirmed_count == session.waitlist_count == 0


def test_nobody_left_to_book_is_refused():
    programme = ProgrammeFactory()
    session = SessionFactory(programme=programme, capacity=10)
    group, head, others = _group(programme, 2)
    services.group_booking_create(session=session, group=group, booker=head, mode="all")

    with pytest.raises(ValidationError, match="already has a seat"):
        services.group_booking_create(session=session, group=group, booker=head, mode="all")
    assert GroupBooking.objects.count() == 1


def test_a_waiting_group_member_cannot_take_a_seat_for_themselves_near_the_start():
    """Inside the cut-off a free seat goes to whoever takes it first, but not to part of an
    all-or-none group: the group waits as one unit."""
    programme = ProgrammeFactory()
    start = timezone.now() + timedelta(hours=30)
    session = SessionFactory(programme=programme, capacity=1, starts_at=start, ends_at=start + timedelta(hours=2))
    holder = services.registration_create(session=session, leader=enrolled_leader(programme))
    group, head, others = _group(programme, 2)
    services.group_booking_create(session=session, group=group, booker=head, mode="all")
    services.registration_cancel(registration=holder)
    mine = Registration.objects.get(session=session, leader=head)

    with pytest.raises(ValidationError, match="waits for seats as one unit"):
        services.offer_accept(registration=mine)
    mine.refresh_from_db()
    assert mine.status == S.WAITLISTED


def test_only_the_top_leader_or_delegate_keeps_the_groups_offered_seats():
    programme = ProgrammeFactory()
    session = SessionFactory(programme=programme, capacity=1)
    services.registration_create(session=session, leader=enrolled_leader(programme))
    group, head, others = _group(programme, 2)
    booking = services.group_booking_create(session=session, group=group, booker=head, mode="all")
    services.session_update(session=session, capacity=3, by=None)

    with pytest.raises(ValidationError, match="top leader or their delegate"):
        services.group_offer_accept(booking=booking, booker=others[0])
    assert set(Registration.objects.filter(group_booking=booking).values_list("status", flat=True)) == {S.OFFERED}
