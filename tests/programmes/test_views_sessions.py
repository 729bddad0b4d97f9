"""Session pages: details, sign-up/cancel, HR management, waiting list, attendance, commitments, materials."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from programmes import notifications, services
from programmes.models import Commitment, Contributor, Material, Registration, Session, WaitlistChange
from programmes.views import registrations as registrations_views
from tests.factories import LeaderFactory, LeaderGroupFactory, UserFactory
from tests.programmes.factories import RegistrationFactory, SessionFactory, enrolled_leader
from tests.programmes.web import *  # noqa: F403
from tests.programmes.web import login
from toppleder.audit import AuditEntry
from toppleder.models import OutboxMessage
from toppleder.outbox.rendering import get_renderer

pytestmark = pytest.mark.django_db


def url(name, session, *args):
    return reverse(f"programmes:{name}", args=[session.pk, *args])


def messages_of(response):
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


# --- the session page ---


def test_leader_sees_session_with_one_click_sign_up(me_client, session):
    r = me_client.get(url("session_detail", session))
    assert r.status_code == 200
    html = r.content.decode()
    assert url("registration_create", session) in html
    assert f"«{session.title}»" in html
    assert "registrations" not in r.context  # no HR lists for a leader


def test_leader_sees_waiting_list_position_and_leave_button(client, programme, me):
    session = SessionFactory(programme=programme, capacity=1)
    RegistrationFactory(session=session, leader=enrolled_leader(programme))
    RegistrationFactory(session=session, leader=enrolled_leader(programme), status="waitlisted", waitlist_position=1)
    RegistrationFactory(session=session, leader=me, status="waitlisted", waitlist_position=2)
    r = login(client, me.user).get(url("session_detail", session))
    assert r.context["my_position"] == 2
    assert url("registration_cancel", session) in r.content.decode()


def test_leader_b_gets_404_on_a_session_of_another_programme(other_client, session):
    assert other_client.get(url("session_detail", session)).status_code == 404


def test_leader_gets_404_on_a_draft_session(me_client, programme):
    draft = SessionFactory(programme=programme, status=Session.Status.DRAFT)
    assert me_client.get(url("session_detail", draft)).status_code == 404


def test_leader_gets_404_on_a_session_reserved_for_another_group(me_client, programme):
    reserved = SessionFactory(programme=programme)
    reserved.reserved_for_groups.add(LeaderGroupFactory(members=[LeaderFactory()]))
    assert me_client.get(url("session_detail", reserved)).status_code == 404


def test_session_page_needs_login(client, session):
    r = client.get(url("session_detail", session))
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_session_page_refuses_post(me_client, session):
    assert me_client.post(url("session_detail", session)).status_code == 405


def test_hr_sees_registrations_waiting_list_and_actions(hr_client, programme):
    session = SessionFactory(programme=programme, starts_at=timezone.now() - timedelta(hours=1))
    confirmed = RegistrationFactory(session=session, leader=enrolled_leader(programme))
    waiting = RegistrationFactory(
        session=session, leader=enrolled_leader(programme), status="waitlisted", waitlist_position=1
    )
    r = hr_client.get(url("session_detail", session))
    assert r.status_code == 200
    assert r.context["registrations"] == [confirmed]
    assert r.context["waitlist"] == [waiting]
    html = r.content.decode()
    assert url("attendance_record", session) in html
    assert url("waitlist_move", session, waiting.pk) in html
    assert url("session_action", session, "complete") in html


# --- sign up and cancel ---


def test_leader_signs_up_in_one_click(me_client, me, session):
    r = me_client.post(url("registration_create", session))
    assert r.status_code == 302 and r["Location"] == url("session_detail", session)
    assert Registration.objects.get(session=session, leader=me).status == "confirmed"


def test_sign_up_from_the_dashboard_returns_to_the_dashboard(me_client, session):
    r = me_client.post(url("registration_create", session), {"next": "/"})
    assert r["Location"] == "/"


def test_sign_up_never_redirects_off_site(me_client, session):
    r = me_client.post(url("registration_create", session), {"next": "https://evil.example/"})
    assert r["Location"] == url("session_detail", session)


def test_sign_up_when_full_joins_the_waiting_list(client, programme, me):
    session = SessionFactory(programme=programme, capacity=1)
    RegistrationFactory(session=session, leader=enrolled_leader(programme))
    r = login(client, me.user).post(url("registration_create", session), follow=True)
    reg = Registration.objects.get(session=session, leader=me)
    assert reg.status == "waitlisted" and reg.waitlist_position == 1
    assert [lvl for lvl, _ in messages_of(r)] == ["info"]


def test_signing_up_twice_shows_an_error_and_keeps_one_registration(me_client, me, session):
    me_client.post(url("registration_create", session))
    r = me_client.post(url("registration_create", session), follow=True)
    assert Registration.objects.filter(session=session, leader=me).count() == 1
    assert messages_of(r)[-1][0] == "error"


def test_sign_up_after_the_deadline_is_refused(me_client, me, programme):
    session = SessionFactory(programme=programme, registration_deadline=timezone.now() - timedelta(hours=1))
    r = me_client.post(url("registration_create", session), follow=True)
    assert not Registration.objects.filter(session=session).exists()
    assert messages_of(r)[-1][0] == "error"


def test_lock_contention_says_try_again_not_500(me_client, session, monkeypatch):
    def busy(**kwargs):
        raise services.RegistrationBusy()

    monkeypatch.setattr(registrations_views.services, "registration_create", busy)
    r = me_client.post(url("registration_create", session), follow=True)
    assert r.status_code == 200
    assert messages_of(r)[-1][0] == "warning"
    assert not Registration.objects.filter(session=session).exists()


def test_sign_up_is_post_only(me_client, session):
    assert me_client.get(url("registration_create", session)).status_code == 405


def test_leader_b_cannot_sign_up_for_another_programme(other_client, session):
    assert other_client.post(url("registration_create", session)).status_code == 404
    assert not Registration.objects.filter(session=session).exists()


def test_hr_without_a_leader_profile_cannot_sign_up(hr_client, session):
    assert hr_client.post(url("registration_create", session)).status_code == 403


def test_cancel_frees_the_seat_for_the_first_waiting(client, programme, me):
    session = SessionFactory(programme=programme, capacity=1)
    mine = RegistrationFactory(session=session, leader=me)
    waiting = RegistrationFactory(
        session=session, leader=enrolled_leader(programme), status="waitlisted", waitlist_position=1
    )
    r = login(client, me.user).post(url("registration_cancel", session))
    assert r.status_code == 302
    mine.refresh_from_db()
    waiting.refresh_from_db()
    assert mine.status == "cancelled" and waiting.status == "offered"


def test_leader_leaves_the_waiting_list(client, programme, me):
    session = SessionFactory(programme=programme, capacity=1)
    RegistrationFactory(session=session, leader=enrolled_leader(programme))
    mine = RegistrationFactory(session=session, leader=me, status="waitlisted", waitlist_position=1)
    login(client, me.user).post(url("registration_cancel", session))
    mine.refresh_from_db()
    assert mine.status == "cancelled" and mine.waitlist_position is None


def test_cancel_without_a_registration_is_404(me_client, session):
    assert me_client.post(url("registration_cancel", session)).status_code == 404


def test_cancel_is_post_only(me_client, me, session):
    RegistrationFactory(session=session, leader=me)
    assert me_client.get(url("registration_cancel", session)).status_code == 405
    assert Registration.objects.get(session=session, leader=me).status == "confirmed"


def test_leader_b_cannot_cancel_my_registration(other_client, me, session):
    RegistrationFactory(session=session, leader=me)
    assert other_client.post(url("registration_cancel", session)).status_code == 404
    assert Registration.objects.get(session=session, leader=me).status == "confirmed"


# --- HR: create, edit, publish/cancel/complete ---


def session_data(**over):
    starts = (timezone.localtime() + timedelta(days=14)).replace(hour=9, minute=0, second=0, microsecond=0)
    data = {
        "kind": "theme_gathering",
        "title": "Frokostmøte om samhandling",
        "theme": "Samhandling",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "format": "in_person",
        "place": "Rådhuset",
        "capacity": "30",
    }
    data.update(over)
    return data


def test_hr_creates_a_draft_session(hr_client, programme):
    r = hr_client.post(reverse("programmes:session_create", args=[programme.pk]), session_data())
    session = Session.objects.get(title="Frokostmøte om samhandling")
    assert r.status_code == 302 and r["Location"] == url("session_edit", session)
    assert session.status == "draft" and session.capacity == 30


def test_session_ending_before_it_starts_is_refused(hr_client, programme):
    data = session_data()
    data["ends_at"], data["starts_at"] = data["starts_at"], data["ends_at"]
    r = hr_client.post(reverse("programmes:session_create", args=[programme.pk]), data)
    assert r.status_code == 200 and r.context["form"].errors["ends_at"]
    assert not Session.objects.filter(title="Frokostmøte om samhandling").exists()


def test_session_create_is_hr_only(me_client, programme):
    r = me_client.post(reverse("programmes:session_create", args=[programme.pk]), session_data())
    assert r.status_code == 403
    assert not Session.objects.filter(title="Frokostmøte om samhandling").exists()


def test_hr_edits_a_session(hr_client, session):
    r = hr_client.post(url("session_edit", session), session_data(title="Nytt tema", capacity="25"))
    assert r.status_code == 302
    session.refresh_from_db()
    assert session.title == "Nytt tema" and session.capacity == 25


def test_capacity_below_confirmed_is_refused(hr_client, programme):
    session = SessionFactory(programme=programme, capacity=3)
    for _ in range(2):
        RegistrationFactory(session=session, leader=enrolled_leader(programme))
    r = hr_client.post(url("session_edit", session), session_data(capacity="1"))
    assert r.status_code == 400 and r.context["form"].errors["capacity"]
    session.refresh_from_db()
    assert session.capacity == 3


def test_session_edit_is_hr_only(me_client, session):
    assert me_client.get(url("session_edit", session)).status_code == 403
    assert me_client.post(url("session_edit", session), session_data(title="Hack")).status_code == 403


def confirm(client, session, action, **data):
    """Open the confirmation page (GET) and confirm it (POST) with the token it gave."""
    page = client.get(url("session_action", session, action))
    assert page.status_code == 200
    return page, client.post(
        url("session_action", session, action), {"confirmation": page.context["confirmation"], **data}, follow=True
    )


def test_publishing_shows_who_is_invited_and_the_e_mail_before_anything_is_sent(hr_client, programme):
    draft = SessionFactory(programme=programme, status=Session.Status.DRAFT, title="Temasamling: Tillit i praksis")
    for _ in range(3):
        enrolled_leader(programme)
    page = hr_client.get(url("session_action", draft, "publish"))
    html = page.content.decode()
    assert page.context["facts"]["invitees"] == 3
    assert "3 ledere får invitasjon på e-post." in html
    assert "Publiser og inviter 3 ledere" in html
    assert "Temasamling: Tillit i praksis" in page.context["preview"].subject
    draft.refresh_from_db()
    assert draft.status == "draft"  # the GET changed nothing
    assert not OutboxMessage.objects.exists()
    _, done = confirm(hr_client, draft, "publish")
    draft.refresh_from_db()
    assert draft.status == "published"
    assert messages_of(done)[-1][0] == "success"


def test_cancelling_says_how_many_are_told_and_sends_hr_s_message(hr_client, programme, settings):
    session = SessionFactory(programme=programme)
    RegistrationFactory(session=session, leader=enrolled_leader(programme))
    RegistrationFactory(session=session, leader=enrolled_leader(programme), status="waitlisted", waitlist_position=1)
    page, done = confirm(hr_client, session, "cancel", note="Vi flytter samlingen til våren & beklager.")
    html = page.content.decode()
    assert "1 leder med plass får beskjed på e-post" in html
    assert "1 leder på ventelisten får beskjed." in html
    session.refresh_from_db()
    assert session.status == "cancelled"
    notifications.session_cancelled_queue(session_id=session.pk, note="Vi flytter samlingen til våren.")
    message = OutboxMessage.objects.filter(kind=OutboxMessage.Kind.SESSION_CANCELLED).first()
    email = get_renderer(message.kind)(message)
    assert "Vi flytter samlingen til våren." in email.text and "Vi flytter samlingen til våren." in email.html
    entry = AuditEntry.objects.filter(event="session_cancel").get()
    assert entry.changes["message_to_leaders"] == [None, "Vi flytter samlingen til våren & beklager."]


def test_a_confirmation_made_stale_by_a_new_sign_up_is_refused(hr_client, programme):
    session = SessionFactory(programme=programme)
    page = hr_client.get(url("session_action", session, "cancel"))
    assert page.context["facts"]["confirmed"] == 0
    RegistrationFactory(session=session, leader=enrolled_leader(programme))  # someone signs up meanwhile
    r = hr_client.post(
        url("session_action", session, "cancel"), {"confirmation": page.context["confirmation"]}, follow=True
    )
    session.refresh_from_db()
    assert session.status == "published"
    assert r.redirect_chain[-1][0] == url("session_action", session, "cancel")
    assert messages_of(r)[-1][0] == "error"
    assert r.context["facts"]["confirmed"] == 1  # the new figures, to confirm again


@pytest.mark.parametrize("token", ["", "forged", None])
def test_an_action_without_a_valid_confirmation_is_refused(hr_client, session, token):
    data = {"note": ""} if token is None else {"confirmation": token, "note": ""}
    hr_client.post(url("session_action", session, "cancel"), data)
    session.refresh_from_db()
    assert session.status == "published"


def test_a_token_for_one_action_or_session_does_not_confirm_another(hr_client, programme):
    a, b = SessionFactory(programme=programme), SessionFactory(programme=programme)
    token = hr_client.get(url("session_action", a, "cancel")).context["confirmation"]
    hr_client.post(url("session_action", b, "cancel"), {"confirmation": token})
    hr_client.post(url("session_action", a, "complete"), {"confirmation": token})
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, b.status) == ("published", "published")


def test_completing_is_refused_before_the_session_has_started(hr_client, programme):
    future = SessionFactory(programme=programme)
    page = hr_client.get(url("session_action", future, "complete"))
    html = page.content.decode()
    assert "Samlingen har ikke startet ennå" in html and "Ja, marker som gjennomført" not in html
    r = hr_client.post(
        url("session_action", future, "complete"), {"confirmation": page.context["confirmation"]}, follow=True
    )
    future.refresh_from_db()
    assert future.status == "published"
    assert messages_of(r)[-1] == ("error", "En samling kan markeres som gjennomført når den har startet.")


def test_hr_completes_a_session_that_has_started(hr_client, programme):
    started = SessionFactory(programme=programme, starts_at=timezone.now() - timedelta(hours=1))
    _, done = confirm(hr_client, started, "complete")
    started.refresh_from_db()
    assert started.status == "completed"


def test_publishing_a_published_session_is_an_error(hr_client, session):
    _, r = confirm(hr_client, session, "publish")
    assert messages_of(r)[-1][0] == "error"


def test_session_actions_are_hr_only(hr_client, client, me, session):
    token = hr_client.get(url("session_action", session, "cancel")).context["confirmation"]
    leader = login(client, me.user)
    assert leader.get(url("session_action", session, "cancel")).status_code == 403
    assert leader.post(url("session_action", session, "cancel"), {"confirmation": token}).status_code == 403
    session.refresh_from_db()
    assert session.status == "published"


def test_capacity_zero_and_negative_get_a_sentence_not_a_constraint_name(hr_client, programme):
    for value in ("0", "-5"):
        r = hr_client.post(reverse("programmes:session_create", args=[programme.pk]), session_data(capacity=value))
        assert r.status_code == 200
        assert r.context["form"].errors["capacity"] == [
            "En samling må ha minst én plass. Skal ingen kunne melde seg på, la samlingen være et utkast eller avlys den."
        ]
    assert not Session.objects.filter(title="Frokostmøte om samhandling").exists()


def test_fields_required_for_some_formats_say_so_instead_of_optional(hr_client, programme):
    html = hr_client.get(reverse("programmes:session_create", args=[programme.pk])).content.decode()
    assert "(må fylles ut for fysiske og hybride samlinger)" in html
    assert "(må fylles ut for digitale og hybride samlinger)" in html
    r = hr_client.post(reverse("programmes:session_create", args=[programme.pk]), session_data(place=""))
    assert r.context["form"].errors["place"] == ["Oppgi sted for en fysisk samling."]


# --- contributors and materials ---


def test_hr_adds_and_removes_a_contributor(hr_client, session):
    r = hr_client.post(
        url("contributor_add", session),
        {"contributor-name": "Prof. Ada", "contributor-affiliation": "BI", "contributor-kind": "academia"},
    )
    assert r.status_code == 302
    contributor = Contributor.objects.get(session=session)
    hr_client.post(url("contributor_remove", session, contributor.pk))
    assert not Contributor.objects.filter(session=session).exists()


def test_contributor_with_bad_kind_shows_the_form(hr_client, session):
    r = hr_client.post(url("contributor_add", session), {"contributor-name": "X", "contributor-kind": "wizard"})
    assert r.status_code == 400 and r.context["contributor_form"].errors["kind"]
    assert not Contributor.objects.exists()


def test_contributor_add_is_hr_only(me_client, session):
    assert (
        me_client.post(
            url("contributor_add", session), {"contributor-name": "X", "contributor-kind": "academia"}
        ).status_code
        == 403
    )


PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def test_hr_uploads_material_and_leader_downloads_it_as_attachment(hr_client, client, me, session, media):
    upload = SimpleUploadedFile("program.pdf", PDF, content_type="application/pdf")
    r = hr_client.post(url("material_add", session), {"material-title": "Program", "material-file": upload})
    assert r.status_code == 302
    material = Material.objects.get(session=session)
    r = login(client, me.user).get(url("material_download", session, material.pk))
    assert r.status_code == 200
    assert r["Content-Disposition"].startswith("attachment;")
    assert r["X-Content-Type-Options"] == "nosniff"
    assert b"".join(r.streaming_content) == PDF


def test_material_with_wrong_type_is_refused(hr_client, session, media):
    upload = SimpleUploadedFile("evil.html", b"<script>alert(1)</script>", content_type="text/html")
    r = hr_client.post(url("material_add", session), {"material-title": "Ondt", "material-file": upload})
    assert r.status_code == 400 and r.context["material_form"].errors["file"]
    assert not Material.objects.exists()


def test_material_whose_content_does_not_match_its_name_is_refused(hr_client, session, media):
    upload = SimpleUploadedFile("fake.pdf", b"<html><script>x</script></html>", content_type="application/pdf")
    r = hr_client.post(url("material_add", session), {"material-title": "Falsk", "material-file": upload})
    assert r.status_code == 400
    assert not Material.objects.exists()


def test_material_link_is_added_and_removed(hr_client, session):
    hr_client.post(
        url("material_add", session), {"material-title": "Lenke", "material-url": "https://oslo.kommune.no/"}
    )
    material = Material.objects.get(session=session)
    assert material.url == "https://oslo.kommune.no/"
    hr_client.post(url("material_remove", session, material.pk))
    assert not Material.objects.exists()


def test_leader_b_cannot_download_material(other_client, session, media):
    material = Material.objects.create(session=session, title="Internt", url="https://x.example/")
    assert other_client.get(url("material_download", session, material.pk)).status_code == 404


def test_material_add_is_hr_only(me_client, session):
    r = me_client.post(
        url("material_add", session), {"material-title": "Lenke", "material-url": "https://oslo.kommune.no/"}
    )
    assert r.status_code == 403 and not Material.objects.exists()


# --- waiting list ---


@pytest.fixture
def full_session(programme):
    session = SessionFactory(programme=programme, capacity=1)
    RegistrationFactory(session=session, leader=enrolled_leader(programme))
    waiting = [
        RegistrationFactory(
            session=session, leader=enrolled_leader(programme), status="waitlisted", waitlist_position=i
        )
        for i in (1, 2, 3)
    ]
    return session, waiting


def test_hr_moves_someone_up_with_a_reason(hr_client, full_session):
    session, waiting = full_session
    r = hr_client.post(url("waitlist_move", session, waiting[2].pk), {"new_position": 1, "reason": "Ny toppleder"})
    assert r.status_code == 302
    waiting[2].refresh_from_db()
    assert waiting[2].waitlist_position == 1
    assert WaitlistChange.objects.get().reason == "Ny toppleder"


def test_moving_without_a_reason_changes_nothing(hr_client, full_session):
    session, waiting = full_session
    r = hr_client.post(url("waitlist_move", session, waiting[2].pk), {"new_position": 1, "reason": "  "})
    assert r.status_code == 400
    waiting[2].refresh_from_db()
    assert waiting[2].waitlist_position == 3
    assert not WaitlistChange.objects.exists()


def test_moving_to_an_impossible_position_changes_nothing(hr_client, full_session):
    session, waiting = full_session
    r = hr_client.post(url("waitlist_move", session, waiting[0].pk), {"new_position": 9, "reason": "x"})
    assert r.status_code == 400
    waiting[0].refresh_from_db()
    assert waiting[0].waitlist_position == 1


def test_waitlist_move_is_hr_only_and_post_only(hr_client, client, me, full_session):
    session, waiting = full_session
    assert hr_client.get(url("waitlist_move", session, waiting[0].pk)).status_code == 405
    login(client, me.user)
    assert (
        client.post(url("waitlist_move", session, waiting[2].pk), {"new_position": 1, "reason": "x"}).status_code == 403
    )


def test_hr_favours_newcomers(hr_client, programme, full_session):
    session, waiting = full_session
    past = SessionFactory(programme=programme, kind=session.kind, starts_at=timezone.now() - timedelta(days=30))
    for reg in waiting[:2]:
        RegistrationFactory(session=past, leader=reg.leader, attendance="attended")
    r = hr_client.post(url("waitlist_favour_newcomers", session), {"favour-reason": "Nye først"})
    assert r.status_code == 302
    waiting[2].refresh_from_db()
    assert waiting[2].waitlist_position == 1


def test_favour_newcomers_needs_a_reason(hr_client, full_session):
    session, waiting = full_session
    r = hr_client.post(url("waitlist_favour_newcomers", session), {"favour-reason": ""})
    assert r.status_code == 400 and r.context["favour_form"].errors["reason"]


def test_favour_newcomers_is_hr_only(me_client, full_session):
    session, _ = full_session
    assert me_client.post(url("waitlist_favour_newcomers", session), {"favour-reason": "x"}).status_code == 403


# --- attendance ---


@pytest.fixture
def started(programme):
    """A published session that began an hour ago: attendance can be recorded."""
    return SessionFactory(programme=programme, starts_at=timezone.now() - timedelta(hours=1))


def test_attendance_is_refused_before_the_session_has_started(hr_client, programme, session):
    reg = RegistrationFactory(session=session, leader=enrolled_leader(programme))
    page = hr_client.get(url("session_detail", session)).content.decode()
    assert url("attendance_record", session) not in page
    assert "Oppmøte kan registreres når samlingen har startet." in page
    r = hr_client.post(url("attendance_record", session), {f"r{reg.pk}": "attended"})
    assert r.status_code == 400
    assert "Oppmøte kan registreres når samlingen har startet." in r.content.decode()
    reg.refresh_from_db()
    assert reg.attendance == "unknown"


def test_everyone_attended_then_the_exceptions(hr_client, programme, started):
    regs = [RegistrationFactory(session=started, leader=enrolled_leader(programme)) for _ in range(4)]
    Registration.objects.filter(pk=regs[0].pk).update(attendance="no_show")  # already recorded: kept
    r = hr_client.post(url("attendance_record", started), {"everyone": "attended"}, follow=True)
    assert messages_of(r)[-1] == ("success", "3 ledere er markert som møtt. Marker nå dem som ikke kom.")
    assert [Registration.objects.get(pk=reg.pk).attendance for reg in regs] == ["no_show"] + ["attended"] * 3
    hr_client.post(
        url("attendance_record", started), {f"r{reg.pk}": "attended" for reg in regs} | {f"r{regs[3].pk}": "no_show"}
    )
    assert Registration.objects.get(pk=regs[3].pk).attendance == "no_show"


def test_everyone_attended_is_refused_before_the_start(hr_client, programme, session):
    reg = RegistrationFactory(session=session, leader=enrolled_leader(programme))
    r = hr_client.post(url("attendance_record", session), {"everyone": "attended"}, follow=True)
    assert messages_of(r)[-1] == ("error", "Oppmøte kan registreres når samlingen har startet.")
    reg.refresh_from_db()
    assert reg.attendance == "unknown"


def test_hr_marks_attendance_for_the_whole_session_in_one_form(hr_client, programme, started):
    regs = [RegistrationFactory(session=started, leader=enrolled_leader(programme)) for _ in range(3)]
    data = {f"r{regs[0].pk}": "attended", f"r{regs[1].pk}": "no_show", f"r{regs[2].pk}": "unknown"}
    r = hr_client.post(url("attendance_record", started), data)
    assert r.status_code == 302
    assert [Registration.objects.get(pk=reg.pk).attendance for reg in regs] == ["attended", "no_show", "unknown"]


def test_attendance_with_a_bad_value_saves_nothing(hr_client, programme, started):
    a, b = (RegistrationFactory(session=started, leader=enrolled_leader(programme)) for _ in range(2))
    r = hr_client.post(url("attendance_record", started), {f"r{a.pk}": "attended", f"r{b.pk}": "maybe"})
    assert r.status_code == 400
    assert Registration.objects.get(pk=a.pk).attendance == "unknown"


def test_attendance_is_hr_only_and_post_only(hr_client, client, me, started):
    reg = RegistrationFactory(session=started, leader=me)
    assert hr_client.get(url("attendance_record", started)).status_code == 405
    assert login(client, me.user).post(url("attendance_record", started), {f"r{reg.pk}": "attended"}).status_code == 403
    reg.refresh_from_db()
    assert reg.attendance == "unknown"


# --- commitments recorded at a session ---


def test_hr_records_a_commitment_between_leaders(hr_client, programme, session):
    a, b = (enrolled_leader(programme) for _ in range(2))
    RegistrationFactory(session=session, leader=a)
    RegistrationFactory(session=session, leader=b)
    r = hr_client.post(
        url("commitment_create", session),
        {"text": "Felles innkjøp av velferdsteknologi", "parties": [a.pk, b.pk], "due_date": "2027-01-31"},
    )
    assert r.status_code == 302
    c = Commitment.objects.get()
    assert set(c.parties.all()) == {a, b} and c.session == session
    assert set(c.organisations.all()) == {a.organisation, b.organisation}


def test_commitment_with_one_party_is_refused(hr_client, programme, session):
    a = enrolled_leader(programme)
    RegistrationFactory(session=session, leader=a)
    r = hr_client.post(url("commitment_create", session), {"text": "Alene", "parties": [a.pk]})
    assert r.status_code == 400 and r.context["commitment_form"].errors["parties"]
    assert not Commitment.objects.exists()


def test_commitment_create_is_hr_only(me_client, session):
    assert me_client.post(url("commitment_create", session), {"text": "x"}).status_code == 403


def test_plain_user_without_role_sees_no_session(client, session):
    login(client, UserFactory())
    assert client.get(url("session_detail", session)).status_code == 404


def test_sign_up_for_a_cancelled_session_is_refused(me_client, me, programme):
    cancelled = SessionFactory(programme=programme, status=Session.Status.CANCELLED)
    r = me_client.post(url("registration_create", cancelled), follow=True)
    assert not Registration.objects.filter(session=cancelled).exists()
    assert messages_of(r)[-1][0] == "error"
    assert url("registration_create", cancelled) not in r.content.decode()  # no button on a cancelled session


def test_sign_up_for_a_draft_session_is_404(me_client, programme):
    draft = SessionFactory(programme=programme, status=Session.Status.DRAFT)
    assert me_client.post(url("registration_create", draft)).status_code == 404
    assert not Registration.objects.filter(session=draft).exists()


def test_withdrawn_leader_can_no_longer_see_or_sign_up(me_client, me, programme, session):
    me.enrolments.update(status="withdrawn")
    assert me_client.get(url("session_detail", session)).status_code == 404
    assert me_client.post(url("registration_create", session)).status_code == 404
