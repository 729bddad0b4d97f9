"""Leader-group courses: many parallel courses from one template in one step, reserved for
their groups, and each group's progress (sessions held, attendance per member, commitments)."""

import itertools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from programmes import selectors, services
from programmes.models import Course, CourseSession, ProgrammeEnrolment, Registration, Session
from tests.factories import FacilitatorFactory, HRUserFactory, LeaderFactory, LeaderGroupFactory, OrganisationFactory
from tests.programmes.factories import ProgrammeFactory
from toppleder.audit import AuditEntry

pytestmark = pytest.mark.django_db

OSLO = ZoneInfo("Europe/Oslo")
NOW = datetime(2026, 9, 1, 9, 0, tzinfo=OSLO)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


NUMBERS = itertools.count()


def groups(n, members=3):
    out = []
    for _i in range(n):
        org = OrganisationFactory(name=f"Virksomhet {next(NUMBERS):03d}")
        out.append(
            LeaderGroupFactory(organisation=org, members=[LeaderFactory(organisation=org) for _ in range(members)])
        )
    return out


@pytest.fixture
def template():
    return services.course_template_create(
        name="Ledergruppeutvikling",
        session_titles=["Oppstart", "Samhandling", "Dilemmaer", "Styringsdialogen", "Tillit", "Avslutning"],
        weeks_between=4,
        duration_minutes=180,
        by=HRUserFactory(),
    )


def test_hr_makes_44_parallel_courses_from_one_template_in_one_step(template):
    hr, facilitator = HRUserFactory(), FacilitatorFactory()
    programme = ProgrammeFactory()
    chosen = groups(44)
    courses = services.courses_create(
        programme=programme,
        template=template,
        groups=chosen,
        first_starts_at=datetime(2026, 10, 1, 13, 0, tzinfo=OSLO),
        facilitator=facilitator,
        place="Rådhuset",
        by=hr,
    )
    assert len(courses) == Course.objects.count() == 44
    assert Session.objects.count() == 44 * 6
    for course in Course.objects.prefetch_related("groups"):
        (group,) = course.groups.all()
        assert course.facilitator == facilitator
        links = list(course.course_sessions.select_related("session").order_by("position"))
        assert [link.position for link in links] == [1, 2, 3, 4, 5, 6]
        # each session is reserved for the group alone, with a seat per member
        for link in links:
            assert list(link.session.reserved_for_groups.all()) == [group]
            assert link.session.capacity == 3
            assert link.session.status == Session.Status.DRAFT
    # every member is enrolled, so the reserved sessions reach them
    assert ProgrammeEnrolment.objects.filter(programme=programme).count() == 44 * 3
    # audited: a create entry for every course, every session and every place in a course
    assert AuditEntry.objects.filter(event="courses_create", object_type="programmes.course").count() == 44
    assert AuditEntry.objects.filter(event="courses_create", object_type="programmes.session").count() == 264
    assert AuditEntry.objects.filter(event="courses_create", object_type="programmes.coursesession").count() == 264


def test_sessions_keep_the_wall_clock_time_across_the_change_to_winter_time(template):
    programme = ProgrammeFactory()
    (course,) = services.courses_create(
        programme=programme,
        template=template,
        groups=groups(1),
        first_starts_at=datetime(2026, 10, 1, 13, 0, tzinfo=OSLO),
        place="Rådhuset",
        by=HRUserFactory(),
    )
    starts = [link.session.starts_at.astimezone(OSLO) for link in course.course_sessions.select_related("session")]
    assert [(s.hour, s.minute) for s in starts] == [(13, 0)] * 6  # 25 October 2026 is in between
    assert [s.date().isoformat() for s in starts[:2]] == ["2026-10-01", "2026-10-29"]


def test_one_course_for_a_few_groups_together(template):
    chosen = groups(3, members=2)
    (course,) = services.courses_create(
        programme=ProgrammeFactory(),
        template=template,
        groups=chosen,
        first_starts_at=NOW + timedelta(days=30),
        place="Rådhuset",
        together=True,
        by=HRUserFactory(),
    )
    assert set(course.groups.all()) == set(chosen)
    session = course.course_sessions.first().session
    assert set(session.reserved_for_groups.all()) == set(chosen) and session.capacity == 6


