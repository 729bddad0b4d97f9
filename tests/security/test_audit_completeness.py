"""Every public function of every services module leaves exactly the audit entries its changes
call for: one entry per row it created, changed or deleted (bulk operations included), whose
`changes` name exactly the columns that changed with their real old and new values — never an
expression as text — written by the person who acted. No gaps, no duplicates, nothing extra.

The functions are discovered from the modules, so a new service without a scenario here fails
`test_every_service_has_a_scenario`. Each scenario runs on a fresh world; the rows of every
table are compared before and after the call, and the difference is the expectation.

The few exceptions are listed in EXCEPTIONS, each with its reason (anonymity, a person's own
reading mark, an anonymisation that must not copy the person's data into the log).
"""

from __future__ import annotations

import importlib
import inspect
import io
import pkgutil
from dataclasses import dataclass
from datetime import timedelta

import pytest
import time_machine
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

import programmes.services
from programmes import email_actions
from programmes.models import (
    Commitment,
    Contributor,
    Material,
    Measure,
    Programme,
    ProgrammeEnrolment,
    Registration,
    Session,
)
from reflection_groups.models import (
    GroupMeeting,
    GroupMembership,
    MenteeWish,
    MentorPair,
    MentorProfile,
    ReflectionGroup,
)
from surveys.models import Action, Invitation, Questionnaire, Survey
from tests.factories import AdminUserFactory, HRUserFactory, LeaderFactory, LeaderGroupFactory
from tests.programmes.factories import RegistrationFactory, SessionFactory
from tests.reflection_groups.conftest import GROUP_SECRET, PAIR_SECRET, make_org_tree
from toppleder import audit
from toppleder.audit import AuditEntry
from toppleder.models import ROLE_FACILITATOR, OutboxMessage, User

pytestmark = pytest.mark.django_db

SERVICE_MODULES = [
    *(f"programmes.services.{m.name}" for m in pkgutil.iter_modules(programmes.services.__path__)),
    "reflection_groups.services",
    "surveys.services",
    "toppleder.services",
    "toppleder.outbox.services",
]
# Rows nobody records: the log itself, sessions (every request), and the enrolment counts the
# database keeps (triggers; the enrolment or the leader's move that changes one is recorded).
UNRECORDED_TABLES = {"toppleder.auditentry", "sessions.session", "programmes.enrolmentcount"}
# The e-mails a recorded change causes are outbox rows written in the change's own transaction
# (a registration's confirmation, a waiting-list offer): a consequence of the change its entry
# names, not a change of their own. A change *to* an outbox row (HR's resend) is recorded.
CREATED_UNRECORDED = {"toppleder.outboxmessage"}


def service_functions() -> dict[str, object]:
    out = {}
    for name in SERVICE_MODULES:
        module = importlib.import_module(name)
        for fname, func in inspect.getmembers(module, inspect.isfunction):
            if not fname.startswith("_") and func.__module__ == module.__name__:
                out[f"{name}.{fname}"] = func
    return out


# --------------------------------------------------------------------------- the world
@dataclass
class W:
    hr: object
    admin: object
    programme: Programme
    members: list
    outsider: object
    session: Session
    draft: Session
    past: Session
    waiting: list
    group: ReflectionGroup
    proposed_group: ReflectionGroup
    meeting: GroupMeeting
    pair: MentorPair
    proposed_pair: MentorPair
    mentor: object
    leader_group: object
    survey: Survey
    invitation: Invitation
    closed_survey: Survey
    survey_action: object
    questionnaire: Questionnaire
    commitment: Commitment
    contributor: Contributor
    material: Material
    outbox: OutboxMessage
    open_session: Session
    promotable: Session
    newcomer: object
    cancelled: Registration
    offered: Registration
    next_meeting: GroupMeeting
    appointment: object
    second_proposal: ReflectionGroup
    editable: Questionnaire
    booking_head: object = None
    booking_group: object = None
    group_booking: object = None
    hybrid_registration: object = None
    known_guest: object = None


