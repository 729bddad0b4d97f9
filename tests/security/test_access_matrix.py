"""One access matrix over every URL of the project and every role.

URLs are discovered from the resolver, so a new URL without a row in MATRIX fails
`test_every_url_has_an_expectation`. Each row names the objects it is called with — always
objects that belong to leader A (their programme, session, group, pair, survey invitation,
e-mails) — and the answer each role must get:

- anonymous: the login page (LOGIN) unless the page is public or token-based;
- leader B, who is enrolled in another programme only: 404 for A's objects (their
  existence does not leak), 403 for pages of a role B does not have;
- the facilitator of A's group, A's mentor, HR and an administrator: what their role gives.

For every POST that a role may not make, the test also proves that nothing in the database
changed (apart from the audit log, which records the denial).
The Django admin and django-allauth pages are covered by the last two tests.
"""

import hashlib
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from programmes import email_actions
from programmes.models import Material, Measure, Programme, Session
from reflection_groups.models import GroupNote, MentorPair, PairAppointment, ReflectionGroup
from surveys.models import Action, Invitation, Questionnaire
from tests.factories import AdminUserFactory, FacilitatorFactory, HRUserFactory, LeaderFactory
from tests.programmes.factories import (
    CommitmentFactory,
    ProgrammeFactory,
    RegistrationFactory,
    SessionFactory,
    enrolled_leader,
)
from tests.reflection_groups.conftest import world as _groups_world  # noqa: F401  (pytest fixture)
from tests.surveys.factories import SurveyFactory, add_responses
from toppleder.models import ROLE_HR, OutboxMessage

pytestmark = pytest.mark.django_db

LOGIN = "login"  # a redirect to the login page
ROLES = ("anon", "leader_b", "facilitator", "mentor", "leader_a", "hr", "admin", "other_facilitator", "hr_facilitator")
THIRD_PARTY = ("admin/", "accounts/")


def discovered_urls() -> dict[str, str]:
    """Every named URL of the project (outside the admin and allauth), name → pattern."""
    out = {}

    def walk(patterns, prefix, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = ":".join(filter(None, [namespace, p.namespace])) or None
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern) and p.name:
                route = prefix + str(p.pattern)
                if not route.lstrip("^").startswith(THIRD_PARTY):
                    out[f"{namespace}:{p.name}" if namespace else p.name] = route

    walk(get_resolver().url_patterns, "", None)
    return out


@dataclass
class W:
    """The objects the matrix calls URLs with: everything belongs to leader A's world."""

    programme: Programme
    session: Session
    users: dict
    objects: dict


def _cancelled_session(programme, leader):
    """A session whose seat the leader cancelled a minute ago (and may still take back)."""
    session = SessionFactory(programme=programme, capacity=5)
    RegistrationFactory(
        session=session, leader=leader, status="cancelled", cancelled_at=timezone.now() - timedelta(minutes=1)
    )
    return session


def _group_survey(programme, group):
    survey = SurveyFactory(
        programme=programme,
        kind="group_end",
        series="",
        group_ref=group.pk,
        opens_at=timezone.now() - timedelta(days=20),
        closes_at=timezone.now() - timedelta(days=1),
    )
    add_responses(survey, 6)
    return survey


def build_world(groups_world) -> W:
    g = groups_world
    leader_a = g.members[0]  # a member of the group and the mentee of the pair
    programme = g.programme
    programme.status = Programme.Status.RUNNING
    programme.save()
    session = SessionFactory(programme=programme, capacity=1)
    RegistrationFactory(session=session, leader=leader_a)
    waiting = RegistrationFactory(session=session, leader=g.members[1], status="waitlisted", waitlist_position=1)
    leader_b = enrolled_leader(ProgrammeFactory())
    material = Material(session=session, title="Program")
    material.file.save("program.pdf", ContentFile(b"%PDF-1.4 test"), save=True)
    survey = SurveyFactory(programme=programme)
    add_responses(survey, 6)
    invitation = Invitation.objects.create(survey=survey, user=leader_a.user)
    outbox = OutboxMessage.objects.create(
        recipient=leader_a.user,
        to_email=leader_a.user.email,
        kind=OutboxMessage.Kind.SESSION_INVITATION,
        key=f"matrix:{leader_a.pk}",
        subject="Invitasjon",
    )
    users = {
        "anon": None,
        "leader_a": leader_a.user,
        "leader_b": leader_b.user,
        "facilitator": g.facilitator,
        "mentor": g.pair.mentor.user,
        "hr": HRUserFactory(),
        "admin": AdminUserFactory(),
        "other_facilitator": FacilitatorFactory(name="Ola Intern Fasilitator"),
        "hr_facilitator": FacilitatorFactory(name="Hanne HR-rådgiver", roles=[ROLE_HR]),
    }
    own_groups = {}
    for n, who in enumerate(("other_facilitator", "hr_facilitator"), start=2):
        own = ReflectionGroup.objects.create(
            programme=programme, name=f"Refleksjonsgruppe {n}", facilitator=users[who], status="published"
        )
        GroupNote.objects.create(group=own, author=users[who], text=f"Notat i gruppe {n}")
        own_groups[who] = own
    objects = {
        "leader_a": leader_a,
        "enrolment": leader_a.enrolments.get(programme=programme),
        "waiting": waiting,
        "contributor": session.contributors.create(name="Ada", kind="academia"),
        "material": material,
        "commitment": CommitmentFactory(programme=programme, session=session, parties=[leader_a, LeaderFactory()]),
        "measure": Measure.objects.select_related("area").first(),
        "group": g.group,
        "note": g.note,
        "meeting": g.meeting,
        "pair": g.pair,
        "cancelled_session": _cancelled_session(programme, leader_a),
        "appointment": PairAppointment.objects.create(
            pair=g.pair, starts_at=timezone.now() + timedelta(days=14), place="Rådhuset"
        ),
        "proposed_pair": MentorPair.objects.create(
            programme=programme,
            scheme="duo",
            mentor=g.pair.mentor,
            mentee=g.members[2],
            status=MentorPair.Status.PROPOSED,
        ),
        "survey": survey,
        # A closed survey made for A's group, with enough answers for its factor figures:
        # only the group's named facilitator opens its pages for facilitators.
        "group_survey": _group_survey(programme, g.group),
        # Leader A's action from the survey's results (made straight in: the service makes
        # actions only from a closed survey's figures).
        "survey_action": Action.objects.create(
            survey=survey,
            factor="trust",
            kind="measure",
            text="Tillit på dagsorden",
            owner=leader_a.user,
            due_date=timezone.localdate(),
        ),
        "invitation": invitation,
        "questionnaire": Questionnaire.objects.order_by("pk").first(),
        "outbox": outbox,
        # A one-click link from an e-mail to leader A (the link, not a sign-in, is the key).
        "action_token": email_actions.make_token(
            email_actions.SIGN_UP, leader=leader_a, session=session, expires_at=session.starts_at
        ),
    }
    objects["guest_token"] = _guest_token(session)
    objects["course"] = _course_of(programme, leader_a, g.facilitator)
    objects["theme_window"] = _theme_window(programme)
    objects["project"] = _project_of(programme, leader_a)
    objects["new_leader"] = g.members[2]  # a top leader for two months: onboarding
    # Leader A heads a leader group and has booked seats for it.
    from programmes.models import GroupBooking
    from tests.factories import LeaderGroupFactory

    objects["leader_group"] = LeaderGroupFactory(organisation=leader_a.organisation, members=[leader_a, g.members[1]])
    objects["group_booking"] = GroupBooking.objects.create(
        session=session, group=objects["leader_group"], booked_by=leader_a, mode="all", size=1
    )
    hr_group = own_groups["hr_facilitator"]
    objects["hr_group"] = hr_group
    objects["hr_note"] = hr_group.notes.get()
    objects["hr_meeting"] = hr_group.meetings.create(starts_at=session.starts_at, place="Rådhuset")
    return W(programme=programme, session=session, users=users, objects=objects)


