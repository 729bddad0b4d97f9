"""A person's own data, anonymising someone who left, and retention."""

import json
import subprocess
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import TEST_PASSWORD, LeaderFactory
from toppleder.audit import AuditEntry
from toppleder.models import User
from toppleder.retention import retention_purge
from toppleder.services import person_anonymise

pytestmark = pytest.mark.django_db


def test_leader_downloads_their_own_data_as_json(client, leader):
    client.force_login(leader.user)
    response = client.get(reverse("my_data_json"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert data["user"]["email"] == leader.user.email
    assert data["leader"]["organisation"] == leader.organisation.name
    assert "password" not in json.dumps(data)
    assert leader.calendar_token not in json.dumps(data)


def test_leader_downloads_their_own_data_as_a_readable_pdf(client, leader, tmp_path):
    client.force_login(leader.user)
    response = client.get(reverse("my_data_pdf"))
    assert response.status_code == 200
    pdf = tmp_path / "me.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert leader.user.email in text
    assert leader.organisation.name in text


def test_my_data_needs_a_signed_in_person(client):
    response = client.get(reverse("my_data_json"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_anonymising_removes_identity_and_signs_the_person_out(client, admin_user):
    leader = LeaderFactory(user__email="sluttet@toppleder.example", user__name="Siri Sluttet", title="Direktør")
    other = client.__class__()
    assert other.login(username="sluttet@toppleder.example", password=TEST_PASSWORD)

    person_anonymise(user=leader.user, by=admin_user)

    leader.refresh_from_db()
    user = User.objects.get(pk=leader.user_id)
    assert "sluttet" not in user.email and user.name == "Anonymisert person"
    assert not user.is_active and not user.has_usable_password()
    assert leader.title == "" and leader.organisation_id  # kept for aggregate figures
    assert other.get(reverse("dashboard")).status_code == 302  # signed out everywhere
    assert AuditEntry.objects.filter(action="anonymise", actor=admin_user).exists()
    assert not AuditEntry.objects.filter(actor_label="sluttet@toppleder.example").exists()


def test_retention_removes_only_old_audit_entries(settings, hr_user):
    settings.AUDIT_RETENTION_DAYS = 30
    AuditEntry.objects.create(action="login", actor=hr_user, at=timezone.now() - timedelta(days=31))
    AuditEntry.objects.create(action="login", actor=hr_user)
    removed = retention_purge()
    assert removed["audit"] == 1
    assert AuditEntry.objects.count() == 1


def test_retention_runs_nightly_from_celery_beat():
    from toppleder.celery import app

    jobs = {job["task"] for job in app.conf.beat_schedule.values()}
    assert "toppleder.tasks.retention_purge" in jobs
