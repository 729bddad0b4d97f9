"""The outbox pages and the e-mail preferences page."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory
from toppleder.audit import AuditEntry
from toppleder.models import NotificationPreference, OutboxMessage

Status = OutboxMessage.Status
Kind = OutboxMessage.Kind


def _message(user, n=0, **kwargs):
    defaults = {
        "key": f"view-test:{user.pk}:{n}",
        "kind": Kind.SESSION_INVITATION,
        "recipient": user,
        "to_email": user.email,
        "subject": f"Invitasjon {n}",
        "body_text": f"Tekst {n}",
        "object_ref": "Temasamling",
        "status": Status.SENT,
    }
    defaults.update(kwargs)
    return OutboxMessage.objects.create(**defaults)


@pytest.fixture
def hr_client(client, hr_user):
    client.force_login(hr_user)
    return client


@pytest.fixture
def leader_client(client, leader):
    client.force_login(leader.user)
    return client


def test_hr_sees_outbox_with_filters_and_pinned_query_count(hr_client, django_assert_max_num_queries):
    users = UserFactory.create_batch(30)
    for i, user in enumerate(users):
        _message(
            user,
            i,
            status=Status.FAILED if i % 3 == 0 else Status.SENT,
            last_error="550 No such user" if i % 3 == 0 else "",
        )
    with django_assert_max_num_queries(10):
        response = hr_client.get(reverse("outbox_list"))
    assert response.status_code == 200
    assert response.content.decode().count("<tr>") == 31  # header + 30 rows
    failed = hr_client.get(reverse("outbox_list"), {"status": "failed"})
    assert failed.content.decode().count("550 No such user") == 10
    found = hr_client.get(reverse("outbox_list"), {"q": users[4].email})
    assert users[4].email in found.content.decode()
    assert users[5].email not in found.content.decode()


def test_outbox_paginates(hr_client):
    user = UserFactory()
    for i in range(55):
        _message(user, i)
    page2 = hr_client.get(reverse("outbox_list"), {"page": 2})
    assert page2.status_code == 200
    assert page2.content.decode().count("<tr>") == 6


def test_leader_may_not_see_the_outbox_or_a_message(leader_client, leader):
    other = _message(UserFactory())
    assert leader_client.get(reverse("outbox_list")).status_code == 403
    assert leader_client.get(reverse("outbox_detail", args=[other.pk])).status_code == 403
    assert leader_client.post(reverse("outbox_resend", args=[other.pk])).status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("outbox_list"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_hr_sees_detail_and_resends_failed_message(hr_client, django_capture_on_commit_callbacks):
    message = _message(UserFactory(), status=Status.FAILED, last_error="Delivery uncertain")
    detail = hr_client.get(reverse("outbox_detail", args=[message.pk]))
    assert detail.status_code == 200
    assert "Delivery uncertain" in detail.content.decode()
    with django_capture_on_commit_callbacks(execute=False):
        response = hr_client.post(reverse("outbox_resend", args=[message.pk]))
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.status == Status.QUEUED


def _entries_after(start):
    return list(AuditEntry.objects.filter(pk__gt=start).order_by("pk"))


def _last_entry_pk():
    return AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@pytest.fixture
def deliveries(monkeypatch):
    """The delivery tasks queued on commit (their message ids), instead of sending."""
    from toppleder import tasks

    queued = []
    monkeypatch.setattr(tasks.deliver, "delay", queued.append)
    return queued


def test_hr_resending_a_failed_message_writes_one_audit_entry(
    hr_client, hr_user, deliveries, django_capture_on_commit_callbacks
):
    message = _message(UserFactory(), status=Status.FAILED, attempts=5, last_error="SMTP 550 No such user")
    start = _last_entry_pk()
    with django_capture_on_commit_callbacks(execute=True):
        response = hr_client.post(reverse("outbox_resend", args=[message.pk]))
    assert response.status_code == 302
    (entry,) = _entries_after(start)
    assert (entry.action, entry.event, entry.actor) == (AuditEntry.Action.UPDATE, "outbox_resend", hr_user)
    assert (entry.object_type, entry.object_id) == ("toppleder.outboxmessage", str(message.pk))
    assert entry.changes == {"status": ["failed", "queued"], "attempts": [5, 0]}
    assert deliveries == [message.pk]


def test_a_refused_resend_writes_no_audit_entry(hr_client, deliveries, django_capture_on_commit_callbacks):
    message = _message(UserFactory(), status=Status.SENT, attempts=1)
    start = _last_entry_pk()
    with django_capture_on_commit_callbacks(execute=True):
        response = hr_client.post(reverse("outbox_resend", args=[message.pk]))
    assert response.status_code == 302
    assert _entries_after(start) == []
    assert deliveries == []
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.SENT, 1)


def test_an_absurd_message_number_is_not_found(hr_client):
    assert hr_client.get("/outbox/99999999999999999999/").status_code == 404


def test_resend_needs_post(hr_client):
    message = _message(UserFactory(), status=Status.FAILED)
    assert hr_client.get(reverse("outbox_resend", args=[message.pk])).status_code == 405


def test_resend_of_sent_message_changes_nothing(hr_client):
    message = _message(UserFactory(), status=Status.SENT)
    hr_client.post(reverse("outbox_resend", args=[message.pk]))
    message.refresh_from_db()
    assert message.status == Status.SENT


def test_leader_sees_only_what_was_sent_to_them(leader_client, leader, django_assert_max_num_queries):
    for i in range(20):
        _message(leader.user, i, subject=f"Til meg {i}")
    _message(UserFactory(), 99, subject="Til en annen")
    with django_assert_max_num_queries(8):
        response = leader_client.get(reverse("outbox_mine"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Til meg 19" in html
    assert "Til en annen" not in html


def test_leader_turns_off_session_reminders(leader_client, leader):
    page = leader_client.get(reverse("notification_preferences"))
    assert page.status_code == 200
    response = leader_client.post(reverse("notification_preferences"), {"survey_reminders": "on"})
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=leader.user)
    assert preference.session_reminders is False
    assert preference.survey_reminders is True


def test_preferences_refuse_other_methods(leader_client):
    assert leader_client.put(reverse("notification_preferences")).status_code == 405


def test_preferences_are_per_person(leader_client, leader):
    other = UserFactory()
    NotificationPreference.objects.create(user=other, session_reminders=False)
    leader_client.post(reverse("notification_preferences"), {"session_reminders": "on", "survey_reminders": "on"})
    assert NotificationPreference.objects.get(user=other).session_reminders is False
    assert NotificationPreference.objects.get(user=leader.user).session_reminders is True


def test_hr_outbox_never_shows_who_has_answered_a_survey(hr_client, leader):
    reminder = _message(
        leader.user,
        1,
        kind=Kind.SURVEY_REMINDER,
        subject="Påminnelse: undersøkelse",
        object_ref="Påminnelse: undersøkelse",
    )
    skipped = _message(
        leader.user, 2, kind=Kind.SURVEY_INVITATION, status=Status.SUPERSEDED, object_ref="Skippet undersøkelse"
    )
    sent = _message(leader.user, 3, kind=Kind.SURVEY_INVITATION, object_ref="En kort undersøkelse")
    html = hr_client.get(reverse("outbox_list")).content.decode()
    assert "En kort undersøkelse" in html
    assert "Påminnelse: undersøkelse" not in html
    assert "Skippet undersøkelse" not in html
    assert hr_client.get(reverse("outbox_detail", args=[reminder.pk])).status_code == 404
    assert hr_client.get(reverse("outbox_detail", args=[skipped.pk])).status_code == 404
    assert hr_client.get(reverse("outbox_detail", args=[sent.pk])).status_code == 200
    # The leader still sees everything sent to them.
    leader_client = Client()
    leader_client.force_login(leader.user)
    mine = leader_client.get(reverse("outbox_mine")).content.decode()
    assert "Påminnelse: undersøkelse" in mine
