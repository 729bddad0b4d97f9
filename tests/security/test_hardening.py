"""Hardening, with OWASP ASVS level 2 as the yardstick, each point as a user would meet it."""

import shutil
import subprocess
import time

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from programmes.models import Material
from reflection_groups.models import GroupNote
from tests.factories import TEST_PASSWORD, LeaderFactory, UserFactory
from tests.programmes.factories import SessionFactory
from tests.reflection_groups.conftest import GROUP_SECRET, PAIR_SECRET
from tests.reflection_groups.conftest import world as groups_world  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump needs PostgreSQL (make test runs on it)")
def test_a_database_dump_contains_no_plaintext_note(groups_world):  # noqa: F811
    settings = connection.settings_dict
    pg_dump = shutil.which("pg_dump") or next(
        iter(sorted(__import__("glob").glob("/usr/lib/postgresql/*/bin/pg_dump")))
    )
    dump = subprocess.run(
        [
            pg_dump,
            "-h",
            settings["HOST"] or "127.0.0.1",
            "-p",
            str(settings["PORT"] or 5432),
            "-U",
            settings["USER"],
            "--data-only",
            settings["NAME"],
        ],
        capture_output=True,
        text=True,
        check=True,
        env={"PGPASSWORD": settings["PASSWORD"] or ""},
    ).stdout
    assert "Refleksjonsgruppe 1" in dump  # the dump really holds the group ...
    assert GROUP_SECRET not in dump and PAIR_SECRET not in dump  # ... but not what was said in it
    assert GroupNote.objects.get(pk=groups_world.note.pk).text == GROUP_SECRET


def test_the_admin_never_shows_note_text(client, admin_user, groups_world):  # noqa: F811
    client.force_login(admin_user)
    for model in ("groupnote", "pairmeeting", "mentorpair", "reflectiongroup", "groupmeeting"):
        response = client.get(f"/admin/reflection_groups/{model}/")
        assert GROUP_SECRET.encode() not in response.content and PAIR_SECRET.encode() not in response.content


def test_brute_force_sign_in_is_stopped_even_with_the_right_password(client):
    user = UserFactory(email="mal@toppleder.example")
    for attempt in range(6):
        client.post(reverse("account_login"), {"login": user.email, "password": f"feil-passord-{attempt}"})
    response = client.post(reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 429 or "_auth_user_id" not in client.session
    assert "_auth_user_id" not in client.session


def test_an_oversized_upload_is_refused_and_nothing_is_stored(client, hr_user, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.MFA_REQUIRED_FOR_STAFF = False
    session = SessionFactory()
    client.force_login(hr_user)
    big = SimpleUploadedFile("stor.pdf", b"%PDF-1.4\n" + b"0" * (20 * 1024 * 1024), content_type="application/pdf")
    response = client.post(
        reverse("programmes:material_add", args=[session.pk]), {"material-title": "Stor", "material-file": big}
    )
    assert response.status_code == 400
    assert not Material.objects.exists()
    assert not any(tmp_path.rglob("*.pdf"))


def test_an_html_upload_is_refused(client, hr_user, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.MFA_REQUIRED_FOR_STAFF = False
    session = SessionFactory()
    client.force_login(hr_user)
    page = SimpleUploadedFile("notat.txt", b"<!DOCTYPE html><script>alert(1)</script>", content_type="text/plain")
    response = client.post(
        reverse("programmes:material_add", args=[session.pk]), {"material-title": "X", "material-file": page}
    )
    assert response.status_code == 400
    assert not Material.objects.exists()


def test_passwords_follow_the_rules():
    for weak in ("kort1", "password123", "12345678901"):
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password("Fjordhest-og-tindesol-7")


def test_signed_in_pages_are_never_cached(client, leader):
    client.force_login(leader.user)
    response = client.get(reverse("dashboard"))
    assert "no-store" in response["Cache-Control"]


def test_a_new_session_key_at_sign_in_and_none_left_after_sign_out(client):
    from django.contrib.sessions.models import Session

    user = UserFactory()
    client.get(reverse("account_login"))
    client.cookies["sessionid"] = "planted-by-an-attacker"
    client.post(reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD})
    key = client.session.session_key
    assert key and key != "planted-by-an-attacker"
    client.post(reverse("account_logout"))
    assert not Session.objects.filter(session_key=key).exists()


def test_a_deactivated_person_is_signed_out_at_once(client):
    leader = LeaderFactory()
    client.force_login(leader.user)
    assert client.get(reverse("dashboard")).status_code == 200
    leader.user.is_active = False
    leader.user.save()
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_hr_is_signed_out_after_30_minutes_idle_but_a_leader_is_not(client, hr_user, leader, settings):
    settings.MFA_REQUIRED_FOR_STAFF = False
    for user, expect_signed_in in ((hr_user, False), (leader.user, True)):
        client.force_login(user)
        session = client.session
        session["last_seen"] = int(time.time()) - 31 * 60
        session.save()
        response = client.get(reverse("dashboard"))
        assert (response.status_code == 200) is expect_signed_in, user


def test_sessions_end_after_12_hours(settings):
    assert settings.SESSION_COOKIE_AGE == 12 * 60 * 60


def test_hr_without_mfa_is_sent_to_set_it_up(client, hr_user, settings):
    settings.MFA_REQUIRED_FOR_STAFF = True
    client.force_login(hr_user)
    response = client.get(reverse("programmes:programme_list"))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")


def test_a_facilitator_account_without_mfa_is_sent_to_set_it_up_but_a_leader_is_not(client, leader, settings):
    """An external coach reads confidential notes: their account is guarded like staff's."""
    from tests.factories import FacilitatorFactory

    settings.MFA_REQUIRED_FOR_STAFF = True
    client.force_login(FacilitatorFactory())
    response = client.get(reverse("reflection_groups:group_list"))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")
    client.force_login(leader.user)
    assert client.get(reverse("reflection_groups:group_list")).status_code == 200


def test_pages_send_a_content_security_policy_without_inline_script(client):
    response = client.get(reverse("account_login"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert b"<script>" not in response.content  # no inline script at all


def test_staff_are_not_asked_for_the_password_right_after_signing_in_but_are_later(client, settings):
    """Setting up two-factor right after signing in needs no second password; ten minutes
    later a change to how one signs in asks for it again (allauth's re-authentication)."""
    import time_machine
    from django.utils import timezone

    from tests.factories import TEST_PASSWORD, HRUserFactory

    settings.MFA_REQUIRED_FOR_STAFF = True
    hr = HRUserFactory()
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        client.post(reverse("account_login"), {"login": hr.email, "password": TEST_PASSWORD})
        assert client.get(reverse("mfa_activate_totp")).status_code == 200
    with time_machine.travel(now + timezone.timedelta(minutes=10), tick=False):
        response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 302 and "/accounts/reauthenticate/" in response["Location"]
