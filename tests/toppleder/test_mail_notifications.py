"""Group, pair and survey e-mails: who gets them, once, and what is (not) kept in the outbox."""

from datetime import timedelta

import pytest
from django.core import mail as django_mail
from django.utils import timezone

from programmes.models import Programme
from reflection_groups import services as group_services
from reflection_groups.models import GroupMembership, MentorPair, ReflectionGroup
from surveys import notifications as survey_notifications
from surveys import services as survey_services
from surveys import tasks as survey_tasks
from tests.factories import FacilitatorFactory, LeaderFactory
from tests.surveys.factories import InvitationFactory, SurveyFactory
from toppleder.models import NotificationPreference, OutboxMessage

Kind = OutboxMessage.Kind
Status = OutboxMessage.Status


@pytest.fixture
def programme(db):
    return Programme.objects.create(name="Topplederprogrammet", period="2026/27")


def test_publishing_a_group_introduces_members_and_facilitator_once(programme, django_capture_on_commit_callbacks):
    members = [LeaderFactory(title="Direktør") for _ in range(3)]
    facilitator = FacilitatorFactory(name="Frida Fasilitator")
    group = ReflectionGroup.objects.create(programme=programme, name="Refleksjonsgruppe 1")
    GroupMembership.objects.bulk_create(
        [GroupMembership(group=group, leader=m, programme=programme, kind=group.kind) for m in members]
    )
    with django_capture_on_commit_callbacks(execute=True):
        group_services.group_publish(group=group, facilitator=facilitator)
    recipients = sorted(m.to[0] for m in django_mail.outbox)
    assert recipients == sorted([*(m.user.email for m in members), facilitator.email])
    body = django_mail.outbox[0].body
    assert all(m.organisation.name in body for m in members)
    assert f"/groups/{group.pk}/" in body
    # Re-running the task is a no-op.
    from reflection_groups.tasks import group_published

    group_published(group.pk)
    assert len(django_mail.outbox) == 4


def test_publishing_a_pair_introduces_mentor_and_mentee_to_each_other(programme, django_capture_on_commit_callbacks):
    mentor, mentee = LeaderFactory(user__name="Mona Mentor"), LeaderFactory(user__name="Mads Mentee")
    pair = MentorPair.objects.create(programme=programme, scheme="duo", mentor=mentor, mentee=mentee)
    with django_capture_on_commit_callbacks(execute=True):
        group_services.pair_publish(pair=pair)
    by_to = {m.to[0]: m for m in django_mail.outbox}
    assert set(by_to) == {mentor.user.email, mentee.user.email}
    assert "Mads Mentee" in by_to[mentor.user.email].subject
    assert "Mona Mentor" in by_to[mentee.user.email].subject
    assert f"/mentoring/pairs/{pair.pk}/" in by_to[mentee.user.email].body


def test_survey_invitation_links_to_token_but_outbox_never_stores_it(db, django_capture_on_commit_callbacks):
    invitation = InvitationFactory()
    with django_capture_on_commit_callbacks(execute=True):
        survey_tasks.invitation_send(invitation.pk)
    (sent,) = django_mail.outbox
    assert f"/surveys/answer/{invitation.token}/" in sent.body
    assert invitation.token in sent.alternatives[0][0]
    row = OutboxMessage.objects.get()
    assert row.status == Status.SENT
    assert invitation.token not in row.body_text
    assert invitation.token not in row.body_html
    assert invitation.token not in row.key
    invitation.refresh_from_db()
    assert invitation.sent_at is not None


def test_survey_reminder_only_to_unanswered_once_a_day_and_respects_preference(db, django_capture_on_commit_callbacks):
    survey = SurveyFactory()
    pending, answered, muted = (InvitationFactory(survey=survey) for _ in range(3))
    answered.answered = True
    answered.save()
    NotificationPreference.objects.create(user=muted.user, survey_reminders=False)
    with django_capture_on_commit_callbacks(execute=True):
        survey_services.survey_remind(survey=survey)
    with django_capture_on_commit_callbacks(execute=True):
        survey_tasks.invitations_remind(survey.pk)  # a second click the same day
    assert [m.to[0] for m in django_mail.outbox] == [pending.user.email]
    assert OutboxMessage.objects.get().kind == Kind.SURVEY_REMINDER


def test_reminder_not_sent_when_answered_before_its_turn(db, django_capture_on_commit_callbacks):
    invitation = InvitationFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        survey_notifications.reminders_queue(survey_id=invitation.survey_id)
    invitation.answered = True
    invitation.save()
    for callback in callbacks:
        callback()
    assert django_mail.outbox == []
    assert OutboxMessage.objects.get().status == Status.SUPERSEDED


def test_automatic_reminder_goes_once_for_surveys_closing_soon(db, django_capture_on_commit_callbacks):
    closing = SurveyFactory(closes_at=timezone.now() + timedelta(days=2))
    later = SurveyFactory(closes_at=timezone.now() + timedelta(days=20))
    soon, far = InvitationFactory(survey=closing), InvitationFactory(survey=later)
    with django_capture_on_commit_callbacks(execute=True):
        survey_tasks.surveys_remind_due()
    with django_capture_on_commit_callbacks(execute=True):
        survey_tasks.surveys_remind_due()
    assert [m.to[0] for m in django_mail.outbox] == [soon.user.email]
    assert far.user.email not in [m.to[0] for m in django_mail.outbox]
