"""Every programmes URL for every role, built from the URL resolver (a new URL without an
expectation here fails `test_every_url_has_an_expectation`).

Roles: anonymous, the leader (enrolled, registered, party to a commitment), leader B
(enrolled in another programme only) and HR (no leader profile). Another person's
object is a 404, a missing role a 403, anonymous goes to the login page; POST-only
URLs are posted to (with empty data where the form then fails: 400 for HR).
"""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from programmes import email_actions
from programmes import urls as programme_urls
from programmes.models import Material, Measure
from tests.factories import HRUserFactory, LeaderFactory
from tests.programmes.factories import (
    CommitmentFactory,
    ProgrammeFactory,
    RegistrationFactory,
    SessionFactory,
    enrolled_leader,
)
from tests.programmes.web import *  # noqa: F403
from tests.programmes.web import login

pytestmark = pytest.mark.django_db

LOGIN = 302


def _guest_token(w) -> str:
    """The token of a politician's page about the world's session (invited by name)."""
    from programmes.models import GuestInvitation, Participant
    from toppleder.models import User

    user, _new = User.objects.get_or_create(email="gjest@byraadet.example.no", defaults={"name": "Gunn Gjest"})
    participant, _new = Participant.objects.get_or_create(user=user, defaults={"category": "politician"})
    GuestInvitation.objects.get_or_create(session=w.s, participant=participant)
    return email_actions.guest_page_link(participant, w.s)[1]


