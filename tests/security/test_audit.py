"""The audit log records who did what, from where, and never what must stay secret."""

import json

import pytest
from django.urls import reverse

from programmes.models import Programme
from tests.factories import TEST_PASSWORD, LeaderFactory, UserFactory
from toppleder.audit import AuditEntry, acting_as

pytestmark = pytest.mark.django_db


def test_hr_change_to_a_programme_is_recorded_with_what_changed(hr_user):
    with acting_as(hr_user, ip="10.1.2.3"):
        programme = Programme.objects.create(name="Tilbud", period="2026/27")
        programme.name = "Tilbud til toppledere"
        programme.save()
        programme.delete()

    entries = list(AuditEntry.objects.filter(object_type="programmes.programme").order_by("pk"))
    assert [e.action for e in entries] == ["create", "update", "delete"]
    assert all(e.actor == hr_user and e.ip == "10.1.2.3" for e in entries)
    assert entries[1].changes["name"] == ["Tilbud", "Tilbud til toppledere"]


def test_changes_by_a_leader_are_not_attributed_to_staff(leader):
    with acting_as(leader.user):
        Programme.objects.create(name="Noe", period="2026")
    assert not AuditEntry.objects.filter(object_type="programmes.programme").exists()


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


def test_password_and_token_fields_never_reach_the_log(hr_user):
    target = LeaderFactory()
    with acting_as(hr_user):
        target.user.set_password("Nytt-hemmelig-passord-9")
        target.user.name = "Nytt Navn"
        target.user.save()
        target.save()
    entry = AuditEntry.objects.get(object_type="toppleder.user", action="update")
    assert "password" not in entry.changes
    assert entry.changes["name"][1] == "Nytt Navn"
    assert "calendar_token" not in json.dumps(list(AuditEntry.objects.values("changes")), default=str)


def test_user_input_cannot_forge_a_log_line(hr_user):
    forged = "Tilbud\n2026-01-01 00:00 admin@toppleder.example delete toppleder.user 1"
    with acting_as(hr_user):
        Programme.objects.create(name=forged, period="2026")
    assert AuditEntry.objects.count() == 1
    entry = AuditEntry.objects.get()
    assert entry.changes["name"] == [None, forged]  # kept as data, not as a line of its own
    assert "\n" not in str(entry).split(" ", 4)[-1] or str(entry).count("\n") == 0


def test_the_log_is_append_only(hr_user):
    with acting_as(hr_user):
        Programme.objects.create(name="A", period="2026")
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
