"""Pages: happy path, wrong method, wrong person, and query counts that do not grow with the data."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

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
from tests.factories import FacilitatorFactory, LeaderFactory, OrganisationFactory, SectorFactory
from tests.reflection_groups.conftest import enrol

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"reflection_groups:{name}", args=args)


def _messages(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


# --------------------------------------------------------------------------- groups
def test_leader_sees_own_group_in_list_and_dashboard_marks_it_new(client, world):
    client.force_login(world.members[1].user)
    body = client.get(url("group_list")).content.decode()
    assert world.group.name in body
    dash = client.get("/").content.decode()
    assert "New group" in dash and world.group.name in dash
    page = client.get(url("group_detail", world.group.pk)).content.decode()
    assert "New group" in client.get("/").content.decode()  # a GET changes nothing (link scanners)
    assert url("group_seen", world.group.pk) in page  # the page posts the mark itself
    assert client.post(url("group_seen", world.group.pk)).status_code == 204
    assert "New group" not in client.get("/").content.decode()
    assert url("group_seen", world.group.pk) not in client.get(url("group_detail", world.group.pk)).content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_second_seen_mark_and_opening_a_seen_group_change_nothing(client, world):
    """Opening a group page already seen (or posting the mark again from a second tab) writes
    nothing: no row changes and the membership table keeps its cache version for everyone."""
    from django.core.cache import cache

    from toppleder import caching

    client.force_login(world.members[1].user)
    client.post(url("group_seen", world.group.pk))
    key = caching.VERSION_KEY.format("reflection_groups_groupmembership")
    before = cache.get(key)
    assert before is not None  # the first mark changed the table (autocommit: at once)
    client.get(url("group_detail", world.group.pk))
    assert client.post(url("group_seen", world.group.pk)).status_code == 204
    assert cache.get(key) == before


def test_outsider_gets_404_for_someone_elses_group(client, world):
    client.force_login(world.outsider.user)
    assert client.get(url("group_detail", world.group.pk)).status_code == 404
    assert world.group.name not in client.get(url("group_list")).content.decode()


def test_proposed_group_is_hidden_from_its_members(client, world):
    ReflectionGroup.objects.filter(pk=world.group.pk).update(status="proposed")
    client.force_login(world.members[1].user)
    assert client.get(url("group_detail", world.group.pk)).status_code == 404


def test_member_posts_a_note(client, world):
    client.force_login(world.members[1].user)
    response = client.post(url("note_create", world.group.pk), {"text": "Godt møte"}, follow=True)
    assert response.status_code == 200
    assert GroupNote.objects.count() == 2
    assert "Godt møte" in response.content.decode()


def test_non_member_posting_a_note_is_refused_and_nothing_changes(client, world, hr_user):
    for user in (world.outsider.user, hr_user):
        client.force_login(user)
        response = client.post(url("note_create", world.group.pk), {"text": "Snoking"})
        assert response.status_code in (403, 404)
    assert GroupNote.objects.count() == 1


def test_note_create_rejects_get(client, world):
    client.force_login(world.members[1].user)
    assert client.get(url("note_create", world.group.pk)).status_code == 405


def test_schedule_meeting_happy_path_and_bad_time(client, world):
    client.force_login(world.facilitator)
    when = (timezone.localtime() + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        url("meeting_create", world.group.pk), {"starts_at": when, "place": "Rådhuset", "prompt_key": "dare"}
    )
    assert response.status_code == 302
    assert world.group.meetings.count() == 2
    before = (world.group.created_at - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url("meeting_create", world.group.pk), {"starts_at": before, "place": "Rådhuset"})
    assert response.status_code == 400
    assert "before the group exists" in response.content.decode()
    assert world.group.meetings.count() == 2


def test_schedule_meeting_wrong_person(client, world):
    client.force_login(world.outsider.user)
    assert client.get(url("meeting_create", world.group.pk)).status_code == 404


def test_record_attendance(client, world):
    client.force_login(world.members[2].user)
    response = client.post(
        url("attendance_record", world.group.pk, world.meeting.pk), {"present": [m.pk for m in world.members]}
    )
    assert response.status_code == 302
    assert world.meeting.attendance.count() == 3
    assert client.get(url("attendance_record", world.group.pk, world.meeting.pk)).status_code == 405


def test_hr_composes_moves_and_publishes(client, hr_user, world, django_capture_on_commit_callbacks):
    sectors = [SectorFactory() for _ in range(3)]
    leaders = [LeaderFactory(organisation=OrganisationFactory(sector=sectors[i % 3])) for i in range(12)]
    enrol(world.programme, leaders)
    client.force_login(hr_user)
    assert client.get(url("compose")).status_code == 200
    response = client.post(
        url("compose"),
        {
            "programme": world.programme.pk,
            "kind": "reflection",
            "size_min": 6,
            "size_max": 8,
            "facilitator": FacilitatorFactory().pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    proposed = list(ReflectionGroup.objects.filter(status="proposed"))
    assert len(proposed) == 2
    page = client.get(response.url)
    assert "diversity score" in page.content.decode()
    a, b = proposed
    leader = a.members.first()
    response = client.post(url("group_move", a.pk), {"leader": leader.pk, "to_group": b.pk})
    assert response.status_code == 302
    assert GroupMembership.objects.get(leader=leader, group__programme=world.programme, active=True).group_id == b.pk
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("proposal_publish", world.programme.pk, "reflection"), {})
    assert ReflectionGroup.objects.filter(status="published").count() == 3


def test_compose_infeasible_shows_why(client, hr_user, world):
    client.force_login(hr_user)
    response = client.post(
        url("compose"), {"programme": world.programme.pk, "kind": "reflection", "size_min": 6, "size_max": 8}
    )
    assert response.status_code == 400
    assert "No groups were proposed" in response.content.decode()


def test_compose_is_for_hr_only(client, world):
    client.force_login(world.members[0].user)
    assert client.get(url("compose")).status_code == 403
    assert client.post(url("group_move", world.group.pk), {}).status_code == 403


def test_group_list_filters_for_hr(client, hr_user, world):
    ReflectionGroup.objects.create(
        programme=world.programme,
        kind="network",
        theme="Digitalisering",
        name="Nettverk D",
        facilitator=world.facilitator,
    )
    client.force_login(hr_user)
    body = client.get(url("group_list"), {"kind": "network"}).content.decode()
    assert "Nettverk D" in body and world.group.name not in body


# --------------------------------------------------------------------------- pairs
def test_pair_pages_for_the_two_and_404_for_others(client, world):
    client.force_login(world.pair.mentee.user)
    assert client.get(url("pair_detail", world.pair.pk)).status_code == 200
    assert "Mona Mentor" in client.get(url("pair_list")).content.decode()
    client.force_login(world.outsider.user)
    assert client.get(url("pair_detail", world.pair.pk)).status_code == 404
    assert client.post(url("pair_meeting_create", world.pair.pk), {"date": "2026-01-01"}).status_code == 404


def test_pair_log_meeting_and_fit_check(client, world):
    client.force_login(world.pair.mentor.user)
    response = client.post(
        url("pair_meeting_create", world.pair.pk), {"date": timezone.localdate().isoformat(), "note": "Privat"}
    )
    assert response.status_code == 302
    assert PairMeeting.objects.filter(pair=world.pair).count() == 2
    client.post(url("pair_fit", world.pair.pk), {"fit": "good"})
    world.pair.refresh_from_db()
    assert world.pair.fit_mentor == "good"
    assert client.get(url("pair_fit", world.pair.pk)).status_code == 405


def test_hr_matches_and_publishes_pairs(client, hr_user, world, django_capture_on_commit_callbacks):
    MentorPair.objects.all().delete()
    client.force_login(hr_user)
    response = client.post(url("pair_match"), {"programme": world.programme.pk, "scheme": "duo"})
    assert response.status_code == 200
    assert MentorPair.objects.filter(status="proposed").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("pairs_publish"), {"programme": world.programme.pk, "scheme": "duo"})
    assert MentorPair.objects.filter(status="active").count() == 1


def test_hr_adds_a_pair_by_hand_and_over_capacity_is_refused(client, hr_user, world):
    MentorProfile.objects.filter(leader=world.pair.mentor).update(capacity=1)
    MenteeWish.objects.create(leader=world.members[1], scheme="duo")
    client.force_login(hr_user)
    response = client.post(
        url("pair_create"),
        {
            "programme": world.programme.pk,
            "scheme": "duo",
            "mentor": world.pair.mentor.pk,
            "mentee": world.members[1].pk,
        },
        follow=True,
    )
    assert any("no capacity left" in m for m in _messages(response))
    assert MentorPair.objects.count() == 1


def test_pair_close_hr_only(client, hr_user, world):
    client.force_login(world.pair.mentee.user)
    assert client.post(url("pair_close", world.pair.pk), {"reason": "completed"}).status_code == 403
    client.force_login(hr_user)
    client.post(url("pair_close", world.pair.pk), {"reason": "completed"})
    world.pair.refresh_from_db()
    assert world.pair.status == "closed"


def test_leader_profile_forms(client, world):
    client.force_login(world.outsider.user)
    assert client.get(url("mentor_profile")).status_code == 200
    response = client.post(url("mentor_profile"), {"capacity": 2, "themes": ["lead", "dare"], "active": "on"})
    assert response.status_code == 302
    assert MentorProfile.objects.get(leader=world.outsider).capacity == 2
    response = client.post(url("mentee_wish"), {"scheme": "partner", "themes": ["lead"]})
    assert response.status_code == 400  # not a new top leader
    assert not MenteeWish.objects.filter(leader=world.outsider).exists()


def test_profile_forms_need_a_leader(client, plain_user):
    client.force_login(plain_user)
    assert client.get(url("mentor_profile")).status_code == 403


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(url("group_detail", world.group.pk))
    assert response.status_code == 302 and "/accounts/login/" in response.url


# --------------------------------------------------------------------------- query counts
def _grow(world, n_meetings=12, n_members_extra=5, n_groups=15):
    """More meetings, attendance, notes and groups: an N+1 would show in the counts."""
    extra = [LeaderFactory(organisation=OrganisationFactory()) for _ in range(n_members_extra)]
    GroupMembership.objects.bulk_create(
        [GroupMembership(group=world.group, leader=x, programme=world.programme, kind="reflection") for x in extra]
    )
    members = list(world.group.members.all())
    for i in range(n_meetings):
        m = GroupMeeting.objects.create(group=world.group, starts_at=timezone.now() - timedelta(days=i + 1), place="X")
        MeetingAttendance.objects.bulk_create([MeetingAttendance(meeting=m, leader=x) for x in members])
        GroupNote.objects.create(group=world.group, meeting=m, author=members[0].user, text=f"note {i}")
    for i in range(n_groups):
        g = ReflectionGroup.objects.create(
            programme=world.programme,
            name=f"G{i}",
            kind="network",
            theme="T",
            facilitator=world.facilitator,
            status="published",
        )
        if i < len(extra):
            GroupMembership.objects.create(group=g, leader=extra[i], programme=world.programme, kind="network")
    for _i in range(n_groups):
        mentee = LeaderFactory(organisation=OrganisationFactory())
        MentorPair.objects.create(
            programme=world.programme, scheme="duo", mentor=world.pair.mentor, mentee=mentee, status="active"
        )


def test_group_page_query_count_does_not_grow(client, world, django_assert_max_num_queries):
    _grow(world)
    client.force_login(world.members[1].user)
    with django_assert_max_num_queries(16):
        assert client.get(url("group_detail", world.group.pk)).status_code == 200
    client.force_login(world.facilitator)
    with django_assert_max_num_queries(16):
        assert client.get(url("meeting_detail", world.group.pk, world.meeting.pk)).status_code == 200


def test_lists_and_dashboard_query_counts_do_not_grow(client, world, hr_user, django_assert_max_num_queries):
    _grow(world)
    client.force_login(hr_user)
    with django_assert_max_num_queries(12):
        assert client.get(url("group_list")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(url("pair_list")).status_code == 200
    client.force_login(world.members[1].user)
    with django_assert_max_num_queries(12):
        assert client.get(url("group_list")).status_code == 200
    client.force_login(world.pair.mentor.user)
    with django_assert_max_num_queries(12):
        assert client.get(url("pair_list")).status_code == 200


def test_hr_closes_a_group_and_others_cannot(client, world, hr_user):
    client.force_login(world.members[0].user)
    assert client.post(url("group_close", world.group.pk)).status_code == 403
    client.force_login(hr_user)
    assert client.get(url("group_close", world.group.pk)).status_code == 405
    assert client.post(url("group_close", world.group.pk)).status_code == 302
    world.group.refresh_from_db()
    assert world.group.status == "closed"
    assert not GroupMembership.objects.filter(group=world.group, active=True).exists()


def test_proposal_page_query_count_does_not_grow_with_groups(client, hr_user, world, django_assert_max_num_queries):
    from reflection_groups import services

    sectors = [SectorFactory() for _ in range(4)]
    leaders = [LeaderFactory(organisation=OrganisationFactory(sector=sectors[i % 4])) for i in range(60)]
    enrol(world.programme, leaders)
    services.group_compose(programme=world.programme, size_min=6, size_max=7)
    client.force_login(hr_user)
    with django_assert_max_num_queries(14):
        response = client.get(url("proposal", world.programme.pk, "reflection"))
    assert response.status_code == 200
    assert response.content.decode().count("diversity score") >= 8


def test_group_page_is_in_norwegian_by_default(client_nb, world):
    client_nb.force_login(world.members[1].user)
    body = client_nb.get(url("group_detail", world.group.pk)).content.decode()
    assert "Fortrolige notater" in body and "Medlemmer" in body


def test_hr_removes_a_proposed_pair_to_match_by_hand_but_not_an_active_one(client, hr_user, world):
    MentorPair.objects.all().delete()
    client.force_login(hr_user)
    client.post(url("pair_match"), {"programme": world.programme.pk, "scheme": "duo"})
    proposed = MentorPair.objects.get(status="proposed")
    assert client.get(url("pair_discard", proposed.pk)).status_code == 405
    assert client.post(url("pair_discard", proposed.pk)).status_code == 302
    assert not MentorPair.objects.exists()
    active = MentorPair.objects.create(
        programme=world.programme, scheme="duo", mentor=world.pair.mentor, mentee=world.members[0], status="active"
    )
    response = client.post(url("pair_discard", active.pk), follow=True)
    assert any("Only a proposed pair can be removed" in m for m in _messages(response))
    assert MentorPair.objects.filter(pk=active.pk).exists()
    client.force_login(world.members[0].user)
    assert client.post(url("pair_discard", active.pk)).status_code == 403


def test_an_external_facilitator_sees_the_groups_they_run_on_the_dashboard(client, world):
    client.force_login(world.facilitator)
    response = client.get("/")
    assert response.status_code == 200
    assert world.group.name in response.content.decode()
    assert b"Groups I facilitate" in response.content


def test_opening_a_new_pair_marks_it_seen_only_when_the_page_says_so(client, world):
    client.force_login(world.pair.mentee.user)
    assert "New pair" in client.get("/").content.decode()
    page = client.get(url("pair_detail", world.pair.pk)).content.decode()
    assert "New pair" in client.get("/").content.decode()  # the GET itself changed nothing
    assert url("pair_seen", world.pair.pk) in page
    assert client.post(url("pair_seen", world.pair.pk)).status_code == 204
    assert "New pair" not in client.get("/").content.decode()
    client.force_login(world.pair.mentor.user)
    assert "New pair" in client.get("/").content.decode()  # each side has their own mark


def test_the_facilitator_field_offers_facilitator_accounts_and_top_leaders_not_hr(client, hr_user, world):
    coach = FacilitatorFactory(name="Cato Coach")
    adviser = FacilitatorFactory(name="Hanne HR-rådgiver", roles=["HR"])
    top = LeaderFactory(level=1, user__name="Tora Toppleder")
    first_line = LeaderFactory(level=3, user__name="Frank Førstelinje")
    client.force_login(hr_user)
    page = client.get(url("compose")).content.decode()
    body = page[page.index('name="facilitator"') : page.index("</select>", page.index('name="facilitator"'))]
    for person in (coach, adviser, top.user, world.facilitator):
        assert f'value="{person.pk}"' in body, person
    assert "Cato Coach (facilitator)" in body
    for person in (hr_user, first_line.user):
        assert f'value="{person.pk}"' not in body, person


def test_hr_invites_an_external_facilitator_who_then_sees_only_their_own_groups(
    client, hr_user, world, django_capture_on_commit_callbacks
):
    from toppleder.models import User

    client.force_login(hr_user)
    assert client.get(url("facilitator_list")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("facilitator_list"), {"name": "Ella Ekstern", "email": "ella@coach.example"})
    assert response.status_code == 302
    assert "Ella Ekstern" in client.get(url("facilitator_list")).content.decode()
    response = client.post(url("facilitator_list"), {"name": "", "email": "ikke-en-adresse"})
    assert response.status_code == 400
    ella = User.objects.get(email="ella@coach.example")
    # The e-mail's link (made afresh, as at delivery) lets her choose a password and sign in.
    from reflection_groups.notifications import render_facilitator_invitation
    from toppleder.models import OutboxMessage

    text = render_facilitator_invitation(OutboxMessage.objects.get(recipient=ella)).text
    link = next(w for w in text.split() if "/accounts/password/reset/key/" in w)
    client.logout()
    path = urlsplit(link).path
    response = client.get(path, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else path
    response = client.post(
        form_url, {"password1": "Fasilitator-passord-2026!", "password2": "Fasilitator-passord-2026!"}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    ella.refresh_from_db()
    assert ella.check_password("Fasilitator-passord-2026!")
    client.force_login(ella)
    assert client.get(url("facilitator_list")).status_code == 403
    assert client.get(url("group_detail", world.group.pk)).status_code == 404
    assert client.get(url("note_detail", world.group.pk, world.note.pk)).status_code == 404
    assert client.get(url("compose")).status_code == 403
    assert client.get("/admin/").status_code == 302  # the admin's sign-in page: no staff status
    world.group.facilitator = ella
    world.group.save()
    assert client.get(url("note_detail", world.group.pk, world.note.pk)).status_code == 200


def test_matching_keeps_its_choices_and_explains_who_counted_and_who_was_not_matched(client, hr_user, world):
    MentorPair.objects.all().delete()
    MentorProfile.objects.filter(leader=world.pair.mentor).update(capacity=1)
    MenteeWish.objects.create(leader=world.members[1], scheme="duo", themes=["lead"])
    MenteeWish.objects.create(leader=world.outsider, scheme="partner")  # not a new top leader
    client.force_login(hr_user)
    r = client.post(url("pair_match"), {"programme": world.programme.pk, "scheme": "duo"}, follow=True)
    html = " ".join(r.content.decode().split())
    assert f'<option value="{world.programme.pk}" selected>' in html
    assert '<option value="duo" selected>' in html
    assert "Proposed pairs: 1. Mentees considered: 2 (" in html and "Without a match: 1." in html
    unmatched = r.context["unmatched"]
    assert [why for _leader, why in unmatched] == ["not enough mentor capacity"]
    assert f"{unmatched[0][0].name} ({unmatched[0][0].organisation.name}): not enough mentor capacity" in html
    r = client.post(url("pair_match"), {"programme": world.programme.pk, "scheme": "partner"})
    html = " ".join(r.content.decode().split())
    assert "Otto Utenfor" in html and "Partner is for new top leaders" in html


def test_each_side_of_a_pair_sees_the_other_by_name_and_when_they_last_met(client, world):
    from toppleder.dates import fmt

    last = fmt(world.pair_meeting.date)
    client.force_login(world.pair.mentee.user)
    page = client.get("/").content.decode()
    assert "Your mentor is Mona Mentor" in page and f"last met {last}" in page
    assert url("pair_detail", world.pair.pk) in page
    client.force_login(world.pair.mentor.user)
    page = client.get("/").content.decode()
    assert "You mentor Mia Medlem" in page and f"last met {last}" in page
    world.pair.mentee.user.__class__.objects.filter(pk=world.pair.mentee.user_id).update(name="")
    assert "You mentor mia@toppleder.example" in client.get("/").content.decode()  # no name: the address