def _guest_token(session):
    """A politician HR invited to the session: the token of their own page about it."""
    from programmes.models import GuestInvitation, Participant
    from toppleder.models import User

    user = User.objects.create(email="gjest@byraadet.example.no", name="Gunn Gjest")
    participant = Participant.objects.create(user=user, category="politician", organisation="Byrådet")
    GuestInvitation.objects.create(session=session, participant=participant)
    return email_actions.guest_page_link(participant, session)[1]


def _course_of(programme, leader, facilitator):
    """A leader-group course for leader A's own leader group, led by A's group facilitator."""
    from programmes.models import Course, CourseSession
    from toppleder.models import LeaderGroup

    group = LeaderGroup.objects.create(organisation=leader.organisation, name="Ledergruppen til A")
    group.members.add(leader)
    course = Course.objects.create(programme=programme, title="Ledergruppeutvikling", facilitator=facilitator)
    course.groups.add(group)
    session = SessionFactory(programme=programme, kind="leader_group_development", title="Forløpssamling 1")
    session.reserved_for_groups.add(group)
    CourseSession.objects.create(course=course, session=session, position=1)
    return course


def _theme_window(programme):
    """A theme choice of leader A's programme, open now."""
    from django.utils import timezone

    from reflection_groups.models import ThemeWindow

    now = timezone.now()
    return ThemeWindow.objects.create(
        programme=programme,
        title="Nettverk",
        themes=["Fra strategi til handling", "Styringsdialogen"],
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=5),
    )


def _project_of(programme, leader):
    """A collaboration project leader A takes part in, with a leader of another organisation."""
    from programmes.models import CollaborationProject

    other = LeaderFactory()
    project = CollaborationProject.objects.create(programme=programme, title="Samhandling på tvers")
    project.leaders.set([leader, other])
    project.organisations.set([leader.organisation_id, other.organisation_id])
    return project


def o(w, key):
    return w.objects[key].pk


