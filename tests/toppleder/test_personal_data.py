"""A person's own data: the PDF reads as a document (Norwegian headings and labels, display
values, Oslo time, no ids or keys), the JSON stays complete; and the retention rule for leaders
who left, which HR confirms."""

import json
import subprocess
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from tests.factories import HRUserFactory, LeaderFactory
from tests.programmes.factories import RegistrationFactory, SessionFactory
from toppleder.audit import AuditEntry
from toppleder.models import User
from toppleder.privacy import departed_due, months_before
from toppleder.services import departed_anonymise

pytestmark = pytest.mark.django_db
OSLO = ZoneInfo("Europe/Oslo")


def _nb(user):
    client = Client()
    client.cookies["django_language"] = "nb"
    client.force_login(user)
    return client


def _pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "mine-data.pdf"
    path.write_bytes(content)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(out.split())


def test_the_personal_data_pdf_reads_as_a_norwegian_document(tmp_path):
    leader = LeaderFactory(user__name="Astrid Amundsen", title="Direktør", level=1)
    session = SessionFactory(title="Temasamling: Tillit i praksis")
    # 13.00 UTC on a winter day is 14.00 in Oslo.
    RegistrationFactory(session=session, leader=leader, created_at=datetime(2026, 1, 15, 13, 0, tzinfo=ZoneInfo("UTC")))
    with time_machine.travel(datetime(2026, 2, 1, 12, 0, tzinfo=OSLO), tick=False):
        response = _nb(leader.user).get(reverse("my_data_pdf"))
    assert response.status_code == 200
    text = _pdf_text(response.content, tmp_path)
    for expected in (
        "Mine personopplysninger",
        "Dette er opplysningene topplederprogrammet i Oslo kommune har om deg, Astrid Amundsen",
        "Kontoen din",
        "Toppleder",  # the level's label, not 1
        "Påmeldinger",
        "Temasamling: Tillit i praksis",  # the session's title, not its id
        "Bekreftet",  # the status's label, not "confirmed"
        "15. januar 2026 kl. 14.00",  # Oslo time
    ):
        assert expected in text, expected
    for internal in (
        "confirmed",
        "session_id",
        "leader_id",
        "_object",
        "programmes.registration",
        leader.calendar_token,
    ):
        assert internal not in text, internal


def test_the_json_stays_complete_and_machine_readable():
    leader = LeaderFactory()
    registration = RegistrationFactory(leader=leader)
    data = json.loads(_nb(leader.user).get(reverse("my_data_json")).content)
    rows = data["related_to_leader"]["programmes.registration:leader"]
    assert rows[0]["session_id"] == registration.session_id and rows[0]["status"] == "confirmed"
    assert data["user"]["email"] == leader.user.email


def test_months_before_keeps_the_day_or_takes_the_months_last():
    assert months_before(datetime(2026, 3, 31, tzinfo=OSLO), 1) == datetime(2026, 2, 28, tzinfo=OSLO)
    assert months_before(datetime(2026, 1, 15, tzinfo=OSLO), 12) == datetime(2025, 1, 15, tzinfo=OSLO)


def _departed(name, when):
    leader = LeaderFactory(user__name=name)
    with time_machine.travel(when, tick=False):
        user = User.objects.get(pk=leader.user_id)
        user.is_active = False
        user.save(update_fields=["is_active"])
    return User.objects.get(pk=leader.user_id)


def test_leaders_who_left_n_months_ago_are_anonymised_only_when_hr_confirms(settings):
    settings.DEPARTED_RETENTION_MONTHS = 12
    now = datetime(2026, 6, 1, 12, 0, tzinfo=OSLO)
    old = _departed("Ola Gammel", now - timedelta(days=400))
    recent = _departed("Rita Nylig", now - timedelta(days=100))
    hr = HRUserFactory()
    with time_machine.travel(now, tick=False):
        assert list(departed_due()) == [old]
        assert old.deactivated_at is not None
        with pytest.raises(PermissionDenied):
            departed_anonymise(by=old, user_ids=[old.pk])
        with pytest.raises(ValidationError):
            departed_anonymise(by=hr, user_ids=[])
        assert departed_anonymise(by=hr, user_ids=[old.pk, recent.pk]) == 1  # the recent one is not due
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.name == "Anonymisert person" and recent.name == "Rita Nylig"
    assert AuditEntry.objects.filter(action="anonymise", actor=hr, object_id=str(old.pk)).count() == 1
    with time_machine.travel(now, tick=False):
        assert list(departed_due()) == []  # anonymised once, not offered again


def test_hr_sees_who_is_due_and_confirms_on_a_page(settings):
    settings.MFA_REQUIRED_FOR_STAFF = False
    old = _departed("Ola Gammel", datetime(2024, 1, 1, 12, 0, tzinfo=OSLO))
    hr = HRUserFactory()
    client = _nb(hr)
    page = client.get(reverse("departed_list")).content.decode()
    assert "Ola Gammel" in page and "Ledere som har sluttet" in page
    assert client.post(reverse("departed_list"), {"person": [str(old.pk)]}).status_code == 302
    old.refresh_from_db()
    assert old.name == "Anonymisert person"
    leader = LeaderFactory()
    assert _nb(leader.user).get(reverse("departed_list")).status_code == 403


def test_reactivating_stops_the_clock():
    user = _departed("Kari Tilbake", datetime(2024, 1, 1, 12, 0, tzinfo=OSLO))
    user.is_active = True
    user.save()
    user.refresh_from_db()
    assert user.deactivated_at is None
