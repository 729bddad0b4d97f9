"""The audit log records who did what, from where, and never what must stay secret.

Services record their own changes (tests/security/test_audit_completeness.py proves that for
every one of them); these tests cover the rest of the trail: the request's IP and path, the
Django admin, sign-ins, denials and downloads, and what the log never holds.
"""

import json

import pytest
from django.urls import reverse

from programmes import services
from programmes.models import Programme, Session
from tests.factories import TEST_PASSWORD, LeaderFactory, UserFactory
from tests.programmes.factories import ProgrammeFactory, SessionFactory
from toppleder.audit import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user, settings):
    settings.MFA_REQUIRED_FOR_STAFF = False
    client.force_login(admin_user)
    return client


def test_a_change_made_through_a_page_is_recorded_with_who_what_and_from_where(client, hr_user, settings):
    settings.MFA_REQUIRED_FOR_STAFF = False
    programme = ProgrammeFactory(status="draft")
    client.force_login(hr_user)
    status_url = reverse("programmes:programme_status", args=[programme.pk])
    token = client.get(status_url, {"status": "open"}).context["confirmation"]
    response = client.post(status_url, {"status": "open", "confirmation": token}, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 302
    entry = AuditEntry.objects.get(object_type="programmes.programme", object_id=str(programme.pk))
    assert (entry.actor, entry.action, entry.event) == (hr_user, "update", "programme_set_status")
    assert entry.changes == {"status": ["draft", "open"]}
    assert (entry.ip, entry.path) == ("10.1.2.3", reverse("programmes:programme_status", args=[programme.pk]))


def test_a_leaders_own_change_is_recorded_as_theirs(leader):
    programme = ProgrammeFactory()
    programme.enrolments.create(leader=leader)
    session = SessionFactory(programme=programme)
    registration = services.registration_create(session=session, leader=leader, by=leader.user)
    entry = AuditEntry.objects.get(object_type="programmes.registration", object_id=str(registration.pk))
    assert (entry.actor, entry.action, entry.event) == (leader.user, "create", "registration_create")
    assert entry.changes["status"] == [None, "confirmed"]


def test_a_change_in_the_django_admin_is_recorded_with_the_fields_it_changed(admin_client, admin_user):
    session = SessionFactory(title="Vårsamling", capacity=20)
    url = reverse("admin:programmes_session_change", args=[session.pk])
    page = admin_client.get(url)
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(
        {
            "title": "Vårsamling i Rådhuset",
            "starts_at_0": session.starts_at.astimezone().strftime("%Y-%m-%d"),
            "starts_at_1": session.starts_at.astimezone().strftime("%H:%M:%S"),
            "ends_at_0": session.ends_at.astimezone().strftime("%Y-%m-%d"),
            "ends_at_1": session.ends_at.astimezone().strftime("%H:%M:%S"),
        }
    )
    for prefix in ("contributors", "materials", "registrations"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    data = {k: v for k, v in data.items() if not isinstance(v, list) or v}
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    entry = AuditEntry.objects.get(object_type="programmes.session", action="update")
    assert (entry.actor, entry.event) == (admin_user, "admin")
    assert entry.changes["title"] == ["Vårsamling", "Vårsamling i Rådhuset"]


def test_deleting_in_the_admin_records_every_row_that_goes(admin_client):
    programme = ProgrammeFactory()
    session = SessionFactory(programme=programme)
    response = admin_client.post(reverse("admin:programmes_programme_delete", args=[programme.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Programme.objects.exists() and not Session.objects.exists()
    deleted = set(AuditEntry.objects.filter(action="delete", event="admin").values_list("object_type", "object_id"))
    assert {("programmes.programme", str(programme.pk)), ("programmes.session", str(session.pk))} <= deleted


def test_successful_and_failed_sign_ins_are_recorded_without_the_password(client):
    user = UserFactory(email="kari@toppleder.example")
    client.post(reverse("account_login"), {"login": user.email, "password": "wrong-password-123"})
    client.post(reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD})

    failed = AuditEntry.objects.get(action="login_failed")
    assert failed.actor_label == "kari@toppleder.example"
    assert AuditEntry.objects.filter(action="login", actor=user).exists()
    dump = json.dumps(list(AuditEntry.objects.values()), default=str)
    assert "wrong-password-123" not in dump and TEST_PASSWORD not in dump


def test_an_export_is_recorded(client, leader):
    client.force_login(leader.user)
    response = client.get(reverse("my_data_json"))
    assert response.status_code == 200
    assert AuditEntry.objects.filter(action="export", actor=leader.user, path=reverse("my_data_json")).exists()


def test_an_access_denial_is_recorded(client, leader):
    client.force_login(leader.user)
    response = client.get(reverse("admin:toppleder_auditentry_changelist"))
    # The admin sends non-staff to its login page; an HR-only page answers 403.
    assert response.status_code in (302, 403)
    hr_page = client.get(reverse("programmes:programme_create"))
    assert hr_page.status_code == 403
    assert AuditEntry.objects.filter(action="denied", actor=leader.user).exists()


def test_a_secret_field_is_recorded_as_changed_never_with_its_value(leader):
    old = leader.calendar_token
    new = services.calendar_token_reset(leader=leader, by=leader.user)
    entry = AuditEntry.objects.get(event="calendar_token_reset")
    assert entry.changes == {"calendar_token": "[hidden]"}
    dump = json.dumps(list(AuditEntry.objects.values()), default=str)
    assert old not in dump and new not in dump


def test_user_input_cannot_forge_a_log_line(hr_user):
    forged = "Tilbud\n2026-01-01 00:00 admin@toppleder.example delete toppleder.user 1"
    services.programme_create(by=hr_user, name=forged, period="2026")
    entry = AuditEntry.objects.get(object_type="programmes.programme")
    assert entry.changes["name"] == [None, forged]  # kept as data, not as a line of its own
    assert entry.object_repr.startswith("Tilbud\n")  # stored as one field, shown escaped by the admin


def test_an_expression_never_reaches_the_log_as_text(hr_user):
    from django.db.models import F

    from toppleder import audit

    session = SessionFactory()
    session.sequence = F("sequence") + 1
    with pytest.raises(TypeError, match="expression"):
        audit.record(hr_user, audit.UPDATE, [session], {"sequence": [0, session.sequence]}, event="test")
    assert not AuditEntry.objects.exists()


def test_moving_a_session_bumps_its_sequence_as_a_number(hr_user):
    from datetime import timedelta

    session = SessionFactory()
    services.session_update(session=session, by=hr_user, starts_at=session.starts_at + timedelta(hours=1))
    entry = AuditEntry.objects.get(event="session_update", object_type="programmes.session")
    assert entry.changes["sequence"] == [0, 1]


def test_the_log_is_append_only(hr_user):
    services.programme_create(by=hr_user, name="A", period="2026")
    entry = AuditEntry.objects.get()
    entry.action = "delete"
    with pytest.raises(ValueError):
        entry.save()


def test_only_administrators_can_browse_the_log(client, hr_user, admin_user):
    client.force_login(hr_user)
    session = client.session
    session["mfa_ok"] = True
    session.save()
    assert client.get(reverse("admin:toppleder_auditentry_changelist")).status_code == 403
    client.force_login(admin_user)
    session = client.session
    session["mfa_ok"] = True
    session.save()
    response = client.get(reverse("admin:toppleder_auditentry_changelist") + "?action__exact=login")
    assert response.status_code == 200


def test_leader_factory_changes_are_not_recorded_outside_a_service():
    """Only services and the admin write entries: a plain save (a fixture, a migration) does not."""
    LeaderFactory()
    assert not AuditEntry.objects.exists()