@pytest.fixture
def w(settings, tmp_path) -> W:
    settings.MEDIA_ROOT = str(tmp_path)
    orgs = make_org_tree()
    # An HR adviser who also facilitates (the groups here name her their facilitator).
    hr, admin = HRUserFactory(name="Hanne HR", roles=[ROLE_FACILITATOR]), AdminUserFactory()
    programme = Programme.objects.create(name="Topplederprogrammet", period="2026/27", status="running")
    members = [
        LeaderFactory(organisation=orgs["frogner"], user__name="Mia Medlem"),
        LeaderFactory(organisation=orgs["kultur"], user__name="Kai Kultur"),
        LeaderFactory(organisation=orgs["dig"], user__name="Dina Digital", new=True),
    ]
    outsider = LeaderFactory(organisation=orgs["sagene"], user__name="Otto Utenfor")
    mentor = LeaderFactory(organisation=orgs["fin"], user__name="Mona Mentor")
    for leader in (*members, outsider, mentor):
        ProgrammeEnrolment.objects.create(programme=programme, leader=leader)
    leader_group = LeaderGroupFactory(organisation=orgs["kin"], members=[LeaderFactory(organisation=orgs["kin"])])
    session = SessionFactory(programme=programme, capacity=1, title="Ledersamling")
    RegistrationFactory(session=session, leader=members[0])
    waiting = [
        RegistrationFactory(session=session, leader=members[1], status="waitlisted", waitlist_position=1),
        RegistrationFactory(session=session, leader=members[2], status="waitlisted", waitlist_position=2),
    ]
    draft = SessionFactory(programme=programme, status="draft", title="Utkast")
    past = SessionFactory(
        programme=programme, starts_at=timezone.now() - timedelta(days=3), title="Forrige samling", kind="pilot"
    )
    RegistrationFactory(session=past, leader=members[1], attendance="attended")
    material = Material(session=session, title="Program")
    material.file.save("program.pdf", ContentFile(b"%PDF-1.4 test"), save=True)
    group = ReflectionGroup.objects.create(
        programme=programme,
        name="Refleksjonsgruppe 1",
        facilitator=hr,
        status="published",
        published_at=timezone.now(),
        created_at=timezone.now() - timedelta(days=60),
    )
    GroupMembership.objects.bulk_create(
        [GroupMembership(group=group, leader=m, programme=programme, kind=group.kind) for m in members[:2]]
    )
    meeting = GroupMeeting.objects.create(group=group, starts_at=timezone.now() - timedelta(days=7), place="Rådhuset")
    group.notes.create(meeting=meeting, author=members[0].user, text=GROUP_SECRET)
    next_meeting = GroupMeeting.objects.create(
        group=group, starts_at=timezone.now() + timedelta(days=7), place="Rådhuset"
    )
    proposed_group = ReflectionGroup.objects.create(programme=programme, name="Forslag 1", facilitator=hr)
    GroupMembership.objects.create(group=proposed_group, leader=members[2], programme=programme, kind="reflection")
    # A leader who left two years ago: the retention rule offers them for anonymising.
    departed = LeaderFactory(organisation=orgs["sagene"], user__name="Siri Sluttet")
    User.objects.filter(pk=departed.user_id).update(
        is_active=False, deactivated_at=timezone.now() - timedelta(days=730)
    )
    MentorProfile.objects.create(leader=mentor, capacity=3, themes=["lead"])
    MenteeWish.objects.create(leader=outsider, scheme="duo", themes=["lead"])
    pair = MentorPair.objects.create(
        programme=programme,
        scheme="duo",
        mentor=mentor,
        mentee=members[0],
        status="active",
        published_at=timezone.now() - timedelta(days=100),
        period_start=timezone.localdate() - timedelta(days=100),
        inactivity_warned_at=timezone.now() - timedelta(days=30),
    )
    pair.meetings.create(date=timezone.localdate() - timedelta(days=95), note=PAIR_SECRET, author=mentor.user)
    proposed_pair = MentorPair.objects.create(programme=programme, scheme="duo", mentor=mentor, mentee=members[1])
    from surveys.services import questionnaire_default_create

    questionnaire = questionnaire_default_create()
    survey = Survey.objects.create(
        programme=programme,
        questionnaire=questionnaire,
        title="Før",
        kind="baseline",
        series=questionnaire.series,
        wave=1,
        opens_at=timezone.now() - timedelta(days=1),
        closes_at=timezone.now() + timedelta(days=7),
    )
    invitation = Invitation.objects.create(survey=survey, user=members[0].user)
    closed_survey = Survey.objects.create(
        programme=programme,
        questionnaire=questionnaire,
        title="Avsluttet",
        kind="pulse",
        opens_at=timezone.now() - timedelta(days=9),
        closes_at=timezone.now() - timedelta(days=2),
    )
    Invitation.objects.create(survey=closed_survey, user=members[1].user, answered=True)
    commitment = Commitment.objects.create(programme=programme, session=past, text="Dele erfaringer", created_by=hr)
    commitment.parties.set([members[0], members[1]])
    outbox = OutboxMessage.objects.create(
        recipient=members[0].user,
        to_email=members[0].user.email,
        kind=OutboxMessage.Kind.SESSION_INVITATION,
        key="completeness:1",
        status=OutboxMessage.Status.FAILED,
        attempts=5,
        last_error="SMTP 550",
    )
    open_session = SessionFactory(programme=programme, title="Åpen samling", capacity=5)
    promotable = SessionFactory(programme=programme, title="Nesten full", capacity=2)
    RegistrationFactory(session=promotable, leader=outsider)
    RegistrationFactory(session=promotable, leader=members[2], status="waitlisted", waitlist_position=1)
    # A seat offered from a waiting list, still open; and one whose offer ran out an hour ago
    # (the beat passes it to the next waiting).
    offers = SessionFactory(programme=programme, title="Tilbud", capacity=2)
    RegistrationFactory(session=offers, leader=outsider)
    offered = RegistrationFactory(
        session=offers,
        leader=members[0],
        status="offered",
        offered_at=timezone.now() - timedelta(hours=1),
        offer_expires_at=timezone.now() + timedelta(hours=5),
    )
    lapsed = SessionFactory(programme=programme, title="Utløpt tilbud", capacity=1)
    RegistrationFactory(
        session=lapsed,
        leader=members[1],
        status="offered",
        offered_at=timezone.now() - timedelta(hours=25),
        offer_expires_at=timezone.now() - timedelta(hours=1),
    )
    RegistrationFactory(session=lapsed, leader=members[2], status="waitlisted", waitlist_position=1)
    from surveys.services import questionnaire_copy

    second_proposal = ReflectionGroup.objects.create(programme=programme, name="Forslag 2", facilitator=hr)
    newcomer = LeaderFactory(organisation=orgs["kultur"], user__name="Nils Ny")
    GroupMembership.objects.create(group=second_proposal, leader=newcomer, programme=programme, kind="reflection")
    _programme_shapes_world(programme=programme, hr=hr, members=members, orgs=orgs)
    world = W(
        open_session=open_session,
        promotable=promotable,
        newcomer=newcomer,
        cancelled=Registration.objects.create(
            session=SessionFactory(programme=programme, title="Angrebar", capacity=5),
            leader=newcomer,
            status="cancelled",
            cancelled_at=timezone.now(),
        ),
        offered=offered,
        next_meeting=next_meeting,
        appointment=pair.appointments.create(starts_at=timezone.now() + timedelta(days=9), place="Rådhuset"),
        second_proposal=second_proposal,
        editable=questionnaire_copy(questionnaire=questionnaire),
        hr=hr,
        admin=admin,
        programme=programme,
        members=members,
        outsider=outsider,
        session=session,
        draft=draft,
        past=past,
        waiting=waiting,
        group=group,
        proposed_group=proposed_group,
        meeting=meeting,
        pair=pair,
        proposed_pair=proposed_pair,
        mentor=mentor,
        leader_group=leader_group,
        survey=survey,
        invitation=invitation,
        closed_survey=closed_survey,
        survey_action=Action.objects.create(
            survey=closed_survey,
            factor="trust",
            kind="measure",
            text="Tillit på dagsorden",
            owner=members[0].user,
            due_date=timezone.localdate() + timedelta(days=30),
        ),
        questionnaire=questionnaire,
        commitment=commitment,
        contributor=Contributor.objects.create(session=session, name="Ada", kind="academia"),
        material=material,
        outbox=outbox,
    )
    # A leader group whose top leader books for it; and a booking offered seats as one unit.
    from programmes.models import GroupBooking

    world.booking_head = LeaderFactory(organisation=orgs["frogner"], user__name="Gro Gruppe")
    ProgrammeEnrolment.objects.create(programme=programme, leader=world.booking_head)
    world.booking_group = LeaderGroupFactory(organisation=orgs["frogner"], members=[world.booking_head, outsider])
    group_offers = SessionFactory(programme=programme, title="Gruppetilbud", capacity=3)
    world.group_booking = GroupBooking.objects.create(
        session=group_offers, group=world.booking_group, booked_by=world.booking_head, mode="all", size=2
    )
    for le in (world.booking_head, outsider):
        RegistrationFactory(
            session=group_offers,
            leader=le,
            status="offered",
            group_booking=world.group_booking,
            offered_at=timezone.now() - timedelta(hours=1),
            offer_expires_at=timezone.now() + timedelta(hours=5),
        )
    hybrid = SessionFactory(
        programme=programme, title="Hybrid", capacity=1, format="hybrid", video_link="https://teams.example.no/h"
    )
    world.hybrid_registration = RegistrationFactory(session=hybrid, leader=members[1])
    world.known_guest = _known_participant(world)
    RegistrationFactory(session=hybrid, leader=members[2], status="waitlisted", waitlist_position=1)
    return world