# name: (method, kwargs(world) -> dict, data, {role: expected status})
MATRIX = {
    "programme_list": ("get", lambda w: {}, {}, dict(anon=LOGIN, leader=200, leader_b=200, hr=200)),
    "programme_create": ("get", lambda w: {}, {}, dict(anon=LOGIN, leader=403, leader_b=403, hr=200)),
    "programme_detail": ("get", lambda w: {"pk": w.p.pk}, {}, dict(anon=LOGIN, leader=200, leader_b=404, hr=200)),
    "programme_edit": ("get", lambda w: {"pk": w.p.pk}, {}, dict(anon=LOGIN, leader=403, leader_b=403, hr=200)),
    "programme_status": (
        "post",
        lambda w: {"pk": w.p.pk},
        {"status": "closed"},
        dict(anon=LOGIN, leader=403, leader_b=403, hr=302),
    ),
    "enrolment_list": ("get", lambda w: {"pk": w.p.pk}, {}, dict(anon=LOGIN, leader=403, leader_b=403, hr=200)),
    "enrolment_add": ("post", lambda w: {"pk": w.p.pk}, {}, dict(anon=LOGIN, leader=403, leader_b=403, hr=302)),
    "enrolment_add_group": ("post", lambda w: {"pk": w.p.pk}, {}, dict(anon=LOGIN, leader=403, leader_b=403, hr=400)),
    "enrolment_add_organisations": (
        "post",
        lambda w: {"pk": w.p.pk},
        {},
        dict(anon=LOGIN, leader=403, leader_b=403, hr=400),
    ),
    "enrolment_withdraw": (
        "post",
        lambda w: {"pk": w.p.pk, "enrolment_pk": w.enrolment.pk},
        {},
        dict(anon=LOGIN, leader=403, leader_b=403, hr=302),
    ),
    "leaders_import": ("get", lambda w: {"pk": w.p.pk}, {}, dict(anon=LOGIN, leader=403, leader_b=403, hr=200)),
    "leaders_import_template": (
        "get",
        lambda w: {"fmt": "csv"},
        {},
        dict(anon=LOGIN, leader=403, leader_b=403, hr=200),
    ),
    "export": (
        "get",
        lambda w: {"pk": w.p.pk, "what": "registrations", "fmt": "xlsx"},
        {},
        dict(anon=LOGIN, leader=403, leader_b=403, hr=200),
    ),
    "session_create": ("get", lambda w: {"pk": w.p.pk}, {}, dict(anon=LOGIN, leader=403, leader_b=403, hr=200)),
    "session_detail": ("get", lambda w: {"pk": w.s.pk}, {}, dict(anon=LOGIN, leader=200, leader_b=404, hr=200)),
    "checkin": ("get", lambda w: {"pk": w.s.pk}, {}, dict(anon=LOGIN, leader=200, leader_b=404, hr=403)),
    "session_calendar": ("get", lambda w: {"pk": w.s.pk}, {}, dict(anon=LOGIN, leader=200, leader_b=404, hr=200)),
    "session_edit": ("get", lambda w: {"pk": w.s.pk}, {}, dict(anon=LOGIN, leader=403, leader_b=403, hr=200)),
    "session_action": (
        "post",
        lambda w: {"pk": w.s.pk, "action": "complete"},
        {},
        dict(anon=LOGIN, leader=403, leader_b=403, hr=302),
    ),
    "registration_create": ("post", lambda w: {"pk": w.s.pk}, {}, dict(anon=LOGIN, leader=302, leader_b=404, hr=403)),
    "registration_cancel": ("post", lambda w: {"pk": w.s.pk}, {}, dict(anon=LOGIN, leader=302, leader_b=404, hr=403)),
    "offer_accept": ("post", lambda w: {"pk": w.s.pk}, {}, dict(anon=LOGIN, leader=302, leader_b=404, hr=403)),
    "registration_restore": (
        "post",
        lambda w: {"pk": w.cancelled_session.pk},
        {},
        dict(anon=LOGIN, leader=302, leader_b=404, hr=403),
    ),
    "registration_switch_mode": (
        "post",
        lambda w: {"pk": w.s.pk},
        {"mode": "online"},
        dict(anon=LOGIN, leader=302, leader_b=404, hr=403),
    ),
    "group_booking": (
        "get",
        lambda w: {"pk": w.s.pk, "group_pk": w.group.pk},
        {},
        dict(anon=LOGIN, leader=200, leader_b=404, hr=403),
    ),
    "group_offer_accept": (
        "post",
        lambda w: {"pk": w.s.pk, "booking_pk": w.booking.pk},
        {},
        dict(anon=LOGIN, leader=302, leader_b=404, hr=403),
    ),
    "registration_apologies": (
        "post",
        lambda w: {"pk": w.s.pk},
        {},
        dict(anon=LOGIN, leader=302, leader_b=404, hr=403),
    ),
    "contributor_add": ("post", lambda w: {"pk": w.s.pk}, {}, dict(anon=LOGIN, leader=403, leader_b=403, hr=400)),
    "contributor_remove": (
        "post",
        lambda w: {"pk": w.s.pk, "contributor_pk": w.contributor.pk},
        {},
        dict(anon=LOGIN, leader=403, leader_b=403, hr=302),
    ),
    "material_add": ("post", lambda w: {"pk": w.s.pk}, {}, dict(anon=LOGIN, leader=403, leader_b=403, hr=400)),
    "material_download": (
        "get",
        lambda w: {"pk": w.s.pk, "material_pk": w.material.pk},
        {},
        dict(anon=LOGIN, leader=200, leader_b=404, hr=200),
    ),
    "material_remove": (
        "post",
        lambda w: {"pk": w.s.pk, "material_pk": w.material.pk},
        {},
        dict(anon=LOGIN, leader=403, leader_b=403, hr=302),
    ),
    "waitlist_move": (
        "post",
        lambda w: {"pk": w.s.pk, "registration_pk": w.waiting.pk},
        {},
        dict(anon=LOGIN, leader=403, leader_b=403, hr=400),
    ),
    "waitlist_favour_newcomers": (
        "post",
        lambda w: {"pk": w.s.pk},
        {},
        dict(anon=LOGIN, leader=403, leader_b=403, hr=400),
    ),
    "attendance_record": ("post", lambda w: {"pk": w.s.pk}, {}, dict(anon=LOGIN, leader=403, leader_b=403, hr=400)),
    "commitment_create": ("post", lambda w: {"pk": w.s.pk}, {}, dict(anon=LOGIN, leader=403, leader_b=403, hr=400)),
    "commitment_status": (
        "post",
        lambda w: {"pk": w.commitment.pk},
        {"status": "done"},
        dict(anon=LOGIN, leader=302, leader_b=404, hr=302),
    ),
    "calendar": ("get", lambda w: {}, {}, dict(anon=LOGIN, leader=200, leader_b=200, hr=403)),
    "calendar_reset": ("post", lambda w: {}, {}, dict(anon=LOGIN, leader=302, leader_b=302, hr=403)),
    # The feed has no login: the token is the secret.
    "calendar_feed": (
        "get",
        lambda w: {"token": w.me.calendar_token},
        {},
        dict(anon=200, leader=200, leader_b=200, hr=200),
    ),
    # A one-click link from an e-mail to the leader: the link is the key; signed in as someone else, 403.
    "email_action": (
        "get",
        lambda w: {
            "action": "signup",
            "token": email_actions.make_token("signup", leader=w.me, session=w.s, expires_at=w.s.starts_at),
        },
        {},
        dict(anon=200, leader=200, leader_b=403, hr=403),
    ),
    # A guest's own page about a session (and its calendar file): the link is theirs, no sign-in;
    # anyone signed in is someone else (403).
    "guest_page": ("get", lambda w: {"token": _guest_token(w)}, {}, dict(anon=200, leader=403, leader_b=403, hr=403)),
    "guest_calendar": (
        "get",
        lambda w: {"token": _guest_token(w)},
        {},
        dict(anon=200, leader=403, leader_b=403, hr=403),
    ),
    "course_list": ("get", lambda w: {"pk": w.p.pk}, {}, dict(anon=LOGIN, leader=403, leader_b=403, hr=200)),
    # Guests (participants who are not leaders): HR's pages only; an empty POST is a form error (400).
    "guest_list": ("get", lambda w: {"pk": w.p.pk}, {}, dict(anon=LOGIN, leader=403, leader_b=403, hr=200)),
    "guest_invite": ("post", lambda w: {"pk": w.p.pk}, {}, dict(anon=LOGIN, leader=403, leader_b=403, hr=400)),
    "guests_import": ("post", lambda w: {"pk": w.p.pk}, {}, dict(anon=LOGIN, leader=403, leader_b=403, hr=400)),
    "guests_invite_known": ("post", lambda w: {"pk": w.p.pk}, {}, dict(anon=LOGIN, leader=403, leader_b=403, hr=400)),
    "courses_create": ("get", lambda w: {"pk": w.p.pk}, {}, dict(anon=LOGIN, leader=403, leader_b=403, hr=200)),
    "course_detail": ("get", lambda w: {"pk": _course(w).pk}, {}, dict(anon=LOGIN, leader=200, leader_b=404, hr=200)),
    "project_list": ("get", lambda w: {}, {}, dict(anon=LOGIN, leader=200, leader_b=200, hr=200)),
    "project_create": ("get", lambda w: {"pk": w.p.pk}, {}, dict(anon=LOGIN, leader=403, leader_b=403, hr=200)),
    "project_detail": (
        "get",
        lambda w: {"pk": _project(w).pk},
        {},
        dict(anon=LOGIN, leader=200, leader_b=404, hr=200),
    ),
    "measure_list": ("get", lambda w: {}, {}, dict(anon=LOGIN, leader=200, leader_b=200, hr=200)),
    "measure_area": (
        "get",
        lambda w: {"area_key": "culture_values"},
        {},
        dict(anon=LOGIN, leader=200, leader_b=200, hr=200),
    ),
    "measure_update": (
        "post",
        lambda w: {"area_key": w.measure.area.key, "pk": w.measure.pk},
        {},
        dict(anon=LOGIN, leader=403, leader_b=403, hr=400),
    ),
}