# name: (method, kwargs(world) -> dict, POST data)
CALLS = {
    "dashboard": ("get", lambda w: {}),
    "audit_log": ("get", lambda w: {}),
    "departed_list": ("post", lambda w: {}, {"person": "1"}),
    "audit_log_csv": ("get", lambda w: {}),
    "healthz": ("get", lambda w: {}),
    "healthz_live": ("get", lambda w: {}),
    "healthz_me": ("get", lambda w: {}),
    "accessibility": ("get", lambda w: {}),
    "privacy": ("get", lambda w: {}),
    "my_data": ("get", lambda w: {}),
    "my_data_json": ("get", lambda w: {}),
    "my_data_pdf": ("get", lambda w: {}),
    "set_language": ("post", lambda w: {}, {"language": "en"}),
    "programmes:programme_list": ("get", lambda w: {}),
    "programmes:programme_create": ("get", lambda w: {}),
    "programmes:programme_detail": ("get", lambda w: {"pk": w.programme.pk}),
    "programmes:programme_edit": ("get", lambda w: {"pk": w.programme.pk}),
    "programmes:programme_status": ("post", lambda w: {"pk": w.programme.pk}, {"status": "closed"}),
    "programmes:enrolment_list": ("get", lambda w: {"pk": w.programme.pk}),
    "programmes:enrolment_add": ("post", lambda w: {"pk": w.programme.pk}),
    "programmes:enrolment_add_group": ("post", lambda w: {"pk": w.programme.pk}),
    "programmes:enrolment_add_organisations": ("post", lambda w: {"pk": w.programme.pk}),
    "programmes:enrolment_withdraw": ("post", lambda w: {"pk": w.programme.pk, "enrolment_pk": o(w, "enrolment")}),
    "programmes:leaders_import": ("get", lambda w: {"pk": w.programme.pk}),
    "programmes:leaders_import_template": ("get", lambda w: {"fmt": "xlsx"}),
    "programmes:export": ("get", lambda w: {"pk": w.programme.pk, "what": "registrations", "fmt": "csv"}),
    "programmes:session_create": ("get", lambda w: {"pk": w.programme.pk}),
    "programmes:course_list": ("get", lambda w: {"pk": w.programme.pk}),
    "programmes:guest_list": ("get", lambda w: {"pk": w.programme.pk}),
    "programmes:guest_invite": (
        "post",
        lambda w: {"pk": w.programme.pk},
        {
            "invite-name": "Pia",
            "invite-email": "pia@example.no",
            "invite-category": "politician",
            "invite-target": "kind:theme_gathering",
        },
    ),
    "programmes:guests_import": ("post", lambda w: {"pk": w.programme.pk}),
    "programmes:guests_invite_known": ("post", lambda w: {"pk": w.programme.pk}),
    "programmes:courses_create": ("get", lambda w: {"pk": w.programme.pk}),
    "programmes:course_detail": ("get", lambda w: {"pk": o(w, "course")}),
    "programmes:project_list": ("get", lambda w: {}),
    "reflection_groups:onboarding_list": ("get", lambda w: {}),
    "reflection_groups:onboarding_detail": ("get", lambda w: {"pk": o(w, "new_leader")}),
    "reflection_groups:onboarding_tick": (
        "post",
        lambda w: {"pk": o(w, "new_leader")},
        {"step": "intro", "done": "on"},
    ),
    "reflection_groups:onboarding_contact": ("post", lambda w: {"pk": o(w, "new_leader")}),
    "programmes:project_create": ("get", lambda w: {"pk": w.programme.pk}),
    "programmes:project_detail": ("get", lambda w: {"pk": o(w, "project")}),
    "programmes:session_detail": ("get", lambda w: {"pk": w.session.pk}),
    "programmes:checkin": ("get", lambda w: {"pk": w.session.pk}),
    "programmes:session_calendar": ("get", lambda w: {"pk": w.session.pk}),
    "programmes:session_edit": ("get", lambda w: {"pk": w.session.pk}),
    "programmes:session_action": ("post", lambda w: {"pk": w.session.pk, "action": "complete"}),
    "programmes:registration_create": ("post", lambda w: {"pk": w.session.pk}),
    "programmes:registration_cancel": ("post", lambda w: {"pk": w.session.pk}),
    "programmes:offer_accept": ("post", lambda w: {"pk": w.session.pk}),
    "programmes:registration_switch_mode": ("post", lambda w: {"pk": w.session.pk}, {"mode": "online"}),
    "programmes:group_booking": ("get", lambda w: {"pk": w.session.pk, "group_pk": o(w, "leader_group")}),
    "programmes:group_offer_accept": ("post", lambda w: {"pk": w.session.pk, "booking_pk": o(w, "group_booking")}),
    "programmes:registration_apologies": ("post", lambda w: {"pk": w.session.pk}),
    "programmes:registration_restore": ("post", lambda w: {"pk": o(w, "cancelled_session")}),
    "programmes:contributor_add": ("post", lambda w: {"pk": w.session.pk}),
    "programmes:contributor_remove": ("post", lambda w: {"pk": w.session.pk, "contributor_pk": o(w, "contributor")}),
    "programmes:material_add": ("post", lambda w: {"pk": w.session.pk}),
    "programmes:material_download": ("get", lambda w: {"pk": w.session.pk, "material_pk": o(w, "material")}),
    "programmes:material_remove": ("post", lambda w: {"pk": w.session.pk, "material_pk": o(w, "material")}),
    "programmes:waitlist_move": ("post", lambda w: {"pk": w.session.pk, "registration_pk": o(w, "waiting")}),
    "programmes:waitlist_favour_newcomers": ("post", lambda w: {"pk": w.session.pk}),
    "programmes:attendance_record": ("post", lambda w: {"pk": w.session.pk}),
    "programmes:commitment_create": ("post", lambda w: {"pk": w.session.pk}),
    "programmes:commitment_status": ("post", lambda w: {"pk": o(w, "commitment")}, {"status": "done"}),
    "programmes:calendar": ("get", lambda w: {}),
    "programmes:calendar_reset": ("post", lambda w: {}),
    "programmes:calendar_feed": ("get", lambda w: {"token": w.objects["leader_a"].calendar_token}),
    "programmes:email_action": ("get", lambda w: {"action": "signup", "token": w.objects["action_token"]}),
    "programmes:guest_page": ("get", lambda w: {"token": w.objects["guest_token"]}),
    "programmes:guest_calendar": ("get", lambda w: {"token": w.objects["guest_token"]}),
    "programmes:measure_list": ("get", lambda w: {}),
    "programmes:measure_area": ("get", lambda w: {"area_key": w.objects["measure"].area.key}),
    "programmes:measure_update": ("post", lambda w: {"area_key": w.objects["measure"].area.key, "pk": o(w, "measure")}),
    "reflection_groups:group_list": ("get", lambda w: {}),
    "reflection_groups:theme_window_list": ("get", lambda w: {}),
    "reflection_groups:theme_window_detail": ("get", lambda w: {"pk": o(w, "theme_window")}),
    "reflection_groups:networks_compose": ("post", lambda w: {"pk": o(w, "theme_window")}),
    "reflection_groups:theme_choice": ("get", lambda w: {"pk": o(w, "theme_window")}),
    "reflection_groups:facilitator_list": ("get", lambda w: {}),
    "reflection_groups:compose": ("get", lambda w: {}),
    "reflection_groups:proposal": ("get", lambda w: {"programme_pk": w.programme.pk, "kind": "reflection"}),
    "reflection_groups:proposal_publish": ("post", lambda w: {"programme_pk": w.programme.pk, "kind": "reflection"}),
    "reflection_groups:group_detail": ("get", lambda w: {"pk": o(w, "group")}),
    "reflection_groups:group_seen": ("post", lambda w: {"pk": o(w, "group")}),
    "reflection_groups:group_move": ("post", lambda w: {"pk": o(w, "group")}),
    "reflection_groups:group_publish": ("post", lambda w: {"pk": o(w, "group")}),
    "reflection_groups:group_close": ("post", lambda w: {"pk": o(w, "group")}),
    "reflection_groups:note_create": ("post", lambda w: {"pk": o(w, "group")}, {"text": "Nytt notat"}),
    "reflection_groups:note_detail": ("get", lambda w: {"pk": o(w, "group"), "note_pk": o(w, "note")}),
    "reflection_groups:meeting_create": ("get", lambda w: {"pk": o(w, "group")}),
    "reflection_groups:meeting_detail": ("get", lambda w: {"pk": o(w, "group"), "meeting_pk": o(w, "meeting")}),
    "reflection_groups:attendance_record": ("post", lambda w: {"pk": o(w, "group"), "meeting_pk": o(w, "meeting")}),
    "reflection_groups:meeting_cancel": ("post", lambda w: {"pk": o(w, "group"), "meeting_pk": o(w, "meeting")}),
    "reflection_groups:meeting_change": ("get", lambda w: {"pk": o(w, "group"), "meeting_pk": o(w, "meeting")}),
    "reflection_groups:pair_list": ("get", lambda w: {}),
    "reflection_groups:pair_detail": ("get", lambda w: {"pk": o(w, "pair")}),
    "reflection_groups:pair_seen": ("post", lambda w: {"pk": o(w, "pair")}),
    "reflection_groups:pair_meeting_create": ("post", lambda w: {"pk": o(w, "pair")}),
    "reflection_groups:pair_appointment_create": ("post", lambda w: {"pk": o(w, "pair")}),
    "reflection_groups:pair_appointment_change": (
        "get",
        lambda w: {"pk": o(w, "pair"), "appointment_pk": o(w, "appointment")},
    ),
    "reflection_groups:pair_appointment_cancel": (
        "post",
        lambda w: {"pk": o(w, "pair"), "appointment_pk": o(w, "appointment")},
    ),
    "reflection_groups:pair_agreement": ("post", lambda w: {"pk": o(w, "pair")}),
    "reflection_groups:pair_fit": ("post", lambda w: {"pk": o(w, "pair")}),
    "reflection_groups:pair_rematch": ("post", lambda w: {"pk": o(w, "pair")}),
    "reflection_groups:pair_publish": ("post", lambda w: {"pk": o(w, "proposed_pair")}),
    "reflection_groups:pair_close": ("post", lambda w: {"pk": o(w, "pair")}),
    "reflection_groups:pair_discard": ("post", lambda w: {"pk": o(w, "proposed_pair")}),
    "reflection_groups:pair_match": ("get", lambda w: {}),
    "reflection_groups:pair_create": ("post", lambda w: {}),
    "reflection_groups:pairs_publish": ("post", lambda w: {}),
    "reflection_groups:mentor_profile": ("get", lambda w: {}),
    "reflection_groups:mentee_wish": ("get", lambda w: {}),
    "surveys:survey_list": ("get", lambda w: {}),
    "surveys:survey_create": ("get", lambda w: {}),
    "surveys:answer_thanks": ("get", lambda w: {}),
    "surveys:answer": ("get", lambda w: {"token": w.objects["invitation"].token}),
    "surveys:survey_detail": ("get", lambda w: {"pk": o(w, "survey")}),
    "surveys:survey_invite": ("post", lambda w: {"pk": o(w, "survey")}),
    "surveys:survey_remind": ("post", lambda w: {"pk": o(w, "survey")}),
    "surveys:survey_results": ("get", lambda w: {"pk": o(w, "survey")}),
    "surveys:survey_results_csv": ("get", lambda w: {"pk": o(w, "survey")}),
    "surveys:questionnaire_list": ("get", lambda w: {}),
    "surveys:action_create": ("get", lambda w: {"pk": o(w, "survey"), "factor": "trust"}),
    "surveys:factor_scores": ("get", lambda w: {}),
    "surveys:group_surveys": ("get", lambda w: {"group_pk": o(w, "group")}),
    "surveys:group_survey_results": ("get", lambda w: {"group_pk": o(w, "group"), "pk": o(w, "group_survey")}),
    "surveys:group_action_create": (
        "get",
        lambda w: {"group_pk": o(w, "group"), "pk": o(w, "group_survey"), "factor": "trust"},
    ),
    "surveys:action_status": ("post", lambda w: {"pk": o(w, "survey_action")}, {"status": "done"}),
    "surveys:questionnaire_detail": ("get", lambda w: {"pk": o(w, "questionnaire")}),
    "surveys:questionnaire_copy": ("post", lambda w: {"pk": o(w, "questionnaire")}),
    "outbox_list": ("get", lambda w: {}),
    "outbox_mine": ("get", lambda w: {}),
    "outbox_detail": ("get", lambda w: {"pk": o(w, "outbox")}),
    "outbox_resend": ("post", lambda w: {"pk": o(w, "outbox")}),
    "notification_preferences": ("get", lambda w: {}),
    "reports:index": ("get", lambda w: {}),
    "reports:session_pdf": ("get", lambda w: {"pk": w.session.pk}),
    "reports:programme_pdf": ("get", lambda w: {"pk": w.programme.pk}),
    "reports:my_record_pdf": ("get", lambda w: {}),
    "reports:summary_pdf": ("get", lambda w: {}),
    "reports:summary_csv": ("get", lambda w: {}),
    "reports:summary_xlsx": ("get", lambda w: {}),
    "reports:job_status": ("get", lambda w: {"token": "x" * 32}),
}