def _programme_shapes_world(*, programme, hr, members, orgs):
    """Rows for courses, networks by interest, projects and onboarding (found by name below)."""
    from programmes.models import CourseTemplate
    from reflection_groups.models import ThemeChoice, ThemeWindow

    CourseTemplate.objects.create(name="Ledergruppeutvikling", session_titles=["Oppstart", "Samhandling"])
    now, themes = timezone.now(), ["Fra strategi til handling", "Styringsdialogen"]
    ThemeWindow.objects.create(
        programme=programme,
        title="Åpent temavalg",
        themes=themes,
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=3),
    )
    closed = ThemeWindow.objects.create(
        programme=programme,
        title="Stengt temavalg",
        themes=themes,
        opens_at=now - timedelta(days=9),
        closes_at=now - timedelta(days=2),
        size_min=2,
        size_max=3,
    )
    ThemeChoice.objects.create(window=closed, leader=members[0], themes=themes[:1])
    from programmes.models import CollaborationProject

    project = CollaborationProject.objects.create(programme=programme, title="Samhandling A")
    project.leaders.set(members[:2])
    project.organisations.set([m.organisation_id for m in members[:2]])


def _course_template():
    from programmes.models import CourseTemplate

    return CourseTemplate.objects.get(name="Ledergruppeutvikling")


def _theme_window(title):
    from reflection_groups.models import ThemeWindow

    return ThemeWindow.objects.get(title=title)


def _session_kwargs(**over):
    starts = timezone.now() + timedelta(days=20)
    return {
        "kind": "theme_gathering",
        "title": "Ny samling",
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=3),
        "capacity": 30,
        "place": "Rådhuset",
        **over,
    }


def _csv(w) -> io.BytesIO:
    org = w.members[0].organisation.name
    return io.BytesIO(
        (
            "name;email;organisation;title;level\n"
            f"Nora Ny;nora@toppleder.example;{org};Direktør;1\n"
            f"{w.members[1].user.name} Endret;{w.members[1].user.email};{org};Direktør;1\n"
        ).encode()
    )


def _known_participant(w):
    """A politician invited to another session before (made past the services: world data)."""
    from programmes.models import Participant

    user, _ = User.objects.get_or_create(email="kjent@byr.oslo.kommune.no", defaults={"name": "Kari Kjent"})
    return Participant.objects.get_or_create(user=user, defaults={"category": "politician"})[0]


def _in_transaction(func):
    with transaction.atomic():
        return func()


# name: scenario(w) -> the actor the entries must name (None: the system)
S = "programmes.services."
R = "reflection_groups.services."
Q = "surveys.services."
T = "toppleder.services."