def _course(w):
    """A leader-group course for the leader's own group."""
    from programmes.models import Course
    from toppleder.models import LeaderGroup

    group = LeaderGroup.objects.create(organisation=w.me.organisation, name="Ledergruppen")
    group.members.add(w.me)
    course = Course.objects.create(programme=w.p, title="Ledergruppeutvikling")
    course.groups.add(group)
    return course


def _project(w):
    """A collaboration project the leader takes part in."""
    from programmes.models import CollaborationProject

    project = CollaborationProject.objects.create(programme=w.p, title="Samhandling")
    project.leaders.add(w.me)
    return project


class World:
    def __init__(self):
        self.p = ProgrammeFactory()
        self.s = SessionFactory(programme=self.p, capacity=1)
        self.me = enrolled_leader(self.p)
        self.enrolment = self.me.enrolments.get()
        RegistrationFactory(session=self.s, leader=self.me)
        self.waiting = RegistrationFactory(
            session=self.s, leader=enrolled_leader(self.p), status="waitlisted", waitlist_position=1
        )
        self.other = enrolled_leader(ProgrammeFactory())
        self.hr = HRUserFactory()
        self.contributor = self.s.contributors.create(name="Ada", kind="academia")
        self.material = Material(session=self.s, title="Program")
        self.material.file.save("program.pdf", ContentFile(b"%PDF-1.4 test"), save=True)
        self.commitment = CommitmentFactory(programme=self.p, session=self.s, parties=[self.me, LeaderFactory()])
        self.measure = Measure.objects.select_related("area").first()
        # A seat the leader cancelled a moment ago (the undo link).
        from django.utils import timezone

        self.cancelled_session = SessionFactory(programme=self.p)
        RegistrationFactory(
            session=self.cancelled_session, leader=self.me, status="cancelled", cancelled_at=timezone.now()
        )
        # The leader heads their leader group and has booked it for the session.
        from programmes.models import GroupBooking
        from tests.factories import LeaderGroupFactory

        self.group = LeaderGroupFactory(organisation=self.me.organisation, members=[self.me])
        self.booking = GroupBooking.objects.create(
            session=self.s, group=self.group, booked_by=self.me, mode="all", size=1
        )


def test_every_url_has_an_expectation():
    names = {p.name for p in programme_urls.urlpatterns}
    assert names == set(MATRIX), f"missing: {names - set(MATRIX)}, stale: {set(MATRIX) - names}"


# Roles run in this order on one data set per URL: the leaders' own actions (which may
# change their registration or token) come before HR's, and nobody's action changes what
# the next role is allowed to see.
ROLES = ("anon", "leader_b", "leader", "hr")


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_url_answers_each_role_as_expected(client, settings, tmp_path, name):
    settings.MEDIA_ROOT = str(tmp_path)
    w = World()
    method, kwargs, data, expected = MATRIX[name]
    url = reverse(f"programmes:{name}", kwargs=kwargs(w))
    got = {}
    for role in ROLES:
        client.logout()
        user = {"anon": None, "leader": w.me.user, "leader_b": w.other.user, "hr": w.hr}[role]
        if user is not None:
            login(client, user)
        r = getattr(client, method)(url, data)
        got[role] = r.status_code
        if role == "anon" and expected[role] == LOGIN:
            assert r["Location"].startswith(reverse("account_login")), r["Location"]
    assert got == expected, f"{method.upper()} {url}"
