"""Participants who are not leaders (politicians, political secretaries, union representatives,
guests, contributors): HR invites them to a session or to every coming session of a kind, one by
one or from a file; they sign up from the same one-click links as leaders, under the same seats
and waiting list, with the same calendar entry and reminders; they count in attendance and in
the progress report by category, never in leader statistics or surveys."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from programmes import email_actions, notifications, services
from programmes.calendar import registration_ics
from programmes.models import GuestInvitation, Participant, Registration, Session
from reports.content.programme import programme_guests, programme_participation
from reports.content.session import session_report_data
from reports.period import Period
from surveys.selectors import audience_user_ids
from tests.programmes.factories import ProgrammeFactory, RegistrationFactory, SessionFactory, enrolled_leader
from toppleder.models import OutboxMessage, User

pytestmark = pytest.mark.django_db
S = Registration.Status
NOW = timezone.datetime(2026, 9, 1, 9, 0, tzinfo=timezone.get_default_timezone())


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def hr():
    from tests.factories import HRUserFactory

    return HRUserFactory()


def conference(programme=None, **kw):
    return SessionFactory(
        programme=programme or ProgrammeFactory(),
        kind="leader_conference",
        title=kw.pop("title", "Byrådets ledersamling høst"),
        **kw,
    )


def invite(session, hr, **kw):
    data = {
        "name": "Pia Politiker",
        "email": "pia@byr.oslo.kommune.no",
        "category": "politician",
        "organisation": "Byrådet",
    }
    data.update(kw)
    return services.guest_invite(programme=session.programme, session=session, by=hr, **data)


def participant(email="pia@byr.oslo.kommune.no"):
    return Participant.objects.get(user__email=email)


def link(action, person, session, registration=None, nonce=0):
    token = email_actions.make_token(
        action, leader=person, session=session, registration=registration, expires_at=session.starts_at, nonce=nonce
    )
    return email_actions.read(action, token)


# --- inviting ------------------------------------------------------------------------
def test_inviting_a_politician_makes_a_participant_without_a_leader_profile(hr):
    session = conference()
    result = invite(session, hr)

    p = participant()
    assert (result.participants_created, result.invitations, result.leaders_attached) == (1, 1, [])
    assert (p.name, p.category, p.organisation) == ("Pia Politiker", "politician", "Byrådet")
    assert not hasattr(p.user, "leader") or p.user.leader is None
    assert not p.user.has_usable_password()
    assert GuestInvitation.objects.get(session=session).participant == p


def test_inviting_to_a_kind_covers_every_coming_session_of_that_kind_only(hr):
    programme = ProgrammeFactory()
    spring = conference(programme, title="Vår", starts_at=NOW + timedelta(days=10))
    autumn = conference(programme, title="Høst", starts_at=NOW + timedelta(days=60), status=Session.Status.DRAFT)
    conference(programme, title="I fjor", starts_at=NOW - timedelta(days=30))
    SessionFactory(programme=programme, kind="theme_gathering")

    result = services.guest_invite(
        programme=programme,
        kind="leader_conference",
        name="Tore Tillitsvalgt",
        email="tore@fagforbundet.no",
        category="union_representative",
        union="lo_kommune",
        by=hr,
    )

    assert {s.pk for s in result.sessions} == {spring.pk, autumn.pk}
    assert set(GuestInvitation.objects.values_list("session__title", flat=True)) == {"Vår", "Høst"}
    assert participant("tore@fagforbundet.no").affiliation == "LO Kommune"


def test_a_guest_who_is_a_leader_is_one_person_the_leader_is_attached(hr):
    session = conference()
    leader = enrolled_leader(ProgrammeFactory(), user__email="kari.direktor@oslo.kommune.no", user__name="Kari D")

    result = invite(session, hr, email="KARI.Direktor@Oslo.Kommune.no", name="Kari Direktør", category="guest")

    assert result.participants_created == 0
    assert result.leaders_attached == ["Kari D <kari.direktor@oslo.kommune.no>"]
    assert not Participant.objects.exists()
    assert User.objects.filter(email__iexact="kari.direktor@oslo.kommune.no").count() == 1
    assert GuestInvitation.objects.get(session=session).leader == leader
    # Invited by name, the leader signs up although not enrolled in this programme, as a leader.
    reg = services.registration_create(session=session, leader=leader)
    assert (reg.leader, reg.participant, reg.status) == (leader, None, S.CONFIRMED)


def test_inviting_the_same_person_twice_writes_one_invitation(hr):
    session = conference()
    invite(session, hr)
    again = invite(session, hr, email="PIA@byr.oslo.kommune.no")

    assert (again.invitations, again.already_invited, again.participants_created) == (0, 1, 0)
    assert GuestInvitation.objects.count() == 1
    assert Participant.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"email": "ikke-en-adresse"}, "er ikke en gyldig e-postadresse"),
        ({"category": "journalist"}, "ukjent kategori «journalist»"),
        ({"category": "union_representative", "union": ""}, "en tillitsvalgt må ha en hovedsammenslutning"),
        ({"union": "Fagforeningen X"}, "ukjent hovedsammenslutning «Fagforeningen X»"),
        ({"name": ""}, "mangler"),
    ],
)
def test_bad_input_is_refused_in_norwegian_and_nothing_changes(hr, change, message):
    session = conference()
    before = User.objects.count()
    with translation.override("nb"), pytest.raises(ValidationError) as exc:
        invite(session, hr, **change)
    assert message in " ".join(exc.value.messages)
    assert User.objects.count() == before
    assert not Participant.objects.exists() and not GuestInvitation.objects.exists()


def test_a_session_that_has_taken_place_cannot_get_guests(hr):
    session = conference(starts_at=NOW - timedelta(days=1))
    with pytest.raises(ValidationError):
        invite(session, hr)
    assert not GuestInvitation.objects.exists()


# --- the file --------------------------------------------------------------------------
def csv(text: str) -> io.BytesIO:
    return io.BytesIO(text.encode("utf-8"))


def test_a_file_with_norwegian_headers_invites_everyone(hr):
    session = conference()
    leader = enrolled_leader(session.programme, user__email="leder@oslo.kommune.no")
    result = services.guests_import(
        programme=session.programme,
        session=session,
        by=hr,
        file=csv(
            "Navn;E-post;Kategori;Virksomhet;Hovedsammenslutning\n"
            "Pia Politiker;pia@byr.oslo.kommune.no;Politiker;Byrådet;\n"
            "Sara Sekretær;sara@byr.oslo.kommune.no;political secretary;Byrådslederens kontor;\n"
            "Ulf Unio;ulf@unio.no;Tillitsvalgt;;Unio\n"
            "Leder Selv;LEDER@oslo.kommune.no;Gjest;;\n"
        ),
    )

    assert result.ok, result.errors
    assert (result.participants_created, result.invitations) == (3, 4)
    assert result.leaders_attached == [f"{leader.name} <leder@oslo.kommune.no>"]
    cats = dict(Participant.objects.values_list("user__email", "category"))
    assert cats == {
        "pia@byr.oslo.kommune.no": "politician",
        "sara@byr.oslo.kommune.no": "political_secretary",
        "ulf@unio.no": "union_representative",
    }


def test_a_file_with_bad_lines_is_refused_per_line_in_norwegian_and_nothing_is_written(hr):
    session = conference()
    with translation.override("nb"):
        result = services.guests_import(
            programme=session.programme,
            session=session,
            by=hr,
            file=csv(
                "navn,e-post,kategori,fagforening\n"
                "God Linje,god@example.no,gjest,\n"
                "Feil Adresse,feil-adresse,gjest,\n"
                "Feil Kategori,kat@example.no,journalist,\n"
                "Feil Forbund,forbund@example.no,tillitsvalgt,Fagforeningen X\n"
                "Dobbel,god@example.no,gjest,\n"
            ),
        )

    assert [line for line, _m in result.errors] == [3, 4, 5, 6]
    text = dict(result.errors)
    assert "«feil-adresse» er ikke en gyldig e-postadresse" in text[3]
    assert "ukjent kategori «journalist»" in text[4]
    assert "ukjent hovedsammenslutning «Fagforeningen X»" in text[5]
    assert "står også på linje 2" in text[6]
    assert not Participant.objects.exists() and not GuestInvitation.objects.exists()
    assert not User.objects.filter(email__endswith="example.no").exists()


def test_valid_lines_only_invites_the_good_lines(hr):
    session = conference()
    result = services.guests_import(
        programme=session.programme,
        session=session,
        by=hr,
        partial=True,
        file=csv("name;email;category\nGod;god@example.no;guest\nFeil;feil;guest\n"),
    )
    assert [line for line, _m in result.errors] == [3]
    assert list(Participant.objects.values_list("user__email", flat=True)) == ["god@example.no"]


def test_a_file_without_the_required_columns_says_which(hr):
    session = conference()
    with translation.override("nb"):
        result = services.guests_import(
            programme=session.programme, session=session, by=hr, file=csv("navn;e-post\nA;a@example.no\n")
        )
    assert result.errors[0][0] == 1 and "Kategori" in result.errors[0][1]


# --- one-click links, seats, calendar, reminders ------------------------------------------
def test_the_invitation_carries_the_one_click_links_and_sign_up_respects_capacity(
    hr, django_capture_on_commit_callbacks
):
    session = conference(capacity=1)
    programme = session.programme
    services.registration_create(session=session, leader=enrolled_leader(programme))
    with django_capture_on_commit_callbacks(execute=True):
        invite(session, hr)

    message = OutboxMessage.objects.get(kind=OutboxMessage.Kind.SESSION_INVITATION)
    assert message.recipient == participant().user
    actions, secrets = notifications._invitation_actions(message, session)
    labels = [str(a["label"]) for a in actions]
    assert labels == [str(email_actions.LABELS["waitlist"]), str(email_actions.LABELS["decline"])]

    ticket = email_actions.read("waitlist", secrets[0])
    assert ticket.person == participant() and ticket.leader is None
    assert email_actions.preview(ticket).outcome == "waitlisted"
    outcome = services.email_action_perform(ticket=ticket, by=participant().user)

    assert outcome == S.WAITLISTED  # the one seat is the leader's: the guest waits, no overbooking
    session.refresh_from_db()
    assert (session.confirmed_count, session.waitlist_count) == (1, 1)
    with pytest.raises(email_actions.LinkInvalid):
        email_actions.read("waitlist", secrets[0])  # single use


def test_a_guest_who_cannot_come_says_so_once(hr):
    session = conference()
    invite(session, hr)
    p = participant()
    services.email_action_perform(ticket=link("decline", p, session), by=p.user)

    assert GuestInvitation.objects.get(participant=p).declined_at == NOW
    assert email_actions.preview(link("decline", p, session, nonce=1)).outcome == "declined"
    with pytest.raises(ValidationError):
        services.invitation_decline(session=session, participant=p)


def test_a_participant_not_invited_cannot_sign_up():
    session = conference()
    other = conference(programme=session.programme, title="Annen")
    user = User.objects.create(email="x@example.no", name="X")
    p = Participant.objects.create(user=user, category="guest")
    GuestInvitation.objects.create(session=other, participant=p)
    with translation.override("en"), pytest.raises(ValidationError, match="not been invited"):
        services.registration_create(session=session, participant=p)


def test_a_confirmed_guest_gets_the_calendar_entry_and_the_48_hour_reminder(hr, django_capture_on_commit_callbacks):
    session = conference(starts_at=NOW + timedelta(hours=36))
    invite(session, hr)
    p = participant()
    with django_capture_on_commit_callbacks(execute=True):
        reg = services.registration_create(session=session, participant=p)

    ics = registration_ics(reg, "REQUEST").decode()
    assert "mailto:pia@byr.oslo.kommune.no" in ics and "PARTSTAT=ACCEPTED" in ics
    assert OutboxMessage.objects.filter(kind=OutboxMessage.Kind.REGISTRATION_CONFIRMED, recipient=p.user).exists()

    assert notifications.session_reminders_queue() == 1
    reminder = OutboxMessage.objects.get(kind=OutboxMessage.Kind.SESSION_REMINDER)
    assert reminder.recipient == p.user
    email = notifications.render_reminder(reminder)
    assert email.secrets  # "Gi fra meg plassen" as one click, as for leaders


def test_a_guest_giving_up_a_seat_offers_it_to_the_waiting_list(hr):
    session = conference(capacity=1)
    invite(session, hr)
    p = participant()
    reg = services.registration_create(session=session, participant=p)
    waiting = services.registration_create(session=session, leader=enrolled_leader(session.programme))
    assert waiting.status == S.WAITLISTED

    services.email_action_perform(ticket=link("giveup", p, session, reg), by=p.user)

    waiting.refresh_from_db()
    assert waiting.status == S.OFFERED
    reg.refresh_from_db()
    assert (reg.status, reg.attendance) == (S.CANCELLED, Registration.Attendance.EXCUSED)


# --- counted by category, never as leaders ------------------------------------------------
def _held_conference_with_guests(hr):
    programme = ProgrammeFactory()
    session = conference(programme, starts_at=NOW + timedelta(days=3))
    leaders = [enrolled_leader(programme) for _ in range(2)]
    for le in leaders:
        services.registration_create(session=session, leader=le)
    invite(session, hr)
    invite(session, hr, name="Tore T", email="tore@fagforbundet.no", category="union_representative", union="unio")
    invite(session, hr, name="Gro Gjest", email="gro@example.no", category="guest")
    for email in ("pia@byr.oslo.kommune.no", "tore@fagforbundet.no"):
        services.registration_create(session=session, participant=participant(email))
    Session.objects.filter(pk=session.pk).update(starts_at=NOW - timedelta(hours=3), ends_at=NOW - timedelta(hours=1))
    session.refresh_from_db()
    marks = {r.pk: "attended" for r in Registration.objects.filter(session=session)}
    services.attendance_record(session=session, marks=marks, by=hr)
    return programme, session, leaders


def test_guests_count_in_attendance_by_category_and_never_in_leader_figures(hr):
    programme, session, leaders = _held_conference_with_guests(hr)

    participation = programme_participation(programme, Period())
    assert participation["total"]["enrolled"] == 2 and participation["total"]["one"] == 2

    guests = programme_guests(programme, Period())
    with translation.override("en"):
        rows = {
            (r["category"], r["invited"], r["signed"], r["attended"])
            for r in programme_guests(programme, Period())["rows"]
        }
    assert rows == {("Politician", 1, 1, 1), ("Union representative", 1, 1, 1), ("Guest", 1, 0, 0)}
    assert guests["total"] == {"invited": 3, "signed": 2, "attended": 2}
    assert len(guests["by_kind"]) == 3 and {r["sessions"] for r in guests["by_kind"]} == {1}

    report = session_report_data(session, hr_version=True)
    assert report["counts"]["attended"] == 4  # attendance counts everyone in the room
    assert report["counts"]["organisations"] == len({le.organisation_id for le in leaders})
    assert None not in [r["name"] for r in report["by_org"]]
    names = {r["name"]: r for r in report["attendance_list"]}
    assert names["Tore T"]["organisation"] == "Unio"


def test_guests_are_never_asked_to_answer_a_session_survey(hr):
    from surveys.models import Survey
    from surveys.services import questionnaire_default_create

    programme, session, leaders = _held_conference_with_guests(hr)
    survey = Survey.objects.create(
        programme=programme,
        questionnaire=questionnaire_default_create(),
        title="Evaluering",
        kind="session_evaluation",
        session=session,
        opens_at=NOW,
        closes_at=NOW + timedelta(days=7),
    )
    ids = audience_user_ids(survey=survey, audience="session", target_id=session.pk)
    assert ids == {le.user_id for le in leaders}


def test_the_registrations_export_names_guests_with_their_union_or_organisation(hr):
    from programmes import exports

    programme, session, _leaders = _held_conference_with_guests(hr)
    rows = list(exports.registrations(programme).rows)
    by_name = {r[2]: r for r in rows}
    assert by_name["Tore T"][4] == "Unio"
    assert by_name["Pia Politiker"][4] == "Byrådet"


def test_database_allows_exactly_one_person_per_registration():
    from django.db import IntegrityError, transaction

    session = conference()
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.create(session=session, status=S.CONFIRMED)
    leader = enrolled_leader(session.programme)
    p = Participant.objects.create(user=User.objects.create(email="y@example.no", name="Y"), category="guest")
    with pytest.raises(IntegrityError), transaction.atomic():
        RegistrationFactory(session=session, leader=leader, participant=p)


def test_guests_invited_to_a_draft_get_the_invitation_when_it_is_published_once(hr, django_capture_on_commit_callbacks):
    session = conference(status=Session.Status.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        invite(session, hr)
    assert not OutboxMessage.objects.filter(kind=OutboxMessage.Kind.SESSION_INVITATION).exists()

    with django_capture_on_commit_callbacks(execute=True):
        services.session_publish(session=session, by=hr)
    assert (
        OutboxMessage.objects.filter(kind=OutboxMessage.Kind.SESSION_INVITATION, recipient=participant().user).count()
        == 1
    )
    notifications.guest_invitations_send(session_id=session.pk)  # a re-run adds nothing
    assert OutboxMessage.objects.filter(kind=OutboxMessage.Kind.SESSION_INVITATION).count() == 1


def test_a_guest_who_later_becomes_a_leader_can_still_use_the_link_about_their_seat(hr):
    from tests.factories import LeaderFactory

    session = conference(capacity=1)
    invite(session, hr)
    p = participant()
    reg = services.registration_create(session=session, participant=p)
    LeaderFactory(user=p.user)  # the leader import gave the same person a leader profile

    ticket = link("giveup", p, session, reg)
    assert ticket.participant == p and ticket.registration == reg
    assert services.email_action_perform(ticket=ticket, by=p.user) == "seat_given_up"


def test_people_invited_before_are_invited_again_from_the_list(hr):
    programme = ProgrammeFactory()
    spring = conference(programme, title="Vår", starts_at=NOW + timedelta(days=5))
    autumn = conference(programme, title="Høst", starts_at=NOW + timedelta(days=60))
    invite(spring, hr)
    invite(spring, hr, name="Tore T", email="tore@fagforbundet.no", category="union_representative", union="unio")

    result = services.guests_invite_known(
        programme=programme, session=autumn, participants=list(Participant.objects.all()), by=hr
    )

    assert (result.invitations, result.participants_created) == (2, 0)
    assert GuestInvitation.objects.filter(session=autumn).count() == 2
    assert participant("tore@fagforbundet.no").union == "unio"  # their details stay as they were
    with pytest.raises(ValidationError):
        services.guests_invite_known(programme=programme, session=autumn, participants=[], by=hr)