def _scenarios():
    from programmes import checkin as venue
    from programmes.services import (
        checkin,
        common,
        courses,
        enrolment,
        group_bookings,
        guests,
        imports,
        measures,
        projects,
        registrations,
        sessions,
    )
    from programmes.services import commitments as c
    from programmes.services import programmes as p
    from reflection_groups import services as rg
    from surveys import services as sv
    from toppleder import services as core

    def call(func, actor_of=lambda w: w.hr, **static):
        def run(w):
            func(**{k: (v(w) if callable(v) else v) for k, v in static.items()})
            return actor_of(w)

        return run

    def check_in(w):
        reg = Registration.objects.filter(session=w.session, status="confirmed").select_related("leader__user").first()
        with time_machine.travel(w.session.starts_at + timedelta(minutes=5)):
            checkin.attendance_check_in(session=w.session, leader=reg.leader, code=venue.code(w.session))
        return reg.leader.user

    hr = lambda w: w.hr  # noqa: E731
    leader0 = lambda w: w.members[0].user  # noqa: E731
    system = lambda w: None  # noqa: E731
    return {
        # programmes
        S + "common.given": call(common.given, system, a=1),
        S + "programmes.default_programme_goal": call(p.default_programme_goal, system),
        S + "programmes.programme_create": call(p.programme_create, by=hr, name="Nytt", period="2027"),
        S + "programmes.programme_update": call(
            p.programme_update,
            programme=lambda w: w.programme,
            by=hr,
            name="Nytt navn",
            eligible_organisations=lambda w: [w.members[0].organisation],
        ),
        S + "programmes.programme_set_status": call(
            p.programme_set_status, programme=lambda w: w.programme, status="closed", by=hr
        ),
        S + "enrolment.leaders_ineligible": call(
            enrolment.leaders_ineligible, system, programme=lambda w: w.programme, leaders=lambda w: w.members
        ),
        S + "enrolment.enrolment_add": call(
            enrolment.enrolment_add, programme=lambda w: w.programme, leaders=lambda w: [w.newcomer], by=hr
        ),
        S + "enrolment.enrolment_add_groups": call(
            enrolment.enrolment_add_groups, programme=lambda w: w.programme, groups=lambda w: [w.leader_group], by=hr
        ),
        S + "enrolment.enrolment_add_organisations": call(
            enrolment.enrolment_add_organisations,
            programme=lambda w: w.programme,
            organisations=lambda w: [w.leader_group.organisation],
            by=hr,
        ),
        S + "enrolment.enrolment_withdraw": call(
            enrolment.enrolment_withdraw, enrolment=lambda w: w.members[0].enrolments.get(), by=hr
        ),
        S + "sessions.session_create": call(
            sessions.session_create,
            programme=lambda w: w.programme,
            by=hr,
            measures=lambda w: [Measure.objects.first()],
            **_session_kwargs(),
        ),
        S + "sessions.session_update": call(
            sessions.session_update,
            session=lambda w: w.session,
            by=hr,
            place="Et annet sted",
            capacity=2,
            measures=lambda w: [Measure.objects.first()],
        ),
        S + "sessions.session_publish": call(sessions.session_publish, session=lambda w: w.draft, by=hr),
        S + "sessions.session_cancel": call(sessions.session_cancel, session=lambda w: w.session, by=hr),
        S + "sessions.session_complete": call(sessions.session_complete, session=lambda w: w.past, by=hr),
        S + "sessions.session_set_measures": call(
            sessions.session_set_measures,
            session=lambda w: w.session,
            measures=lambda w: Measure.objects.all()[:2],
            by=hr,
        ),
        S + "sessions.contributor_add": call(
            sessions.contributor_add, session=lambda w: w.session, name="Bo", kind="consultancy", by=hr
        ),
        S + "sessions.contributor_remove": call(
            sessions.contributor_remove, contributor=lambda w: w.contributor, by=hr
        ),
        S + "sessions.material_add": call(
            sessions.material_add,
            session=lambda w: w.session,
            title="Lysark",
            file=lambda w: SimpleUploadedFile("lysark.pdf", b"%PDF-1.4 lysark"),
            by=hr,
        ),
        S + "sessions.material_remove": call(sessions.material_remove, material=lambda w: w.material, by=hr),
        S + "courses.course_template_create": call(
            courses.course_template_create, name="Ny mal", session_titles=["Én", "To"], by=hr
        ),
        S + "courses.course_start_times": call(
            courses.course_start_times,
            system,
            template=lambda w: _course_template(),
            first_starts_at=timezone.now(),
        ),
        S + "courses.courses_create": call(
            courses.courses_create,
            programme=lambda w: w.programme,
            template=lambda w: _course_template(),
            groups=lambda w: [w.leader_group],
            first_starts_at=lambda w: timezone.now() + timedelta(days=10),
            place="Rådhuset",
            facilitator=hr,
            publish=True,
            by=hr,
        ),
        S + "projects.project_create": call(
            projects.project_create,
            programme=lambda w: w.programme,
            title="Felles vikarpool",
            leaders=lambda w: w.members[:2],
            sessions=lambda w: [w.past],
            commitments=lambda w: [w.commitment],
            measures=lambda w: [Measure.objects.first()],
            by=hr,
        ),
        S + "projects.project_update": call(
            projects.project_update,
            leader0,
            project=lambda w: programmes.models.CollaborationProject.objects.get(title="Samhandling A"),
            status="completed",
            outcome="I drift.",
            leaders=lambda w: w.members,
            sessions=lambda w: [w.past],
            by=leader0,
        ),
        R + "onboarding_tick": call(rg.onboarding_tick, leader=lambda w: w.members[2], step="intro", by=hr),
        R + "onboarding_set_contact": call(rg.onboarding_set_contact, leader=lambda w: w.members[2], contact=hr, by=hr),
        R + "theme_window_open": call(
            rg.theme_window_open,
            programme=lambda w: w.programme,
            title="Nettverk våren",
            themes=["Digitalisering", "Styringsdialogen"],
            opens_at=lambda w: timezone.now(),
            closes_at=lambda w: timezone.now() + timedelta(days=14),
            by=hr,
        ),
        R + "theme_choice_save": call(
            rg.theme_choice_save,
            leader0,
            window=lambda w: _theme_window("Åpent temavalg"),
            leader=lambda w: w.members[0],
            themes=["Styringsdialogen"],
            by=leader0,
        ),
        R + "networks_compose": call(rg.networks_compose, window=lambda w: _theme_window("Stengt temavalg"), by=hr),
        S + "registrations.lock_session": lambda w: _in_transaction(lambda: registrations.lock_session(w.session.pk)),
        S + "registrations.count_confirmed": call(registrations.count_confirmed, system, session=lambda w: w.session),
        S + "registrations.count_offered": call(registrations.count_offered, system, session=lambda w: w.session),
        S + "registrations.offer_rules": call(registrations.offer_rules, system),
        S + "registrations.promote_waiting": lambda w: (
            _in_transaction(
                lambda: registrations.promote_waiting(
                    registrations.lock_session(w.promotable.pk), by=w.hr, event="session_update"
                )
            )
            and w.hr
        ),
        S + "registrations.registration_create": call(
            registrations.registration_create,
            lambda w: w.outsider.user,
            session=lambda w: w.open_session,
            leader=lambda w: w.outsider,
            by=lambda w: w.outsider.user,
        ),
        S + "registrations.offer_accept": call(
            registrations.offer_accept, leader0, registration=lambda w: w.offered, by=leader0
        ),
        S + "registrations.offers_expire": call(registrations.offers_expire, system),
        S + "registrations.modes": call(registrations.modes, system, session=lambda w: w.session),
        S + "registrations.free_seats": call(registrations.free_seats, system, session=lambda w: w.session),
        S + "registrations.registration_switch_mode": call(
            registrations.registration_switch_mode,
            lambda w: w.members[1].user,
            registration=lambda w: w.hybrid_registration,
            mode="online",
            by=lambda w: w.members[1].user,
        ),
        S + "registrations.waiting_fits": call(registrations.waiting_fits, system, session=lambda w: w.session, free=1),
        S + "group_bookings.group_booking_create": call(
            group_bookings.group_booking_create,
            lambda w: w.booking_head.user,
            session=lambda w: w.open_session,
            group=lambda w: w.booking_group,
            booker=lambda w: w.booking_head,
            mode="all",
            by=lambda w: w.booking_head.user,
        ),
        S + "group_bookings.group_offer_accept": call(
            group_bookings.group_offer_accept,
            lambda w: w.booking_head.user,
            booking=lambda w: w.group_booking,
            booker=lambda w: w.booking_head,
            by=lambda w: w.booking_head.user,
        ),
        S + "registrations.invitation_decline": call(
            registrations.invitation_decline,
            lambda w: w.outsider.user,
            session=lambda w: w.open_session,
            leader=lambda w: w.outsider,
            by=lambda w: w.outsider.user,
        ),
        S + "registrations.email_action_perform": call(
            registrations.email_action_perform,
            lambda w: w.outsider.user,
            ticket=lambda w: email_actions.read(
                email_actions.SIGN_UP,
                email_actions.make_token(
                    email_actions.SIGN_UP,
                    leader=w.outsider,
                    session=w.open_session,
                    expires_at=w.open_session.starts_at,
                ),
            ),
            by=lambda w: w.outsider.user,
        ),
        S + "registrations.registration_cancel": call(
            registrations.registration_cancel,
            leader0,
            registration=lambda w: Registration.objects.get(session=w.session, leader=w.members[0]),
            by=leader0,
        ),
        S + "registrations.registration_restore": call(
            registrations.registration_restore,
            lambda w: w.newcomer.user,
            registration=lambda w: w.cancelled,
            by=lambda w: w.newcomer.user,
        ),
        S + "registrations.waitlist_reorder": call(
            registrations.waitlist_reorder,
            registration=lambda w: w.waiting[1],
            new_position=1,
            reason="Ny leder",
            by=hr,
        ),
        S + "registrations.waitlist_favour_newcomers": call(
            registrations.waitlist_favour_newcomers, session=lambda w: w.session, reason="Nye først", by=hr
        ),
        S + "registrations.attendance_record": call(
            registrations.attendance_record,
            session=lambda w: w.past,
            marks=lambda w: {Registration.objects.get(session=w.past).pk: "no_show"},
            by=hr,
        ),
        S + "registrations.calendar_token_reset": call(
            registrations.calendar_token_reset, leader0, leader=lambda w: w.members[0], by=leader0
        ),
        S + "commitments.commitment_create": call(
            c.commitment_create,
            programme=lambda w: w.programme,
            text="Felles innkjøp",
            parties=lambda w: w.members[:2],
            session=lambda w: w.past,
            by=hr,
        ),
        S + "commitments.commitment_update_status": call(
            c.commitment_update_status,
            leader0,
            commitment=lambda w: w.commitment,
            status="done",
            follow_up="Gjort",
            by=leader0,
        ),
        S + "measures.measure_update": call(
            measures.measure_update, measure=lambda w: Measure.objects.first(), status="done", owner="HR", by=hr
        ),
        S + "checkin.attendance_check_in": check_in,
        S + "imports.leaders_import": call(imports.leaders_import, file=_csv, programme=lambda w: w.programme, by=hr),
        S + "guests.guest_sessions": call(
            guests.guest_sessions, system, programme=lambda w: w.programme, session=lambda w: w.session
        ),
        S + "guests.guest_invite": call(
            guests.guest_invite,
            programme=lambda w: w.programme,
            session=lambda w: w.session,
            name="Pia Politiker",
            email="pia.politiker@byr.oslo.kommune.no",
            category="politician",
            organisation="Byrådet",
            by=hr,
        ),
        S + "guests.guests_invite_known": call(
            guests.guests_invite_known,
            programme=lambda w: w.programme,
            session=lambda w: w.session,
            participants=lambda w: [w.known_guest],
            by=hr,
        ),
        # A new union representative, and a leader's e-mail in capitals (attached, not a new person).
        S + "guests.guests_import": call(
            guests.guests_import,
            programme=lambda w: w.programme,
            session=lambda w: w.session,
            file=lambda w: io.BytesIO(
                (
                    "Navn;E-post;Kategori;Hovedsammenslutning\n"
                    "Tore Tillitsvalgt;tore@fagforbundet.no;Tillitsvalgt;LO Kommune\n"
                    f"Mia Medlem;{w.members[0].user.email.upper()};Gjest;\n"
                ).encode()
            ),
            by=hr,
        ),
        # reflection groups
        R + "organisation_tree": call(rg.organisation_tree, system),
        R + "lines": call(rg.lines, system),
        R + "group_rule_warnings": call(rg.group_rule_warnings, system, members=lambda w: w.members),
        R + "compose_pool": call(rg.compose_pool, system, programme=lambda w: w.programme, kind="network"),
        R + "group_compose": call(
            rg.group_compose,
            programme=lambda w: w.programme,
            kind="network",
            size_min=2,
            size_max=3,
            theme="Digitalisering",
            facilitator=hr,
            by=hr,
        ),
        R + "group_move_member": call(
            rg.group_move_member,
            leader=lambda w: w.members[2],
            from_group=lambda w: w.proposed_group,
            to_group=lambda w: w.second_proposal,
            by=hr,
        ),
        R + "group_add_member": call(rg.group_add_member, group=lambda w: w.group, leader=lambda w: w.outsider, by=hr),
        R + "group_create": call(
            rg.group_create,
            programme=lambda w: w.programme,
            kind="network",
            name="Nettverk",
            theme="Strategi",
            facilitator=hr,
            members=lambda w: [w.outsider],
            by=hr,
        ),
        R + "group_publish": call(rg.group_publish, group=lambda w: w.proposed_group, by=hr),
        R + "groups_publish": call(rg.groups_publish, programme=lambda w: w.programme, kind="reflection", by=hr),
        R + "group_close": call(rg.group_close, group=lambda w: w.group, by=hr),
        R + "facilitator_invite": call(rg.facilitator_invite, name="Ella Ekstern", email="ella@coach.example", by=hr),
        R + "meeting_schedule": call(
            rg.meeting_schedule,
            group=lambda w: w.group,
            actor=hr,
            starts_at=lambda w: timezone.now() + timedelta(days=3),
            place="Rådhuset",
        ),
        R + "meeting_cancel": call(rg.meeting_cancel, meeting=lambda w: w.next_meeting, actor=hr),
        R + "meeting_change": call(
            rg.meeting_change,
            meeting=lambda w: w.next_meeting,
            actor=hr,
            starts_at=lambda w: w.next_meeting.starts_at + timedelta(hours=1),
            place="Rådhuset, sal 2",
        ),
        R + "pair_appointment_plan": call(
            rg.pair_appointment_plan,
            leader0,
            pair=lambda w: w.pair,
            actor=leader0,
            starts_at=lambda w: timezone.now() + timedelta(days=20),
            place="Kafé",
        ),
        R + "pair_appointment_change": call(
            rg.pair_appointment_change,
            leader0,
            appointment=lambda w: w.appointment,
            actor=leader0,
            starts_at=lambda w: w.appointment.starts_at + timedelta(days=1),
            place="Kafé",
        ),
        R + "pair_appointment_cancel": call(
            rg.pair_appointment_cancel, leader0, appointment=lambda w: w.appointment, actor=leader0
        ),
        R + "attendance_record": call(
            rg.attendance_record, meeting=lambda w: w.meeting, actor=hr, present=lambda w: [w.members[1]]
        ),
        R + "note_create": call(rg.note_create, leader0, group=lambda w: w.group, author=leader0, text="Hemmelig"),
        R + "group_mark_seen": call(
            rg.group_mark_seen, leader0, group=lambda w: w.group, leader=lambda w: w.members[0]
        ),
        R + "mentor_profile_save": call(
            rg.mentor_profile_save, lambda w: w.mentor.user, leader=lambda w: w.mentor, capacity=4, themes=["dare"]
        ),
        R + "mentee_wish_save": call(
            rg.mentee_wish_save,
            lambda w: w.outsider.user,
            leader=lambda w: w.outsider,
            scheme="duo",
            themes=["dare"],
            sectors=lambda w: [w.members[0].organisation.sector],
        ),
        R + "pair_create": call(
            rg.pair_create,
            programme=lambda w: w.programme,
            scheme="duo",
            mentor=lambda w: w.mentor,
            mentee=lambda w: w.newcomer,
            by=hr,
        ),
        R + "pair_discard": call(rg.pair_discard, pair=lambda w: w.proposed_pair, by=hr),
        R + "pair_match": call(rg.pair_match, programme=lambda w: w.programme, scheme="duo", by=hr),
        R + "pair_publish": call(rg.pair_publish, pair=lambda w: w.proposed_pair, by=hr),
        R + "pairs_publish": call(rg.pairs_publish, programme=lambda w: w.programme, scheme="duo", by=hr),
        R + "pair_agreement_update": call(
            rg.pair_agreement_update,
            leader0,
            pair=lambda w: w.pair,
            actor=leader0,
            goals="Nye mål",
            meeting_frequency="Månedlig",
            period_start=None,
            period_end=None,
        ),
        R + "pair_meeting_log": call(
            rg.pair_meeting_log,
            leader0,
            pair=lambda w: w.pair,
            actor=leader0,
            date=lambda w: timezone.localdate(),
            note="Privat",
        ),
        R + "pair_fit_check": call(
            rg.pair_fit_check, leader0, pair=lambda w: w.pair, leader=lambda w: w.members[0], fit="good"
        ),
        R + "pair_request_rematch": call(
            rg.pair_request_rematch, leader0, pair=lambda w: w.pair, leader=lambda w: w.members[0]
        ),
        R + "pair_close": call(rg.pair_close, pair=lambda w: w.pair, reason="completed", by=hr),
        R + "pairs_close_inactive": call(rg.pairs_close_inactive, system),
        R + "pair_mark_seen": call(rg.pair_mark_seen, leader0, pair=lambda w: w.pair, leader=lambda w: w.members[0]),
        # surveys
        Q + "questions_replace": call(
            sv.questions_replace,
            questionnaire=lambda w: w.editable,
            questions=[{"text": "Ny", "kind": "likert", "dimension": "trust"}],
            by=hr,
        ),
        Q + "questionnaire_update": call(
            sv.questionnaire_update, questionnaire=lambda w: w.editable, name="Nytt skjema", by=hr
        ),
        Q + "questionnaire_save": call(
            sv.questionnaire_save,
            questionnaire=lambda w: w.editable,
            name="Nytt skjema",
            description="Kort",
            questions=[{"text": "Ny", "kind": "likert", "dimension": "trust"}],
            by=hr,
        ),
        Q + "questionnaire_copy": call(sv.questionnaire_copy, questionnaire=lambda w: w.questionnaire, by=hr),
        Q + "questionnaire_default_create": call(sv.questionnaire_default_create, system),
        Q + "survey_create": call(
            sv.survey_create,
            programme=lambda w: w.programme,
            questionnaire=lambda w: w.questionnaire,
            title="Etter",
            kind="follow_up",
            opens_at=lambda w: timezone.now(),
            closes_at=lambda w: timezone.now() + timedelta(days=7),
            created_by=hr,
        ),
        Q + "survey_invite": call(sv.survey_invite, survey=lambda w: w.survey, audience="programme", by=hr),
        Q + "survey_remind": call(sv.survey_remind, survey=lambda w: w.survey, by=hr),
        Q + "survey_scrub": call(sv.survey_scrub, system, survey=lambda w: w.closed_survey),
        Q + "action_create": call(
            sv.action_create,
            survey=lambda w: w.closed_survey,
            factor="trust",
            kind="commitment",
            text="Felles frokostmøte",
            owner=lambda w: w.members[0].user,
            due_date=lambda w: timezone.localdate() + timedelta(days=30),
            parties=lambda w: [w.members[0], w.members[1]],
            by=hr,
        ),
        Q + "factor_scores_import": call(
            sv.factor_scores_import,
            file=lambda w: (
                "virksomhet;år;faktor;snitt;antall\n"
                f"{w.members[0].organisation.name};2025;Autonomi;3,9;37\n"
                f"{w.members[0].organisation.name};2025;Rolleklarhet;4,1;37\n"
            ),
            by=hr,
        ),
        Q + "action_update_status": call(
            sv.action_update_status, action=lambda w: w.survey_action, status="done", by=hr
        ),
        Q + "invitation_for_token": call(sv.invitation_for_token, system, token=lambda w: w.invitation.token),
        Q + "answers_validate": call(sv.answers_validate, system, questions=[], answers={}),
        Q + "response_submit": call(
            sv.response_submit,
            system,
            token=lambda w: w.invitation.token,
            answers=lambda w: {q.pk: 4 for q in w.questionnaire.questions.filter(kind="likert")},
        ),
        # the core
        T + "user_set_language": call(core.user_set_language, leader0, user=leader0, language="en"),
        T + "preferences_update": call(
            core.preferences_update, leader0, user=leader0, session_reminders=False, survey_reminders=True
        ),
        T + "person_anonymise": call(core.person_anonymise, lambda w: w.admin, user=leader0, by=lambda w: w.admin),
        T + "roles_from_sso": call(
            core.roles_from_sso,
            lambda w: None,
            user=lambda w: w.members[0].user,
            groups=["g-hr", "g-ukjent"],
            mapping={"g-hr": "HR", "g-fac": "Facilitator"},
        ),
        T + "departed_anonymise": call(
            core.departed_anonymise,
            lambda w: w.admin,
            by=lambda w: w.admin,
            user_ids=lambda w: list(User.objects.filter(name="Siri Sluttet").values_list("pk", flat=True)),
        ),
        "toppleder.outbox.services.outbox_resend": lambda w: _resend(w),
    }