# name: answers for (anon, leader_b, facilitator, mentor, leader_a, hr, admin, other_facilitator,
# hr_facilitator), asked in that order on a fresh world per URL. The facilitator of A's group
# has a facilitator account only (an external coach, not a leader); other_facilitator is the
# municipality's own facilitator of another group; hr_facilitator is an HR adviser who facilitates
# another group (and answers exactly as HR: facilitating one group opens no other). The mentor is
# A's mentor but not in A's group. Where an allowed role's POST removes the object (contributor,
# material, proposed pair), the next role finds it gone: 404 (for the admin and hr_facilitator).
MATRIX = {
    "audit_log": ("login", 403, 403, 403, 403, 403, 200, 403, 403),
    "audit_log_csv": ("login", 403, 403, 403, 403, 403, 200, 403, 403),
    "departed_list": ("login", 403, 403, 403, 403, 302, 302, 403, 302),
    "reflection_groups:facilitator_list": ("login", 403, 403, 403, 403, 200, 200, 403, 200),
    "accessibility": (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "dashboard": ("login", 200, 200, 200, 200, 200, 200, 200, 200),
    "healthz": (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "healthz_live": (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "healthz_me": (401, 200, 200, 200, 200, 200, 200, 200, 200),
    "my_data": ("login", 200, 200, 200, 200, 200, 200, 200, 200),
    "my_data_json": ("login", 200, 200, 200, 200, 200, 200, 200, 200),
    "my_data_pdf": ("login", 200, 200, 200, 200, 200, 200, 200, 200),
    "notification_preferences": ("login", 200, 200, 200, 200, 200, 200, 200, 200),
    "outbox_detail": ("login", 403, 403, 403, 403, 200, 200, 403, 200),
    "outbox_list": ("login", 403, 403, 403, 403, 200, 200, 403, 200),
    "outbox_mine": ("login", 200, 200, 200, 200, 200, 200, 200, 200),
    "outbox_resend": ("login", 403, 403, 403, 403, 302, 302, 403, 302),
    "privacy": (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "programmes:attendance_record": ("login", 403, 403, 403, 403, 400, 400, 403, 400),
    "programmes:calendar": ("login", 200, 403, 200, 200, 403, 403, 403, 403),
    "programmes:calendar_feed": (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "programmes:calendar_reset": ("login", 302, 403, 302, 302, 403, 403, 403, 403),
    "programmes:commitment_create": ("login", 403, 403, 403, 403, 400, 400, 403, 400),
    "programmes:commitment_status": ("login", 404, 404, 404, 302, 302, 302, 404, 302),
    "programmes:contributor_add": ("login", 403, 403, 403, 403, 400, 400, 403, 400),
    "programmes:contributor_remove": ("login", 403, 403, 403, 403, 302, 404, 403, 404),
    "programmes:enrolment_add": ("login", 403, 403, 403, 403, 302, 302, 403, 302),
    "programmes:enrolment_add_group": ("login", 403, 403, 403, 403, 400, 400, 403, 400),
    "programmes:enrolment_add_organisations": ("login", 403, 403, 403, 403, 400, 400, 403, 400),
    "programmes:enrolment_list": ("login", 403, 403, 403, 403, 200, 200, 403, 200),
    "programmes:enrolment_withdraw": ("login", 403, 403, 403, 403, 302, 302, 403, 302),
    "programmes:export": ("login", 403, 403, 403, 403, 200, 200, 403, 200),
    "programmes:leaders_import": ("login", 403, 403, 403, 403, 200, 200, 403, 200),
    "programmes:leaders_import_template": ("login", 403, 403, 403, 403, 200, 200, 403, 200),
    "programmes:material_add": ("login", 403, 403, 403, 403, 400, 400, 403, 400),
    "programmes:material_download": ("login", 404, 404, 404, 200, 200, 200, 404, 200),
    "programmes:material_remove": ("login", 403, 403, 403, 403, 302, 404, 403, 404),
    "programmes:measure_area": ("login", 200, 200, 200, 200, 200, 200, 200, 200),
    "programmes:measure_list": ("login", 200, 200, 200, 200, 200, 200, 200, 200),
    "programmes:measure_update": ("login", 403, 403, 403, 403, 400, 400, 403, 400),
    "programmes:programme_create": ("login", 403, 403, 403, 403, 200, 200, 403, 200),
    "programmes:programme_detail": ("login", 404, 404, 404, 200, 200, 200, 404, 200),
    "programmes:programme_edit": ("login", 403, 403, 403, 403, 200, 200, 403, 200),
    "programmes:programme_list": ("login", 200, 200, 200, 200, 200, 200, 200, 200),
    "programmes:programme_status": ("login", 403, 403, 403, 403, 302, 302, 403, 302),
    "programmes:registration_cancel": ("login", 404, 404, 404, 302, 403, 403, 404, 403),
    "programmes:registration_create": ("login", 404, 404, 404, 302, 403, 403, 404, 403),
    "programmes:session_action": ("login", 403, 403, 403, 403, 302, 302, 403, 302),
    "programmes:session_calendar": ("login", 404, 404, 404, 200, 200, 200, 404, 200),
    "programmes:session_create": ("login", 403, 403, 403, 403, 200, 200, 403, 200),
    "programmes:course_list": ("login", 403, 403, 403, 403, 200, 200, 403, 200),
    # Guests: HR and administrators only (a role without the right: 403, as for the other HR pages).
    "programmes:guest_list": ("login", 403, 403, 403, 403, 200, 200, 403, 200),
    "programmes:guest_invite": ("login", 403, 403, 403, 403, 302, 302, 403, 302),
    "programmes:guests_import": ("login", 403, 403, 403, 403, 400, 400, 403, 400),
    "programmes:guests_invite_known": ("login", 403, 403, 403, 403, 400, 400, 403, 400),
    "programmes:courses_create": ("login", 403, 403, 403, 403, 200, 200, 403, 200),
    "programmes:course_detail": ("login", 404, 200, 404, 200, 200, 200, 404, 200),
    "programmes:project_list": ("login", 200, 403, 200, 200, 200, 200, 403, 200),
    "reflection_groups:onboarding_list": ("login", 403, 403, 403, 403, 200, 200, 403, 200),
    "reflection_groups:onboarding_detail": ("login", 404, 404, 404, 404, 200, 200, 404, 200),
    "reflection_groups:onboarding_tick": ("login", 404, 404, 404, 404, 302, 302, 404, 302),
    "reflection_groups:onboarding_contact": ("login", 403, 403, 403, 403, 302, 302, 403, 302),
    "programmes:project_create": ("login", 403, 403, 403, 403, 200, 200, 403, 200),
    "programmes:project_detail": ("login", 404, 404, 404, 200, 200, 200, 404, 200),
    "programmes:session_detail": ("login", 404, 404, 404, 200, 200, 200, 404, 200),
    "programmes:checkin": ("login", 404, 404, 404, 200, 403, 403, 404, 403),
    "programmes:session_edit": ("login", 403, 403, 403, 403, 200, 200, 403, 200),
    "programmes:waitlist_favour_newcomers": ("login", 403, 403, 403, 403, 400, 400, 403, 400),
    "programmes:waitlist_move": ("login", 403, 403, 403, 403, 400, 400, 403, 400),
    "reflection_groups:attendance_record": ("login", 404, 302, 404, 302, 403, 403, 404, 403),
    "reflection_groups:compose": ("login", 403, 403, 403, 403, 200, 200, 403, 200),
    "reflection_groups:group_close": ("login", 403, 403, 403, 403, 302, 302, 403, 302),
    "reflection_groups:group_detail": ("login", 404, 200, 404, 200, 200, 200, 404, 200),
    "reflection_groups:group_list": ("login", 200, 200, 200, 200, 200, 200, 200, 200),
    "reflection_groups:theme_window_list": ("login", 403, 403, 403, 403, 200, 200, 403, 200),
    "reflection_groups:theme_window_detail": ("login", 403, 403, 403, 403, 200, 200, 403, 200),
    "reflection_groups:networks_compose": ("login", 403, 403, 403, 403, 302, 302, 403, 302),
    "reflection_groups:theme_choice": ("login", 404, 403, 404, 200, 403, 403, 403, 403),
    "reflection_groups:group_seen": ("login", 404, 403, 404, 204, 403, 403, 404, 403),
    "reflection_groups:group_move": ("login", 403, 403, 403, 403, 302, 302, 403, 302),
    "reflection_groups:group_publish": ("login", 403, 403, 403, 403, 302, 302, 403, 302),
    "reflection_groups:meeting_create": ("login", 404, 200, 404, 200, 403, 403, 404, 403),
    "reflection_groups:meeting_detail": ("login", 404, 200, 404, 200, 200, 200, 404, 200),
    "reflection_groups:mentee_wish": ("login", 200, 403, 200, 200, 403, 403, 403, 403),
    "reflection_groups:mentor_profile": ("login", 200, 403, 200, 200, 403, 403, 403, 403),
    "reflection_groups:note_create": ("login", 404, 302, 404, 302, 403, 403, 404, 403),
    "reflection_groups:note_detail": ("login", 404, 200, 404, 200, 403, 403, 404, 403),
    "reflection_groups:pair_agreement": ("login", 404, 404, 302, 302, 403, 403, 404, 403),
    "reflection_groups:pair_close": ("login", 403, 403, 403, 403, 302, 302, 403, 302),
    "reflection_groups:pair_create": ("login", 403, 403, 403, 403, 302, 302, 403, 302),
    "reflection_groups:pair_detail": ("login", 404, 404, 200, 200, 200, 200, 404, 200),
    "reflection_groups:pair_discard": ("login", 403, 403, 403, 403, 302, 404, 403, 404),
    "reflection_groups:pair_fit": ("login", 404, 404, 302, 302, 403, 403, 404, 403),
    "reflection_groups:pair_list": ("login", 200, 200, 200, 200, 200, 200, 200, 200),
    "reflection_groups:pair_seen": ("login", 404, 404, 204, 204, 403, 403, 404, 403),
    "reflection_groups:pair_match": ("login", 403, 403, 403, 403, 200, 200, 403, 200),
    "reflection_groups:pair_meeting_create": ("login", 404, 404, 302, 302, 403, 403, 404, 403),
    "reflection_groups:pair_publish": ("login", 403, 403, 403, 403, 302, 302, 403, 302),
    "reflection_groups:pair_rematch": ("login", 404, 404, 302, 302, 403, 403, 404, 403),
    "reflection_groups:pairs_publish": ("login", 403, 403, 403, 403, 302, 302, 403, 302),
    "reflection_groups:proposal": ("login", 403, 403, 403, 403, 200, 200, 403, 200),
    "reflection_groups:proposal_publish": ("login", 403, 403, 403, 403, 302, 302, 403, 302),
    "reports:index": ("login", 200, 403, 200, 200, 200, 200, 403, 200),
    "reports:job_status": ("login", 404, 404, 404, 404, 404, 404, 404, 404),
    "reports:my_record_pdf": ("login", 200, 403, 200, 200, 403, 403, 403, 403),
    "reports:programme_pdf": ("login", 403, 403, 403, 403, 200, 200, 403, 200),
    "reports:session_pdf": ("login", 404, 403, 404, 404, 200, 200, 403, 200),
    "reports:summary_csv": ("login", 403, 403, 403, 403, 403, 200, 403, 403),
    "reports:summary_pdf": ("login", 403, 403, 403, 403, 403, 200, 403, 403),
    "reports:summary_xlsx": ("login", 403, 403, 403, 403, 403, 200, 403, 403),
    "set_language": (302, 302, 302, 302, 302, 302, 302, 302, 302),
    "surveys:answer": (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "surveys:answer_thanks": (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "surveys:questionnaire_copy": ("login", 403, 403, 403, 403, 302, 302, 403, 302),
    "surveys:questionnaire_detail": ("login", 403, 403, 403, 403, 200, 200, 403, 200),
    "surveys:questionnaire_list": ("login", 403, 403, 403, 403, 200, 200, 403, 200),
    "surveys:action_create": ("login", 403, 403, 403, 403, 200, 200, 403, 200),
    "surveys:factor_scores": ("login", 403, 403, 403, 403, 200, 200, 403, 200),
    # A group's facilitator pages: the named facilitator only; HR's role adds nothing here.
    "surveys:group_surveys": ("login", 404, 200, 404, 404, 404, 404, 404, 404),
    "surveys:group_survey_results": ("login", 404, 200, 404, 404, 404, 404, 404, 404),
    "surveys:group_action_create": ("login", 404, 200, 404, 404, 404, 404, 404, 404),
    "surveys:action_status": ("login", 404, 404, 404, 302, 302, 302, 404, 302),
    "surveys:survey_create": ("login", 403, 403, 403, 403, 200, 200, 403, 200),
    "surveys:survey_detail": ("login", 403, 403, 403, 403, 200, 200, 403, 200),
    "surveys:survey_invite": ("login", 403, 403, 403, 403, 302, 302, 403, 302),
    "surveys:survey_list": ("login", 403, 403, 403, 403, 200, 200, 403, 200),
    "surveys:survey_remind": ("login", 403, 403, 403, 403, 302, 302, 403, 302),
    "surveys:survey_results": ("login", 403, 403, 403, 403, 200, 200, 403, 200),
    "surveys:survey_results_csv": ("login", 403, 403, 403, 403, 200, 200, 403, 200),
    "programmes:email_action": (200, 403, 403, 403, 200, 403, 403, 403, 403),
    # A guest's own page: the link is theirs (no sign-in); anyone signed in is someone else.
    "programmes:guest_page": (200, 403, 403, 403, 403, 403, 403, 403, 403),
    "programmes:guest_calendar": (200, 403, 403, 403, 403, 403, 403, 403, 403),
    "programmes:offer_accept": ("login", 404, 404, 404, 302, 403, 403, 404, 403),
    "programmes:registration_switch_mode": ("login", 404, 404, 404, 302, 403, 403, 404, 403),
    "programmes:group_booking": ("login", 404, 404, 404, 200, 403, 403, 404, 403),
    "programmes:group_offer_accept": ("login", 404, 404, 404, 302, 403, 403, 404, 403),
    "programmes:registration_apologies": ("login", 404, 404, 404, 302, 403, 403, 404, 403),
    "programmes:registration_restore": ("login", 404, 404, 404, 302, 403, 403, 404, 403),
    "reflection_groups:meeting_cancel": ("login", 404, 302, 404, 302, 403, 403, 404, 403),
    "reflection_groups:meeting_change": ("login", 404, 200, 404, 200, 403, 403, 404, 403),
    "reflection_groups:pair_appointment_create": ("login", 404, 404, 302, 302, 403, 403, 404, 403),
    "reflection_groups:pair_appointment_change": ("login", 404, 404, 200, 200, 403, 403, 404, 403),
    "reflection_groups:pair_appointment_cancel": ("login", 404, 404, 302, 302, 403, 403, 404, 403),
}


def fingerprint() -> str:
    """A digest of every row the project owns, except the audit log and sessions."""
    digest = hashlib.sha256()
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.app_label not in ("toppleder", "programmes", "reflection_groups", "surveys", "auth"):
            continue
        if label in ("toppleder.auditentry",):
            continue
        for row in model._base_manager.order_by("pk").values_list():
            digest.update(repr((label, row)).encode())
    return digest.hexdigest()


def answer(response) -> object:
    if response.status_code == 302 and "/accounts/login/" in response["Location"]:
        return LOGIN
    return response.status_code


def test_every_url_has_an_expectation():
    names = set(discovered_urls())
    assert names == set(CALLS), f"missing: {sorted(names - set(CALLS))}, stale: {sorted(set(CALLS) - names)}"
    assert set(MATRIX) == set(CALLS)


@pytest.fixture
def world(_groups_world, settings, tmp_path):  # noqa: F811
    settings.MEDIA_ROOT = str(tmp_path)
    settings.MFA_REQUIRED_FOR_STAFF = False
    return build_world(_groups_world)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_url_answers_each_role_as_expected(client, world, name):
    method, kwargs, *rest = CALLS[name]
    data = rest[0] if rest else {}
    url = reverse(name, kwargs=kwargs(world))
    got, unchanged = {}, {}
    for role in ROLES:
        client.logout()
        if world.users[role] is not None:
            client.force_login(world.users[role])
        before = fingerprint() if method == "post" else None
        response = getattr(client, method)(url, data)
        got[role] = answer(response)
        if method == "post" and got[role] in (LOGIN, 403, 404, 405):
            unchanged[role] = fingerprint() == before
    assert all(unchanged.values()), f"a refused POST changed data: {unchanged}"
    assert tuple(got[r] for r in ROLES) == MATRIX[name], f"{method.upper()} {url}: {got}"


# The group URLs called for the HR adviser's own group: they answer as for A's facilitator
# (HR's own rights add closing, moving and publishing, which HR has for every group).
OWN_GROUP = {
    "reflection_groups:group_detail": ({"pk": "hr_group"}, 200),
    "reflection_groups:note_detail": ({"pk": "hr_group", "note_pk": "hr_note"}, 200),
    "reflection_groups:note_create": ({"pk": "hr_group"}, 302),
    "reflection_groups:meeting_create": ({"pk": "hr_group"}, 200),
    "reflection_groups:meeting_detail": ({"pk": "hr_group", "meeting_pk": "hr_meeting"}, 200),
    "reflection_groups:attendance_record": ({"pk": "hr_group", "meeting_pk": "hr_meeting"}, 302),
    "reflection_groups:group_seen": ({"pk": "hr_group"}, 403),
    "surveys:group_surveys": ({"group_pk": "hr_group"}, 200),
}


def test_an_hr_adviser_reads_and_runs_the_one_group_they_facilitate(client, world):
    client.force_login(world.users["hr_facilitator"])
    for name, (kwargs, expected) in OWN_GROUP.items():
        method, *_rest = CALLS[name]
        data = {"text": "Nytt notat"} if name.endswith("note_create") else {}
        url = reverse(name, kwargs={k: o(world, v) for k, v in kwargs.items()})
        assert getattr(client, method)(url, data).status_code == expected, name
        assert expected == MATRIX[name][ROLES.index("facilitator")], name
    page = client.get(reverse("reflection_groups:group_detail", args=[o(world, "hr_group")])).content.decode()
    assert "Notat i gruppe 3" in page
    assert (
        "Notat i gruppe 3"
        not in client.get(reverse("reflection_groups:group_detail", args=[o(world, "group")])).content.decode()
    )


def test_admin_pages_answer_each_role_as_expected(client, hr_user, admin_user, settings):
    """Every model in the admin: anonymous people and leaders are sent to the admin's login,
    HR sees what seed_demo grants HR (never users, the outbox or the audit log), admins all."""
    from toppleder.demo import _grant_admin_site_permissions

    settings.MFA_REQUIRED_FOR_STAFF = False
    _grant_admin_site_permissions(hr_user.groups.get(name="HR"))
    leader = LeaderFactory()
    staff_only = {"toppleder.user", "toppleder.auditentry", "toppleder.outboxmessage", "auth.group"}
    for model in admin.site._registry:
        label = model._meta.label_lower
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for user, expected in ((None, "admin-login"), (leader.user, "admin-login"), (admin_user, 200)):
            client.logout()
            if user:
                client.force_login(user)
            response = client.get(url)
            got = "admin-login" if response.status_code == 302 and "/admin/login/" in response["Location"] else None
            assert (got or response.status_code) == expected, (label, user)
        client.force_login(hr_user)
        hr_answer = client.get(url).status_code
        if label in staff_only or model._meta.app_label not in (
            "programmes",
            "reflection_groups",
            "surveys",
            "toppleder",
        ):
            assert hr_answer == 403, label
        else:
            assert hr_answer == 200, label


def test_account_pages_answer_without_errors_for_anonymous_and_signed_in_people(client, leader):
    """django-allauth's own pages (sign-in, password reset, MFA, single sign-on) are not object
    URLs; the rule for them is that none fails with a server error, for anonymous people and
    signed-in leaders alike (allauth itself decides what each may see)."""
    names = []

    def walk(patterns, prefix):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            else:
                route = prefix + str(p.pattern)
                if p.name and route.startswith("accounts/") and "<" not in route and "(?P" not in route:
                    names.append(p.name)

    walk(get_resolver().url_patterns, "")
    assert "account_login" in names and "mfa_activate_totp" in names
    for user in (None, leader.user):
        client.logout()
        if user:
            client.force_login(user)
        for name in names:
            response = client.get(reverse(name))
            assert response.status_code < 500, (name, user, response.status_code)


# --------------------------------------------------------------------------- odd input
# What each page reads from its address, with a value of the wrong kind: the page answers 4xx.
READS = {
    "audit_log": [{"action": "x"}, {"start": "abc"}, {"end": "2026-02-30"}, {"object_type": "x"}, {"page": "abc"}],
    "audit_log_csv": [{"action": "x"}, {"start": "2027-01-01", "end": "2026-01-01"}],
    "programmes:programme_list": [{"status": "nonsense"}, {"page": "abc"}],
    "programmes:programme_detail": [{"page": "abc"}],
    "programmes:enrolment_list": [{"status": "nonsense"}, {"page": "abc"}],
    "reflection_groups:group_list": [{"programme": "abc"}, {"kind": "x"}, {"status": "x"}, {"page": "abc"}],
    "reflection_groups:pair_list": [{"programme": "abc"}, {"scheme": "x"}, {"status": "x"}, {"page": "-1"}],
    "reflection_groups:pair_match": [{"programme": "abc", "scheme": "duo"}, {"programme": "1", "scheme": "x"}],
    "surveys:survey_list": [{"page": "abc"}],
    "surveys:survey_results": [{"segment": "user_id"}, {"segment": "level", "value": "1 OR 1=1"}],
    "surveys:survey_results_csv": [{"segment": "user_id"}, {"segment": "level", "value": "abc"}],
    "surveys:answer": [{"page": "abc"}],
    "outbox_list": [{"status": "x"}, {"kind": "x"}, {"page": "abc"}],
    "outbox_mine": [{"page": "abc"}],
    "reports:index": [{"from": "abc"}, {"to": "2026-02-30"}],
    "reports:programme_pdf": [{"from": "abc"}],
    "reports:summary_pdf": [{"from": "abc"}],
    "reports:summary_csv": [{"to": "abc"}],
    "reports:summary_xlsx": [{"from": "2027-01-01", "to": "2026-01-01"}],
}
# Who may open each of those pages (so the 4xx comes from the input, not from access).
READER = {name: "anon" if name.startswith("surveys:answer") else "leader_a" for name in READS}
READER.update(
    {
        name: "hr"
        for name in READS
        if name.split(":")[-1]
        in {
            "enrolment_list",
            "pair_match",
            "survey_list",
            "survey_results",
            "survey_results_csv",
            "outbox_list",
            "programme_pdf",
        }
    }
    | {"reports:summary_pdf": "admin", "reports:summary_csv": "admin", "reports:summary_xlsx": "admin"}
    | {"audit_log": "admin", "audit_log_csv": "admin"}
)
NUL, LONG, WRONG = "\x00", "9" * 3000, "abc"
FORM_FIELDS = [
    "status",
    "text",
    "reason",
    "new_position",
    "leader",
    "group",
    "organisations",
    "programme",
    "scheme",
    "mentor",
    "mentee",
    "fit",
    "date",
    "audience",
    "title",
    "url",
    "name",
    "kind",
    "capacity",
    "starts_at",
    "ends_at",
    "present",
    "to_group",
    "confirm",
    "facilitator",
    "period_start",
    "period_end",
    "goals",
    "meeting_frequency",
    "follow_up",
    "owner",
    "language",
    "next",
    "meeting",
    "parties",
    "due_date",
    "q",
]


def _odd_paths(url: str, kwargs: dict) -> list[str]:
    """The URL with each of its path values replaced by NUL, 3,000 characters and a wrong type."""
    from urllib.parse import quote

    out = []
    segments = url.split("/")
    for value in {str(v) for v in kwargs.values()}:
        for bad in (NUL, LONG, WRONG):
            if value in segments:
                out.append("/".join(quote(bad) if seg == value else seg for seg in segments))
            elif len(value) > 3 and value in url:
                out.append(url.replace(value, quote(bad), 1))
    return out


def test_every_reading_page_and_reader_is_known():
    assert set(READS) <= set(CALLS), sorted(set(READS) - set(CALLS))


@pytest.mark.parametrize("name", sorted(CALLS))
def test_odd_input_gets_a_4xx_never_a_server_error(client, world, name):
    """NUL bytes, 3,000 characters and values of the wrong kind, in the path, the query string and
    a form, for anonymous people, a leader and HR: a clear 4xx (or the form's own message), never
    a 5xx, and a NUL is always the 400 page."""
    method, kwargs, *rest = CALLS[name]
    args = kwargs(world)
    url = reverse(name, kwargs=args)
    for role in ("anon", "leader_a", "hr"):
        client.logout()
        if world.users[role] is not None:
            client.force_login(world.users[role])
        for odd in _odd_paths(url, args):
            response = getattr(client, method)(odd)
            if role == "anon" and WRONG in odd and answer(response) == LOGIN:
                continue  # a well-formed address: anonymous people are asked to sign in first
            assert 400 <= response.status_code < 500, (role, odd[:80], response.status_code)
            if "%00" in odd:
                assert response.status_code == 400
        for param in ("q", "page", "programme", "from", "segment", "token", "next"):
            for bad in (NUL, LONG):
                response = client.get(url, {param: bad}) if method == "get" else client.post(f"{url}?{param}=%00")
                assert response.status_code == 400, (role, param, bad[:5], response.status_code)
        if method == "post":
            for bad in (NUL, LONG, WRONG):
                response = client.post(url, {field: bad for field in FORM_FIELDS})
                assert response.status_code < 500, (role, bad[:5], response.status_code)
                if bad == NUL:
                    assert response.status_code == 400
    for params in READS.get(name, []):
        client.logout()
        if world.users[READER[name]] is not None:
            client.force_login(world.users[READER[name]])
        response = client.get(url, params)
        assert 400 <= response.status_code < 500, (READER[name], params, response.status_code)
