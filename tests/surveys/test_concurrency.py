"""One person, one response, even when the same link is submitted twice at the same moment."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from surveys import services
from surveys.models import Answer, Response
from tests.surveys.factories import InvitationFactory


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submissions_store_one_response(monkeypatch):
    inv = InvitationFactory()
    answers = {q.pk: 4 for q in inv.survey.questionnaire.questions.likert()}
    barrier = threading.Barrier(2)
    real = services.invitation_for_token

    def read_then_wait(token):
        # Both requests have read "not answered yet" before either claims the invitation.
        invitation = real(token)
        barrier.wait(timeout=20)
        return invitation

    monkeypatch.setattr(services, "invitation_for_token", read_then_wait)
    outcomes = []

    def submit():
        try:
            services.response_submit(token=inv.token, answers=answers)
            outcomes.append("stored")
        except ValidationError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == [services.ALREADY_ANSWERED, "stored"]
    assert Response.objects.count() == 1
    assert Answer.objects.count() == len(answers)