def _resend(w):
    from toppleder.outbox import services

    services.outbox_resend(message_id=w.outbox.pk, by=w.hr)
    return w.hr


# The functions whose row changes are deliberately not recorded, and why.
EXCEPTIONS = {
    "surveys.services.response_submit": "anonymity: an entry saying who answered, and when, would undo it",
    "reflection_groups.services.group_mark_seen": "a member's own reading mark, not a change to the group",
    "reflection_groups.services.pair_mark_seen": "the mentor's or mentee's own reading mark, not a change to the pair",
}
# person_anonymise: one ANONYMISE entry for the person, and nothing that repeats their data.
ANONYMISE = {"toppleder.services.person_anonymise", "toppleder.services.departed_anonymise"}


# --------------------------------------------------------------------------- comparing rows
def snapshot() -> dict:
    rows = {}
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label_lower
        if label in UNRECORDED_TABLES:
            continue
        fields = [f.attname for f in model._meta.concrete_fields]
        for values in model._base_manager.values_list(*fields):
            row = dict(zip(fields, values, strict=True))
            rows[(label, str(row["id"]))] = {k: audit.plain(v) for k, v in row.items()}
    return rows


def changed_columns(before: dict, after: dict) -> set:
    return {k for k in after if before.get(k) != after[k]} - set(audit.BOOKKEEPING)


