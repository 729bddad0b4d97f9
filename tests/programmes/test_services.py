"""Service rules for programmes: enrolment, sessions, registration, waiting list, attendance."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from programmes import services, tasks
from programmes.models import (
    Commitment,
    Measure,
    MeasureArea,
    Programme,
    ProgrammeEnrolment,
    Registration,
    Session,
    WaitlistChange,
)
from tests.factories import HRUserFactory, LeaderFactory, LeaderGroupFactory, OrganisationFactory, UserFactory
from tests.programmes.factories import (
    CommitmentFactory,
    ProgrammeFactory,
    RegistrationFactory,
    SessionFactory,
    enrolled_leader,
)
from toppleder.audit import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Assertions read the English source messages; test_imports checks the bokmål ones."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def queued(monkeypatch):
    """Record the tasks queued on commit (by name and id) instead of sending e-mail."""
    calls = []
    for name in (
        "session_published",
        "session_changed",
        "session_cancelled",
        "seat_open",
    ):
        task = getattr(tasks, name)
        monkeypatch.setattr(task, "delay", lambda pk, *args, _n=name: calls.append((_n, pk)))
    return calls


def mailed(kind: str) -> list[int]:
    """The registrations with an e-mail of `kind` in the outbox, in the order written.

    Registration e-mails are outbox rows written in the change's own transaction (they commit
    with it or not at all), not tasks queued after the commit."""
    from toppleder.models import OutboxMessage

    return [
        int(key.split(":")[1])
        for key in OutboxMessage.objects.filter(key__startswith=f"{kind}:").order_by("pk").values_list("key", flat=True)
    ]


@pytest.fixture
def hr(db):
    return HRUserFactory()


def _future(days=7, hours=0):
    return timezone.now() + timedelta(days=days, hours=hours)


# --- programmes -------------------------------------------------------------


def test_programme_create_defaults_goal_and_sub_goals_from_reference(hr):
    programme = services.programme_create(by=hr, name="Tilbud til toppledere", period="2026/27")
    assert programme.status == Programme.Status.DRAFT
    assert programme.goal.startswith("Økt strategisk samhandling")
    assert len(programme.sub_goals) == 3
    assert programme.sub_goals[0]["title_nb"].startswith("Økt felles forståelse")


def test_programme_create_requires_name_and_ordered_enrolment_window(hr):
    with pytest.raises(ValidationError) as exc:
        services.programme_create(
            by=hr, name=" ", period="2026/27", enrolment_opens=date(2026, 9, 1), enrolment_closes=date(2026, 8, 1)
        )
    assert {"name", "enrolment_closes"} <= set(exc.value.message_dict)
    assert not Programme.objects.exists()


def test_programme_update_changes_fields_and_eligible_organisations(hr):
    programme = ProgrammeFactory()
    org = OrganisationFactory()
    services.programme_update(programme=programme, by=hr, description="Ny", eligible_organisations=[org])
    programme.refresh_from_db()
    assert programme.description == "Ny"
    assert list(programme.eligible_organisations.all()) == [org]


def test_programme_status_moves_forward_only(hr):
    programme = ProgrammeFactory(status=Programme.Status.DRAFT)
    services.programme_set_status(programme=programme, status="open", by=hr)
    services.programme_set_status(programme=programme, status="running", by=hr)
    with pytest.raises(ValidationError):
        services.programme_set_status(programme=programme, status="open", by=hr)
    with pytest.raises(ValidationError):
        services.programme_set_status(programme=programme, status="bogus", by=hr)
    programme.refresh_from_db()
    assert programme.status == "running"


# --- enrolment --------------------------------------------------------------


def test_enrolment_add_is_idempotent_and_reenrols_withdrawn(hr):
    programme = ProgrammeFactory()
    a, b = LeaderFactory(), LeaderFactory()
    assert services.enrolment_add(programme=programme, leaders=[a, b], by=hr) == 2
    assert services.enrolment_add(programme=programme, leaders=[a, b], by=hr) == 0
    enrolment = ProgrammeEnrolment.objects.get(programme=programme, leader=a)
    services.enrolment_withdraw(enrolment=enrolment, by=hr)
    enrolment.refresh_from_db()
    assert enrolment.status == ProgrammeEnrolment.Status.WITHDRAWN
    assert services.enrolment_add(programme=programme, leaders=[a], by=hr) == 1
    enrolment.refresh_from_db()
    assert enrolment.status == ProgrammeEnrolment.Status.ENROLLED
    assert ProgrammeEnrolment.objects.filter(programme=programme).count() == 2


def test_enrolment_add_refuses_ineligible_leaders_by_name_and_enrols_nobody(hr):
    programme = ProgrammeFactory(eligible_levels=[1], eligible_org_kinds=["agency"])
    ok = LeaderFactory()
    level2 = LeaderFactory(level=2, user__name="Nina Nivåto")
    district = LeaderFactory(organisation__kind="district", user__name="Didrik Bydel")
    with pytest.raises(ValidationError) as exc:
        services.enrolment_add(programme=programme, leaders=[ok, level2, district], by=hr)
    assert "Nina Nivåto" in str(exc.value) and "Didrik Bydel" in str(exc.value)
    assert not ProgrammeEnrolment.objects.exists()


def test_enrolment_add_respects_organisation_list(hr):
    inside, outside = OrganisationFactory(), OrganisationFactory()
    programme = ProgrammeFactory()
    programme.eligible_organisations.set([inside])
    with pytest.raises(ValidationError):
        services.enrolment_add(programme=programme, leaders=[LeaderFactory(organisation=outside)], by=hr)
    assert services.enrolment_add(programme=programme, leaders=[LeaderFactory(organisation=inside)], by=hr) == 1


def test_enrolment_add_groups_enrols_every_eligible_member_via_group(hr):
    programme = ProgrammeFactory(eligible_levels=[1, 2])
    members = [LeaderFactory(), LeaderFactory(level=2), LeaderFactory(level=3)]
    group = LeaderGroupFactory(members=members)
    assert services.enrolment_add_groups(programme=programme, groups=[group], by=hr) == 2
    enrolments = ProgrammeEnrolment.objects.filter(programme=programme)
    assert {e.leader_id for e in enrolments} == {members[0].pk, members[1].pk}
    assert all(e.via_group_id == group.pk for e in enrolments)


def test_enrolment_add_organisations_enrols_their_top_leader_groups(hr):
    programme = ProgrammeFactory()
    org, other = OrganisationFactory(), OrganisationFactory()
    top = LeaderGroupFactory(organisation=org, members=[LeaderFactory(organisation=org), LeaderFactory()])
    LeaderGroupFactory(organisation=org, name="Prosjektgruppe", is_top_leader_group=False, members=[LeaderFactory()])
    LeaderGroupFactory(organisation=other, members=[LeaderFactory()])
    assert services.enrolment_add_organisations(programme=programme, organisations=[org], by=hr) == 2
    assert set(ProgrammeEnrolment.objects.values_list("leader", flat=True)) == set(
        top.members.values_list("pk", flat=True)
    )


def test_withdrawing_cancels_upcoming_registrations_and_offers_the_seat(hr, queued):
    session = SessionFactory(capacity=1)
    a, b = enrolled_leader(session.programme), enrolled_leader(session.programme)
    services.registration_create(session=session, leader=a)
    waiting = services.registration_create(session=session, leader=b)
    services.enrolment_withdraw(enrolment=ProgrammeEnrolment.objects.get(leader=a), by=hr)
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.OFFERED


# --- sessions ---------------------------------------------------------------


def _session_kwargs(**over):
    data = dict(
        kind="theme_gathering",
        title="Temasamling om samhandling",
        starts_at=_future(10),
        ends_at=_future(10, 3),
        format="in_person",
        place="Rådhuset",
        capacity=30,
    )
    data.update(over)
    return data


def test_session_create_makes_a_draft_with_measures(hr):
    programme = ProgrammeFactory()
    measure = Measure.objects.first()
    session = services.session_create(programme=programme, by=hr, measures=[measure], **_session_kwargs())
    assert session.status == Session.Status.DRAFT
    assert list(session.measures.all()) == [measure]


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"ends_at": _future(9)}, "ends_at"),
        ({"capacity": 0}, "capacity"),
        ({"kind": "karaoke"}, "kind"),
        ({"format": "in_person", "place": ""}, "place"),
        ({"format": "digital", "place": "", "video_link": ""}, "video_link"),
        ({"format": "hybrid", "place": "Rådhuset", "video_link": ""}, "video_link"),
        ({"registration_deadline": _future(11)}, "registration_deadline"),
    ],
)
def test_session_create_rejects_bad_input(hr, over, field):
    with pytest.raises(ValidationError) as exc:
        services.session_create(programme=ProgrammeFactory(), by=hr, **_session_kwargs(**over))
    assert field in exc.value.message_dict
    assert not Session.objects.exists()


def test_every_activity_kind_can_be_a_session(hr):
    from toppleder import reference

    programme = ProgrammeFactory()
    for entry in reference.entries("activity_kinds"):
        services.session_create(programme=programme, by=hr, **_session_kwargs(kind=entry["key"]))
    assert Session.objects.count() == len(reference.entries("activity_kinds"))


def test_publish_queues_invitations_on_commit(hr, queued, django_capture_on_commit_callbacks):
    session = SessionFactory(status=Session.Status.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        services.session_publish(session=session, by=hr)
    assert session.status == Session.Status.PUBLISHED
    assert queued == [("session_published", session.pk)]
    with pytest.raises(ValidationError):
        services.session_publish(session=session, by=hr)


def test_update_time_bumps_sequence_and_notifies(hr, queued, django_capture_on_commit_callbacks):
    session = SessionFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.session_update(
            session=session,
            by=hr,
            starts_at=session.starts_at + timedelta(hours=1),
            ends_at=session.ends_at + timedelta(hours=1),
        )
    assert session.sequence == 1
    assert queued == [("session_changed", session.pk)]
    with django_capture_on_commit_callbacks(execute=True):
        services.session_update(session=session, by=hr, title="Nytt navn")
    session.refresh_from_db()
    assert session.sequence == 1
    assert queued == [("session_changed", session.pk)]


def test_update_draft_time_bumps_sequence_without_notifying(hr, queued, django_capture_on_commit_callbacks):
    session = SessionFactory(status=Session.Status.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        services.session_update(session=session, by=hr, place="Oslo rådhus, sal 2")
    assert session.sequence == 1
    assert queued == []


def test_capacity_below_confirmed_is_refused(hr):
    session = SessionFactory(capacity=3)
    for _ in range(3):
        RegistrationFactory(session=session)
    with pytest.raises(ValidationError) as exc:
        services.session_update(session=session, by=hr, capacity=2)
    assert "capacity" in exc.value.message_dict
    session.refresh_from_db()
    assert session.capacity == 3


def test_raising_capacity_by_k_offers_exactly_k_in_order(hr, queued, django_capture_on_commit_callbacks):
    session = SessionFactory(capacity=1)
    leaders = [enrolled_leader(session.programme) for _ in range(5)]
    regs = [services.registration_create(session=session, leader=le) for le in leaders]
    with django_capture_on_commit_callbacks(execute=True):
        services.session_update(session=session, by=hr, capacity=3)
    statuses = [Registration.objects.get(pk=r.pk) for r in regs]
    assert [r.status for r in statuses] == ["confirmed"] + ["offered"] * 2 + ["waitlisted"] * 2
    assert [r.waitlist_position for r in statuses[3:]] == [1, 2]
    assert mailed("waitlist_offer") == [regs[1].pk, regs[2].pk]


def test_cancel_and_complete_session(hr, queued, django_capture_on_commit_callbacks):
    session = SessionFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.session_cancel(session=session, by=hr)
    assert session.status == Session.Status.CANCELLED
    assert queued == [("session_cancelled", session.pk)]
    with pytest.raises(ValidationError):
        services.session_complete(session=session, by=hr)
    other = SessionFactory()
    with pytest.raises(ValidationError, match="once it has started"):
        services.session_complete(session=other, by=hr)  # two months ahead, or a week: not yet
    other.refresh_from_db()
    assert other.status == Session.Status.PUBLISHED
    with time_machine.travel(other.starts_at + timedelta(minutes=1)):
        services.session_complete(session=other, by=hr)
    assert other.status == Session.Status.COMPLETED


def test_cancel_with_a_message_to_the_leaders(hr, django_capture_on_commit_callbacks):
    session = SessionFactory()
    with pytest.raises(ValidationError):
        services.session_cancel(session=session, by=hr, note="x" * 1001)
    session.refresh_from_db()
    assert session.status == Session.Status.PUBLISHED
    services.session_cancel(session=session, by=hr, note="  Flyttes til mars.  ")
    entry = AuditEntry.objects.get(event="session_cancel")
    assert entry.changes["message_to_leaders"] == [None, "Flyttes til mars."]


def test_set_measures_replaces_links_and_rejects_unknown(hr):
    session = SessionFactory()
    m1, m2 = Measure.objects.all()[:2]
    services.session_set_measures(session=session, measures=[m1, m2], by=hr)
    services.session_set_measures(session=session, measures=[m2], by=hr)
    assert list(session.measures.all()) == [m2]
    with pytest.raises(ValidationError):
        services.session_set_measures(session=session, measures=[999999], by=hr)


def test_contributors_add_and_remove(hr):
    session = SessionFactory()
    c = services.contributor_add(session=session, name="Prof. Ada", kind="academia", affiliation="UiO", by=hr)
    with pytest.raises(ValidationError):
        services.contributor_add(session=session, name="X", kind="astrologer", by=hr)
    services.contributor_remove(contributor=c, by=hr)
    assert not session.contributors.exists()


# --- materials --------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def test_material_link_and_pdf_upload(hr, media):
    session = SessionFactory()
    link = services.material_add(session=session, title="Program", url="https://oslo.kommune.no/", by=hr)
    pdf = services.material_add(
        session=session, title="Slides", file=SimpleUploadedFile("slides.pdf", b"%PDF-1.7\n..."), by=hr
    )
    assert link.url and pdf.file.name.endswith("slides.pdf")
    services.material_remove(material=pdf, by=hr)
    assert list(session.materials.all()) == [link]


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("evil.exe", b"MZ...", "type"),
        ("page.html", b"<html></html>", "type"),
        ("notes.pdf", b"<!DOCTYPE html><script>alert(1)</script>", "content"),
        ("notes.txt", b"  <html><script>alert(1)</script>", "content"),
        ("photo.png", b"GIF89a....", "content"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_material_upload_checks_type_and_content(hr, media, name, content, code):
    with pytest.raises(ValidationError) as exc:
        services.material_add(session=SessionFactory(), title="X", file=SimpleUploadedFile(name, content), by=hr)
    assert exc.value.error_dict["file"][0].code == code


def test_material_upload_over_20_mb_is_refused(hr, media, monkeypatch):
    monkeypatch.setattr(services.sessions, "MATERIAL_MAX_BYTES", 10)
    with pytest.raises(ValidationError) as exc:
        services.material_add(
            session=SessionFactory(), title="X", file=SimpleUploadedFile("a.pdf", b"%PDF-" + b"0" * 20), by=hr
        )
    assert exc.value.error_dict["file"][0].code == "size"


def test_material_needs_a_link_or_file(hr):
    with pytest.raises(ValidationError):
        services.material_add(session=SessionFactory(), title="X", by=hr)
    with pytest.raises(ValidationError):
        services.material_add(session=SessionFactory(), title="X", url="javascript:alert(1)", by=hr)


# --- registration -----------------------------------------------------------


def test_signup_confirms_when_a_seat_is_free(queued, django_capture_on_commit_callbacks):
    session = SessionFactory(capacity=2)
    leader = enrolled_leader(session.programme)
    with django_capture_on_commit_callbacks(execute=True):
        reg = services.registration_create(session=session, leader=leader)
    assert reg.status == Registration.Status.CONFIRMED and reg.waitlist_position is None
    assert mailed("registration_confirmed") == [reg.pk]
    assert queued == []


def test_the_confirmation_commits_with_the_sign_up_even_if_nothing_runs_after_the_commit(queued):
    """The database going away just after the COMMIT (or the process dying) runs no on-commit
    callback: the sign-up holds, and so must its e-mail. It is an outbox row of the same
    transaction; the sweeper delivers queued rows whose delivery task was never sent."""
    from toppleder.models import OutboxMessage

    session = SessionFactory(capacity=1)
    first, second = (enrolled_leader(session.programme) for _ in range(2))
    # No on-commit callback runs in this test (none is captured), as in the crash.
    confirmed = services.registration_create(session=session, leader=first)
    waiting = services.registration_create(session=session, leader=second)
    rows = OutboxMessage.objects.filter(status=OutboxMessage.Status.QUEUED).order_by("pk")
    assert [(m.object_id, m.kind) for m in rows] == [
        (confirmed.pk, "registration_confirmed"),
        (waiting.pk, "registration_waitlisted"),
    ]


def test_signup_when_full_joins_waiting_list_at_the_end():
    session = SessionFactory(capacity=1)
    regs = [services.registration_create(session=session, leader=enrolled_leader(session.programme)) for _ in range(3)]
    assert [(r.status, r.waitlist_position) for r in regs] == [
        ("confirmed", None),
        ("waitlisted", 1),
        ("waitlisted", 2),
    ]


def test_signing_up_twice_is_refused():
    session = SessionFactory(capacity=1)
    leader = enrolled_leader(session.programme)
    services.registration_create(session=session, leader=leader)
    with pytest.raises(ValidationError, match="already signed up"):
        services.registration_create(session=session, leader=leader)
    other = enrolled_leader(session.programme)
    services.registration_create(session=session, leader=other)
    with pytest.raises(ValidationError, match="waiting list"):
        services.registration_create(session=session, leader=other)
    assert Registration.objects.count() == 2


@pytest.mark.parametrize(
    ("status", "message"),
    [("draft", "not open"), ("cancelled", "cancelled"), ("completed", "already taken place")],
)
def test_signup_refused_unless_published(status, message):
    session = SessionFactory(status=status)
    with pytest.raises(ValidationError, match=message):
        services.registration_create(session=session, leader=enrolled_leader(session.programme))
    assert not Registration.objects.exists()


def test_signup_after_deadline_is_refused():
    session = SessionFactory(registration_deadline=timezone.now() - timedelta(minutes=1))
    with pytest.raises(ValidationError, match="deadline"):
        services.registration_create(session=session, leader=enrolled_leader(session.programme))
    started = SessionFactory(starts_at=timezone.now() - timedelta(minutes=5))
    with pytest.raises(ValidationError, match="deadline"):
        services.registration_create(session=started, leader=enrolled_leader(started.programme))


def test_signup_refused_when_not_enrolled_or_withdrawn(hr):
    session = SessionFactory()
    with pytest.raises(ValidationError, match="not enrolled"):
        services.registration_create(session=session, leader=LeaderFactory())
    leader = enrolled_leader(session.programme)
    services.enrolment_withdraw(enrolment=ProgrammeEnrolment.objects.get(leader=leader), by=hr)
    with pytest.raises(ValidationError, match="not enrolled"):
        services.registration_create(session=session, leader=leader)


def test_session_reserved_for_groups_only_admits_their_members():
    session = SessionFactory()
    member, outsider = enrolled_leader(session.programme), enrolled_leader(session.programme)
    session.reserved_for_groups.set([LeaderGroupFactory(members=[member])])
    with pytest.raises(ValidationError, match="reserved"):
        services.registration_create(session=session, leader=outsider)
    assert services.registration_create(session=session, leader=member).status == "confirmed"


def test_cancel_frees_the_seat_for_the_first_waiting(queued, django_capture_on_commit_callbacks):
    session = SessionFactory(capacity=1)
    first, second, third = (
        services.registration_create(session=session, leader=enrolled_leader(session.programme)) for _ in range(3)
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(registration=first)
    second.refresh_from_db()
    third.refresh_from_db()
    # Offered, not confirmed behind the leader's back: the seat is held until they answer.
    assert second.status == "offered" and second.offer_expires_at is not None and second.promoted_at is None
    assert (third.status, third.waitlist_position) == ("waitlisted", 1)
    assert mailed("waitlist_offer") == [second.pk]
    assert mailed("registration_cancelled") == [first.pk]


def test_leaving_the_waiting_list_closes_the_gap():
    session = SessionFactory(capacity=1)
    regs = [services.registration_create(session=session, leader=enrolled_leader(session.programme)) for _ in range(4)]
    services.registration_cancel(registration=regs[1])
    positions = dict(Registration.objects.filter(status="waitlisted").values_list("pk", "waitlist_position"))
    assert positions == {regs[2].pk: 1, regs[3].pk: 2}
    assert Registration.objects.get(pk=regs[0].pk).status == "confirmed"


def test_cancelled_registration_can_sign_up_again_reusing_the_row():
    session = SessionFactory(capacity=1)
    leader = enrolled_leader(session.programme)
    reg = services.registration_create(session=session, leader=leader)
    services.registration_cancel(registration=reg)
    with pytest.raises(ValidationError, match="already cancelled"):
        services.registration_cancel(registration=reg)
    again = services.registration_create(session=session, leader=leader)
    assert again.pk == reg.pk and again.status == "confirmed"


def test_cancel_after_session_started_is_refused():
    session = SessionFactory(starts_at=timezone.now() - timedelta(minutes=10))
    reg = RegistrationFactory(session=session)
    with pytest.raises(ValidationError):
        services.registration_cancel(registration=reg)


# --- waiting list -------------------------------------------------------------


def _full_session_with_waitlist(n=3):
    session = SessionFactory(capacity=1)
    regs = [
        services.registration_create(session=session, leader=enrolled_leader(session.programme)) for _ in range(n + 1)
    ]
    return session, regs[1:]


def test_waitlist_reorder_requires_a_reason_and_records_it(hr):
    session, waiting = _full_session_with_waitlist(3)
    with pytest.raises(ValidationError):
        services.waitlist_reorder(registration=waiting[2], new_position=1, reason="  ", by=hr)
    services.waitlist_reorder(registration=waiting[2], new_position=1, reason="Ny toppleder", by=hr)
    order = list(
        Registration.objects.filter(status="waitlisted").order_by("waitlist_position").values_list("pk", flat=True)
    )
    assert order == [waiting[2].pk, waiting[0].pk, waiting[1].pk]
    change = WaitlistChange.objects.get()
    assert (change.old_position, change.new_position, change.reason, change.changed_by) == (3, 1, "Ny toppleder", hr)
    with pytest.raises(ValidationError):
        services.waitlist_reorder(registration=waiting[0], new_position=9, reason="x", by=hr)


def test_favour_newcomers_puts_those_who_never_attended_this_kind_first_stably(hr):
    session, waiting = _full_session_with_waitlist(4)
    past = SessionFactory(programme=session.programme, kind=session.kind, starts_at=timezone.now() - timedelta(days=30))
    other_kind = SessionFactory(programme=session.programme, kind="workshop")
    for reg in (waiting[0], waiting[2]):
        RegistrationFactory(session=past, leader=reg.leader, attendance="attended")
    RegistrationFactory(session=other_kind, leader=waiting[1].leader, attendance="attended")
    moved = services.waitlist_favour_newcomers(session=session, by=hr, reason="Nye først")
    order = list(
        Registration.objects.filter(session=session, status="waitlisted")
        .order_by("waitlist_position")
        .values_list("pk", flat=True)
    )
    assert order == [waiting[1].pk, waiting[3].pk, waiting[0].pk, waiting[2].pk]
    assert moved == WaitlistChange.objects.filter(reason="Nye først").count() == 4


# --- attendance ---------------------------------------------------------------


def test_attendance_for_a_whole_session_in_one_call(hr):
    session = SessionFactory(capacity=2)
    regs = [services.registration_create(session=session, leader=enrolled_leader(session.programme)) for _ in range(2)]
    marks = {regs[0].pk: "attended", str(regs[1].pk): "no_show"}
    with pytest.raises(ValidationError, match="once the session has started"):
        services.attendance_record(session=session, marks=marks, by=hr)
    assert {Registration.objects.get(pk=r.pk).attendance for r in regs} == {"unknown"}
    with time_machine.travel(session.starts_at + timedelta(minutes=5)):
        changed = services.attendance_record(session=session, marks=marks, by=hr)
    assert changed == 2
    assert [Registration.objects.get(pk=r.pk).attendance for r in regs] == ["attended", "no_show"]


def test_attendance_refuses_other_sessions_waitlisted_and_bad_values(hr):
    session = SessionFactory(capacity=1)
    confirmed = services.registration_create(session=session, leader=enrolled_leader(session.programme))
    waiting = services.registration_create(session=session, leader=enrolled_leader(session.programme))
    foreign = RegistrationFactory()
    with time_machine.travel(session.starts_at + timedelta(minutes=5)):
        for marks in ({foreign.pk: "attended"}, {waiting.pk: "attended"}, {confirmed.pk: "maybe"}):
            with pytest.raises(ValidationError):
                services.attendance_record(session=session, marks={confirmed.pk: "attended", **marks}, by=hr)
    confirmed.refresh_from_db()
    assert confirmed.attendance == "unknown"


# --- commitments, measures, calendar ----------------------------------------


def test_commitment_create_with_parties_and_their_organisations(hr):
    session = SessionFactory()
    a, b = LeaderFactory(), LeaderFactory()
    c = services.commitment_create(
        programme=session.programme,
        session=session,
        text="Felles rutine",
        parties=[a, b],
        by=hr,
        due_date=date.today() + timedelta(days=30),
    )
    assert set(c.parties.all()) == {a, b}
    assert set(c.organisations.all()) == {a.organisation, b.organisation}
    with pytest.raises(ValidationError):
        services.commitment_create(programme=session.programme, text="", parties=[], by=hr)
    with pytest.raises(ValidationError):
        services.commitment_create(programme=ProgrammeFactory(), session=session, text="x", parties=[a], by=hr)


def test_commitment_status_by_a_party_or_hr_only(hr):
    a, outsider = LeaderFactory(), LeaderFactory()
    c = CommitmentFactory(parties=[a])
    services.commitment_update_status(commitment=c, status="in_progress", by=a.user, follow_up="Møte avtalt")
    c.refresh_from_db()
    assert (c.status, c.follow_up) == ("in_progress", "Møte avtalt")
    services.commitment_update_status(commitment=c, status="done", by=hr)
    with pytest.raises(PermissionDenied):
        services.commitment_update_status(commitment=c, status="open", by=outsider.user)
    with pytest.raises(PermissionDenied):
        services.commitment_update_status(commitment=c, status="open", by=UserFactory())
    with pytest.raises(ValidationError):
        services.commitment_update_status(commitment=c, status="won", by=hr)
    c.refresh_from_db()
    assert c.status == Commitment.Status.DONE


def test_measure_areas_loaded_and_measure_update(hr):
    assert list(MeasureArea.objects.values_list("key", flat=True)) == [
        "competence_support",
        "leader_communication",
        "culture_values",
        "involvement_participation",
    ]
    assert Measure.objects.count() == 26
    measure = Measure.objects.first()
    services.measure_update(measure=measure, by=hr, status="in_progress", owner="HR-seksjonen")
    measure.refresh_from_db()
    assert (measure.status, measure.owner) == ("in_progress", "HR-seksjonen")
    with pytest.raises(ValidationError):
        services.measure_update(measure=measure, by=hr, status="finished")


def test_calendar_token_reset_changes_the_secret():
    leader = LeaderFactory()
    old = leader.calendar_token
    new = services.calendar_token_reset(leader=leader)
    leader.refresh_from_db()
    assert new == leader.calendar_token != old


def test_raising_capacity_of_a_cancelled_session_promotes_nobody(hr):
    session = SessionFactory(capacity=1)
    services.registration_create(session=session, leader=enrolled_leader(session.programme))
    waiting = services.registration_create(session=session, leader=enrolled_leader(session.programme))
    services.session_cancel(session=session, by=hr)
    services.session_update(session=session, by=hr, capacity=5)
    waiting.refresh_from_db()
    assert waiting.status == "waitlisted"


def test_a_refused_change_queues_nothing(hr, queued, django_capture_on_commit_callbacks):
    session = SessionFactory(capacity=1)
    RegistrationFactory(session=session)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(ValidationError):
            services.registration_create(session=session, leader=LeaderFactory())
        with pytest.raises(ValidationError):
            services.session_update(session=session, by=hr, capacity=0, place="Et annet sted")
    session.refresh_from_db()
    assert (session.sequence, session.place, queued) == (0, "Rådhuset, Oslo", [])