def test_publishing_at_once_invites_only_the_groups_members(template, django_capture_on_commit_callbacks):
    from toppleder.models import OutboxMessage

    mine, other = groups(2)
    with django_capture_on_commit_callbacks(execute=True):
        services.courses_create(
            programme=ProgrammeFactory(),
            template=template,
            groups=[mine],
            first_starts_at=NOW + timedelta(days=30),
            place="Rådhuset",
            publish=True,
            by=HRUserFactory(),
        )
    invited = set(
        OutboxMessage.objects.filter(kind=OutboxMessage.Kind.SESSION_INVITATION).values_list("recipient", flat=True)
    )
    assert invited == {m.user_id for m in mine.members.all()}
    assert Session.objects.filter(status=Session.Status.PUBLISHED).count() == 6


@pytest.mark.parametrize(
    "change, field",
    [
        ({"groups": []}, "groups"),
        ({"place": ""}, "place"),  # an in-person session needs a place: the session rule, once
        ({"facilitator": "leader_b"}, "facilitator"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_made(template, change, field):
    programme = ProgrammeFactory()
    kwargs = {
        "programme": programme,
        "template": template,
        "groups": groups(2),
        "first_starts_at": NOW + timedelta(days=30),
        "place": "Rådhuset",
        "by": HRUserFactory(),
    }
    if change.get("facilitator") == "leader_b":
        change = {"facilitator": LeaderFactory(level=2).user}  # a level-2 leader cannot facilitate
    kwargs.update(change)
    with pytest.raises(ValidationError) as exc:
        services.courses_create(**kwargs)
    assert field in exc.value.message_dict
    assert not Course.objects.exists() and not Session.objects.exists() and not ProgrammeEnrolment.objects.exists()


def test_a_group_that_has_the_course_already_is_refused_with_its_name(template):
    programme, chosen = ProgrammeFactory(), groups(2)
    kwargs = {"programme": programme, "template": template, "first_starts_at": NOW + timedelta(days=30)}
    services.courses_create(groups=chosen[:1], place="Rådhuset", by=HRUserFactory(), **kwargs)
    with pytest.raises(ValidationError) as exc:
        services.courses_create(groups=chosen, place="Rådhuset", by=HRUserFactory(), **kwargs)
    assert chosen[0].name in " ".join(exc.value.message_dict["groups"])
    assert Course.objects.count() == 1  # the second group got nothing either: all or nothing


def test_an_empty_template_is_refused():
    with pytest.raises(ValidationError) as exc:
        services.course_template_create(name="Tom", session_titles=["  ", ""], by=HRUserFactory())
    assert "session_titles" in exc.value.message_dict


def test_progress_per_group_counts_held_sessions_attendance_and_commitments(template):
    programme = ProgrammeFactory()
    (group,) = groups(1, members=2)
    a, b = group.members.order_by("pk")
    (course,) = services.courses_create(
        programme=programme,
        template=template,
        groups=[group],
        first_starts_at=NOW - timedelta(weeks=5),  # two sessions have taken place
        place="Rådhuset",
        publish=True,
        by=HRUserFactory(),
    )
    first, second = [link.session for link in course.course_sessions.order_by("position")[:2]]
    Registration.objects.create(session=first, leader=a, status="confirmed", attendance="attended")
    Registration.objects.create(session=first, leader=b, status="confirmed", attendance="no_show")
    Registration.objects.create(session=second, leader=a, status="confirmed", attendance="attended")
    services.commitment_create(
        programme=programme, session=second, text="Felles innkjøp av vikartjenester", parties=[a], by=None
    )
    outsider = LeaderFactory()
    services.commitment_create(programme=programme, session=second, text="Noe annet", parties=[outsider], by=None)

    progress = selectors.course_progress(course)
    (g,) = progress["groups"]
    assert g["held"] == 2 and progress["held"] == 2
    rows = {r["leader"].pk: r for r in g["rows"]}
    assert rows[a.pk]["cells"][:3] == ["attended", "attended", ""] and rows[a.pk]["attended"] == 2
    assert rows[b.pk]["cells"][:2] == ["no_show", ""] and rows[b.pk]["attended"] == 0
    assert [c.text for c in g["commitments"]] == ["Felles innkjøp av vikartjenester"]

    (row,) = selectors.course_overview(programme)
    assert (row.planned, row.held, row.members, row.attendances) == (6, 2, 2, 2)
    assert row.attendance_percent == 50  # 2 attendances of 2 sessions × 2 members


def test_progress_costs_the_same_queries_for_more_members_and_courses(template):
    programme = ProgrammeFactory()

    def measure(n_groups, members):
        courses = services.courses_create(
            programme=programme,
            template=template,
            groups=groups(n_groups, members=members),
            first_starts_at=NOW - timedelta(weeks=5),
            place="Rådhuset",
            publish=True,
            by=None,
        )
        with CaptureQueriesContext(connection) as overview:
            selectors.course_overview(programme)
        with CaptureQueriesContext(connection) as progress:
            selectors.course_progress(Course.objects.get(pk=courses[0].pk))
        return len(overview), len(progress)

    small = measure(1, 2)
    Course.objects.all().delete()
    CourseSession.objects.all().delete()
    assert measure(10, 8) == small


# --------------------------------------------------------------------------- pages
@pytest.fixture
def staff_pages(settings):
    settings.MFA_REQUIRED_FOR_STAFF = False


def test_hr_makes_courses_on_the_page_and_sees_their_progress(client, template, staff_pages):
    programme, chosen = ProgrammeFactory(), groups(3)
    client.force_login(HRUserFactory())
    form = client.get(f"/programmes/{programme.pk}/courses/new/")
    assert form.status_code == 200 and "Ledergruppeutvikling" in form.content.decode()
    r = client.post(
        f"/programmes/{programme.pk}/courses/new/",
        {
            "template": template.pk,
            "groups": [g.pk for g in chosen],
            "first_starts_at": "2026-10-01T13:00",
            "format": "in_person",
            "place": "Rådhuset",
        },
    )
    assert r.status_code == 302 and Course.objects.count() == 3
    page = client.get(f"/programmes/{programme.pk}/courses/").content.decode()
    for g in chosen:
        assert g.name in page
    assert "0 av 6" in page  # sessions held of planned, in Norwegian


def test_a_course_form_without_a_place_answers_400_in_norwegian_and_makes_nothing(client, template, staff_pages):
    programme = ProgrammeFactory()
    client.force_login(HRUserFactory())
    r = client.post(
        f"/programmes/{programme.pk}/courses/new/",
        {
            "template": template.pk,
            "groups": [groups(1)[0].pk],
            "first_starts_at": "2026-10-01T13:00",
            "format": "in_person",
        },
    )
    assert r.status_code == 400 and not Course.objects.exists()
    assert "trenger et sted" in r.content.decode()


def test_a_member_sees_the_course_and_only_their_own_attendance(client, template):
    programme = ProgrammeFactory()
    (group,) = groups(1, members=2)
    a, b = group.members.order_by("pk")
    (course,) = services.courses_create(
        programme=programme,
        template=template,
        groups=[group],
        first_starts_at=NOW - timedelta(weeks=1),
        place="Rådhuset",
        publish=True,
        by=None,
    )
    client.force_login(a.user)
    page = client.get(f"/courses/{course.pk}/").content.decode()
    assert a.name in page and b.name not in page
    client.force_login(LeaderFactory().user)  # not in the group
    assert client.get(f"/courses/{course.pk}/").status_code == 404
    client.force_login(FacilitatorFactory())
    assert client.get(f"/courses/{course.pk}/").status_code == 404  # not this course's facilitator


def test_the_courses_facilitator_sees_every_members_attendance(client, template):
    facilitator = FacilitatorFactory()
    (group,) = groups(1, members=2)
    (course,) = services.courses_create(
        programme=ProgrammeFactory(),
        template=template,
        groups=[group],
        first_starts_at=NOW - timedelta(weeks=1),
        place="Rådhuset",
        facilitator=facilitator,
        by=None,
    )
    client.force_login(facilitator)
    page = client.get(f"/courses/{course.pk}/").content.decode()
    assert all(m.name in page for m in group.members.all())