def _through_owner(label: str, row: dict) -> tuple[str, str, str] | None:
    """(owner label, owner id, m2m field name) for a row of an auto-created m2m table."""
    model = apps.get_model(label)
    if not model._meta.auto_created:
        return None
    for field in model._meta.auto_created._meta.many_to_many:
        if field.remote_field.through is model:
            owner = model._meta.auto_created._meta.label_lower
            return owner, str(row[field.m2m_field_name() + "_id"]), field.name
    return None


def expected_and_problems(before: dict, after: dict, entries: list[AuditEntry]) -> list[str]:
    problems = []
    by_key: dict = {}
    for e in entries:
        by_key.setdefault((e.object_type, e.object_id, e.action), []).append(e)
    matched = set()

    def take(label, pk, action):
        found = by_key.get((label, pk, action), [])
        if len(found) != 1:
            return None, len(found)
        matched.add((label, pk, action))
        return found[0], 1

    for key in after.keys() - before.keys():
        label, pk = key
        if label in CREATED_UNRECORDED:
            continue
        entry, n = take(label, pk, "create")
        if entry is None:
            owner = _through_owner(label, after[key])
            owner_entries = [
                e for e in entries if owner and (e.object_type, e.object_id) == owner[:2] and owner[2] in e.changes
            ]
            if owner is None or not owner_entries:
                problems.append(f"created {label} #{pk}: {n} create entries")
    for key in before.keys() - after.keys():
        label, pk = key
        entry, n = take(label, pk, "delete")
        if entry is None:
            owner = _through_owner(label, before[key])
            owner_entries = [
                e for e in entries if owner and (e.object_type, e.object_id) == owner[:2] and owner[2] in e.changes
            ]
            if owner is None or not owner_entries:
                problems.append(f"deleted {label} #{pk}: {n} delete entries")
    for key in before.keys() & after.keys():
        columns = changed_columns(before[key], after[key])
        if not columns:
            continue
        label, pk = key
        entry, n = take(label, pk, "update")
        if entry is None:
            problems.append(f"changed {label} #{pk} ({', '.join(sorted(columns))}): {n} update entries")
            continue
        recorded = set(entry.changes) - {f.name for f in apps.get_model(label)._meta.many_to_many}
        if recorded != columns:
            problems.append(f"changed {label} #{pk}: recorded {sorted(recorded)}, changed {sorted(columns)}")
            continue
        for column in columns:
            value = entry.changes[column]
            if audit.is_sensitive(column):
                if value != audit.HIDDEN:
                    problems.append(f"{label} #{pk}.{column}: a sensitive value reached the log")
            elif value != [before[key][column], after[key][column]]:
                problems.append(
                    f"{label} #{pk}.{column}: recorded {value!r}, was {[before[key][column], after[key][column]]!r}"
                )
    for key, found in by_key.items():
        if key not in matched and key[2] in ("create", "update", "delete"):
            label, pk, action = key
            owner_m2m = any(f.name in e.changes for e in found for f in apps.get_model(label)._meta.many_to_many)
            if not (action == "update" and owner_m2m):
                problems.append(f"{len(found)} {action} entries for {label} #{pk} that changed nothing of the kind")
    return problems


# --------------------------------------------------------------------------- the tests
def test_every_service_has_a_scenario():
    names, scenarios = set(service_functions()), set(_scenarios())
    assert names == scenarios, f"without a scenario: {sorted(names - scenarios)}; stale: {sorted(scenarios - names)}"


@pytest.mark.parametrize("name", sorted(_scenarios()))
def test_service_records_exactly_what_it_changed(w, name, django_capture_on_commit_callbacks):
    before = snapshot()
    start = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    actor = _scenarios()[name](w)
    after = snapshot()
    entries = list(AuditEntry.objects.filter(pk__gt=start).order_by("pk"))
    changed = before != after

    if name in EXCEPTIONS:
        assert changed, f"{name} is listed as an exception but changed nothing"
        assert entries == [], f"{name} must record nothing ({EXCEPTIONS[name]}): {entries}"
        return
    if name in ANONYMISE:
        assert [(e.action, e.object_type, e.changes) for e in entries] == [("anonymise", "toppleder.user", {})]
        assert entries[0].actor == w.admin
        return

    problems = expected_and_problems(before, after, entries)
    assert not problems, f"{name}:\n  " + "\n  ".join(problems)
    assert all(e.actor_id == (actor.pk if actor else None) for e in entries), (
        f"{name}: entries by {[e.actor_label for e in entries]}, expected {actor}"
    )
    assert all(e.event for e in entries), f"{name}: an entry without the service's name"
    dump = repr([e.changes for e in entries])
    assert "F(" not in dump and "Value(" not in dump and "Combined" not in dump
    assert GROUP_SECRET not in dump and PAIR_SECRET not in dump and "Hemmelig" not in dump and "Privat" not in dump


def test_removing_an_audit_call_makes_its_scenario_fail(w, monkeypatch):
    """The guard itself: a service whose record() call is gone is caught (here: attendance)."""
    from programmes.services import registrations

    real = audit.record
    monkeypatch.setattr(
        registrations.audit,
        "record",
        lambda actor, action, objects=None, changes=None, **kw: (
            0 if kw.get("event") == "attendance_record" else real(actor, action, objects, changes, **kw)
        ),
    )
    before = snapshot()
    _scenarios()[S + "registrations.attendance_record"](w)
    problems = expected_and_problems(before, snapshot(), list(AuditEntry.objects.all()))
    assert any("programmes.registration" in p and "attendance" in p for p in problems), problems
