from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from programmes.models import Registration, Session
from surveys import questionnaire as default_q
from surveys import services
from surveys.models import Answer, Invitation, Question, Questionnaire, Response, Survey
from tests.factories import LeaderFactory
from tests.surveys.factories import InvitationFactory, ProgrammeFactory, SurveyFactory, enrolled_leaders

pytestmark = pytest.mark.django_db


def _full_answers(survey, value=4):
    out = {}
    for q in survey.questionnaire.questions.all():
        out[q.pk] = value if q.is_likert else "Mer felles møteplasser"
    return out


def _nothing_stored():
    return Response.objects.count() == 0 and Answer.objects.count() == 0


# --- default questionnaire ----------------------------------------------------


def test_default_questionnaire_measures_every_factor_and_dimension_with_two_or_three_items_in_five_minutes():
    from toppleder import reference

    q = services.questionnaire_default_create()
    questions = list(q.questions.all())
    likert = [x for x in questions if x.is_likert]
    keys = [key for key, _label in reference.choices("collaboration_dimensions") + reference.choices("ten_factors")]
    per_key = {key: sum(1 for x in likert if x.dimension == key) for key in keys}
    assert all(2 <= n <= 3 for n in per_key.values()), per_key
    assert {x.dimension for x in likert} == set(keys)
    assert 1 <= len(questions) - len(likert) <= 2
    seconds = default_q.estimated_seconds(x.kind for x in questions)
    assert seconds <= 5 * 60 and not default_q.too_long(seconds)
    assert default_q.estimated_minutes(seconds) <= 5


def test_factor_items_are_our_own_and_distinct():
    texts = [text for _key, text in default_q.DEFAULT_LIKERT_ITEMS]
    assert len(texts) == len(set(texts))


def test_default_questionnaire_create_is_idempotent():
    a = services.questionnaire_default_create()
    b = services.questionnaire_default_create()
    assert a.pk == b.pk and Questionnaire.objects.filter(series=default_q.DEFAULT_SERIES).count() == 1


def test_estimate_warns_over_five_minutes():
    assert default_q.too_long(default_q.estimated_seconds(["likert"] * 30 + ["free_text"] * 2))
    assert not default_q.too_long(default_q.estimated_seconds(["likert"] * 28 + ["free_text"]))


# --- questionnaire editing and freezing --------------------------------------


def test_copy_makes_a_new_version_with_the_same_questions():
    q = services.questionnaire_default_create()
    copy = services.questionnaire_copy(questionnaire=q)
    assert copy.series == q.series and copy.version == 2
    assert list(copy.questions.values_list("text", flat=True)) == list(q.questions.values_list("text", flat=True))


def test_questions_replace_edits_an_unfrozen_questionnaire():
    q = services.questionnaire_default_create()
    services.questions_replace(
        questionnaire=q,
        questions=[{"kind": "likert", "text": "Ny", "dimension": "trust"}, {"kind": "free_text", "text": "Fritt"}],
    )
    assert list(q.questions.values_list("text", "order")) == [("Ny", 1), ("Fritt", 2)]


def test_questions_replace_refuses_more_than_thirty_scale_items():
    q = services.questionnaire_default_create()
    with pytest.raises(ValidationError):
        services.questions_replace(
            questionnaire=q, questions=[{"kind": "likert", "text": f"q{i}", "dimension": "trust"} for i in range(31)]
        )


def test_frozen_questionnaire_refuses_every_edit():
    inv = InvitationFactory()
    services.response_submit(token=inv.token, answers=_full_answers(inv.survey))
    q = Questionnaire.objects.get(pk=inv.survey.questionnaire_id)
    assert q.is_frozen
    before = list(q.questions.values_list("pk", "text"))
    with pytest.raises(ValidationError):
        services.questions_replace(questionnaire=q, questions=[{"kind": "likert", "text": "x", "dimension": "trust"}])
    with pytest.raises(ValidationError):
        services.questionnaire_update(questionnaire=q, name="Nytt navn")
    question = q.questions.first()
    question.text = "Endret"
    with pytest.raises(ValidationError):
        question.save()
    with pytest.raises(ValidationError):
        question.delete()
    with pytest.raises(ValidationError):
        Question(questionnaire=q, order=99, text="Ny", dimension="trust").save()
    assert list(q.questions.values_list("pk", "text")) == before
    assert Questionnaire.objects.get(pk=q.pk).name == q.name
    # ...but it can still be copied into an editable version.
    copy = services.questionnaire_copy(questionnaire=q)
    services.questionnaire_update(questionnaire=copy, name="Versjon 2")


# --- survey_create ----------------------------------------------------------


def test_survey_create_numbers_follow_up_waves():
    programme = ProgrammeFactory()
    q = services.questionnaire_default_create()
    now = timezone.now()
    base = services.survey_create(
        programme=programme,
        questionnaire=q,
        title="Før",
        kind="baseline",
        opens_at=now,
        closes_at=now + timedelta(days=7),
    )
    follow = services.survey_create(
        programme=programme,
        questionnaire=q,
        title="Etter",
        kind="follow_up",
        opens_at=now,
        closes_at=now + timedelta(days=7),
    )
    assert (base.wave, follow.wave) == (1, 2)
    assert base.series == follow.series == q.series


@pytest.mark.parametrize(
    "kwargs",
    [
        {"title": " "},
        {"kind": "nonsense"},
        {"closes_offset": -1},
        {"kind": "session_evaluation"},
        {"kind": "group_end"},
        {"kind": "pair_end"},
    ],
)
def test_survey_create_rejects_bad_input(kwargs):
    now = timezone.now()
    closes = now + timedelta(days=kwargs.pop("closes_offset", 7))
    args = {"title": "T", "kind": "pulse", **kwargs}
    with pytest.raises(ValidationError):
        services.survey_create(
            programme=ProgrammeFactory(),
            questionnaire=services.questionnaire_default_create(),
            opens_at=now,
            closes_at=closes,
            **args,
        )
    assert Survey.objects.count() == 0


# --- invitations ------------------------------------------------------------


def test_invite_programme_creates_one_invitation_per_enrolled_leader_and_queues_sending(
    django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(services.tasks.invitation_send, "delay", lambda pk: sent.append(pk))
    survey = SurveyFactory()
    enrolled_leaders(survey.programme, 3)
    with django_capture_on_commit_callbacks(execute=True):
        n = services.survey_invite(survey=survey, audience="programme")
    assert n == 3
    invitations = list(Invitation.objects.filter(survey=survey))
    assert sorted(sent) == sorted(i.pk for i in invitations)
    assert len({i.token for i in invitations}) == 3 and all(len(i.token) >= 40 for i in invitations)
    # Inviting again adds nobody and sends nothing.
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.survey_invite(survey=survey, audience="programme") == 0
    assert sent == []


def test_invite_session_attendees_only(monkeypatch):
    monkeypatch.setattr(services.tasks.invitation_send, "delay", lambda pk: None)
    survey = SurveyFactory(kind="session_evaluation")
    now = timezone.now()
    session = Session.objects.create(
        programme=survey.programme,
        kind="theme_gathering",
        title="S",
        starts_at=now,
        ends_at=now + timedelta(hours=2),
        capacity=10,
    )
    attended, absent = LeaderFactory(), LeaderFactory()
    Registration.objects.create(session=session, leader=attended, status="confirmed", attendance="attended")
    Registration.objects.create(session=session, leader=absent, status="confirmed", attendance="no_show")
    survey.session = session
    survey.save()
    assert services.survey_invite(survey=survey, audience="session") == 1
    assert list(Invitation.objects.values_list("user_id", flat=True)) == [attended.user_id]


def test_invite_rolled_back_sends_nothing(django_capture_on_commit_callbacks, monkeypatch):
    from django.db import transaction

    sent = []
    monkeypatch.setattr(services.tasks.invitation_send, "delay", lambda pk: sent.append(pk))
    survey = SurveyFactory()
    enrolled_leaders(survey.programme, 2)
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                services.survey_invite(survey=survey, audience="programme")
                raise RuntimeError
        except RuntimeError:
            pass
    assert sent == [] and Invitation.objects.count() == 0


def test_invite_refuses_closed_survey_and_empty_audience():
    closed = SurveyFactory(opens_at=timezone.now() - timedelta(days=9), closes_at=timezone.now() - timedelta(days=1))
    enrolled_leaders(closed.programme, 2)
    with pytest.raises(ValidationError):
        services.survey_invite(survey=closed, audience="programme")
    with pytest.raises(ValidationError):
        services.survey_invite(survey=SurveyFactory(), audience="programme")
    with pytest.raises(ValidationError):
        services.survey_invite(survey=SurveyFactory(), audience="everyone")
    assert Invitation.objects.count() == 0


def test_remind_queues_the_task_only_when_someone_has_not_answered(django_capture_on_commit_callbacks, monkeypatch):
    queued = []
    monkeypatch.setattr(services.tasks.invitations_remind, "delay", lambda pk: queued.append(pk))
    inv = InvitationFactory()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.survey_remind(survey=inv.survey) == 1
    assert queued == [inv.survey.pk]
    services.response_submit(token=inv.token, answers=_full_answers(inv.survey))
    with pytest.raises(ValidationError):
        services.survey_remind(survey=inv.survey)


# --- answering --------------------------------------------------------------


def test_submit_marks_invitation_and_stores_anonymous_response_with_segments():
    leader = LeaderFactory(level=2, organisation__kind="district", organisation__sector__code="HEL")
    inv = InvitationFactory(user=leader.user)
    services.response_submit(token=inv.token, answers=_full_answers(inv.survey, value=5))
    inv.refresh_from_db()
    assert inv.answered
    response = Response.objects.get()
    assert (response.sector_code, response.org_kind, response.leader_level) == ("HEL", "district", 2)
    assert response.answered_on == timezone.localdate()
    assert (
        Answer.objects.filter(response=response, value=5).count() == inv.survey.questionnaire.questions.likert().count()
    )
    assert Answer.objects.filter(response=response).exclude(text="").count() == 1


def test_a_person_can_answer_only_once():
    inv = InvitationFactory()
    services.response_submit(token=inv.token, answers=_full_answers(inv.survey))
    with pytest.raises(ValidationError) as exc:
        services.response_submit(token=inv.token, answers=_full_answers(inv.survey))
    assert exc.value.code == services.ALREADY_ANSWERED
    assert Response.objects.count() == 1


def test_claim_is_a_conditional_update(monkeypatch):
    """Two submissions that both pass the first check: only the one that claims stores."""
    inv = InvitationFactory()
    real = services.invitation_for_token
    monkeypatch.setattr(services, "invitation_for_token", lambda token: real(token))
    services.response_submit(token=inv.token, answers=_full_answers(inv.survey))
    # Simulate the race: the second caller read the invitation before the first claimed it.
    stale = Invitation.objects.select_related("survey", "survey__questionnaire").get(pk=inv.pk)
    stale.answered = False
    monkeypatch.setattr(services, "invitation_for_token", lambda token: stale)
    with pytest.raises(ValidationError) as exc:
        services.response_submit(token=inv.token, answers=_full_answers(inv.survey))
    assert exc.value.code == services.ALREADY_ANSWERED
    assert Response.objects.count() == 1


@pytest.mark.parametrize("token", ["", "nope", "x" * 65, "y" * 43])
def test_unknown_token_stores_nothing(token):
    InvitationFactory()
    with pytest.raises(ValidationError) as exc:
        services.response_submit(token=token, answers={})
    assert exc.value.code == services.UNKNOWN_TOKEN
    assert _nothing_stored()


def test_closed_survey_stores_nothing():
    inv = InvitationFactory(
        survey__opens_at=timezone.now() - timedelta(days=9), survey__closes_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(ValidationError) as exc:
        services.response_submit(token=inv.token, answers=_full_answers(inv.survey))
    assert exc.value.code == services.SURVEY_CLOSED
    assert _nothing_stored() and not Invitation.objects.get().answered


def test_not_yet_open_survey_stores_nothing():
    inv = InvitationFactory(
        survey__opens_at=timezone.now() + timedelta(days=1), survey__closes_at=timezone.now() + timedelta(days=9)
    )
    with pytest.raises(ValidationError) as exc:
        services.response_submit(token=inv.token, answers=_full_answers(inv.survey))
    assert exc.value.code == services.SURVEY_NOT_OPEN
    assert _nothing_stored()


@pytest.mark.parametrize("bad", [0, 6, -1, "abc", "3.5", True, 99])
def test_values_outside_the_scale_store_nothing(bad):
    inv = InvitationFactory()
    answers = _full_answers(inv.survey)
    first_likert = inv.survey.questionnaire.questions.likert().first()
    answers[first_likert.pk] = bad
    with pytest.raises(ValidationError) as exc:
        services.response_submit(token=inv.token, answers=answers)
    assert f"q{first_likert.pk}" in exc.value.message_dict
    assert _nothing_stored() and not Invitation.objects.get().answered


def test_missing_required_answer_stores_nothing():
    inv = InvitationFactory()
    answers = _full_answers(inv.survey)
    required = inv.survey.questionnaire.questions.filter(required=True).last()
    del answers[required.pk]
    with pytest.raises(ValidationError) as exc:
        services.response_submit(token=inv.token, answers=answers)
    assert f"q{required.pk}" in exc.value.message_dict
    assert _nothing_stored() and not Invitation.objects.get().answered


def test_optional_free_text_may_be_left_out():
    inv = InvitationFactory()
    answers = {q.pk: 3 for q in inv.survey.questionnaire.questions.likert()}
    services.response_submit(token=inv.token, answers=answers)
    assert Answer.objects.filter(text="").count() == len(answers)


def test_answer_to_a_question_of_another_questionnaire_stores_nothing():
    inv = InvitationFactory()
    other = services.questionnaire_copy(questionnaire=inv.survey.questionnaire)
    answers = _full_answers(inv.survey)
    answers[other.questions.first().pk] = 3
    with pytest.raises(ValidationError):
        services.response_submit(token=inv.token, answers=answers)
    assert _nothing_stored()


def test_scrub_refuses_open_survey_and_rewrites_claimed_invitations_when_closed():
    inv = InvitationFactory()
    services.response_submit(token=inv.token, answers=_full_answers(inv.survey))
    with pytest.raises(ValidationError):
        services.survey_scrub(survey=inv.survey)
    Survey.objects.filter(pk=inv.survey_id).update(closes_at=timezone.now() - timedelta(seconds=1))
    inv.survey.refresh_from_db()
    assert services.survey_scrub(survey=inv.survey) == 1


def test_invite_group_members_and_pair(monkeypatch):
    from reflection_groups.models import GroupMembership, MentorPair, ReflectionGroup

    monkeypatch.setattr(services.tasks.invitation_send, "delay", lambda pk: None)
    survey = SurveyFactory(kind="group_end")
    a, b, gone = LeaderFactory(), LeaderFactory(), LeaderFactory()
    group = ReflectionGroup.objects.create(programme=survey.programme, kind="self_driven", name="Gruppe 1")
    for leader, active in ((a, True), (b, True), (gone, False)):
        GroupMembership.objects.create(
            group=group, leader=leader, programme=survey.programme, kind="self_driven", active=active
        )
    survey.group_ref = group.pk
    survey.save()
    assert services.survey_invite(survey=survey, audience="group") == 2
    assert set(Invitation.objects.values_list("user_id", flat=True)) == {a.user_id, b.user_id}

    pair_survey = SurveyFactory(kind="pair_end", programme=survey.programme)
    mentor, mentee = LeaderFactory(), LeaderFactory()
    pair = MentorPair.objects.create(scheme="duo", programme=survey.programme, mentor=mentor, mentee=mentee)
    pair_survey.pair_ref = pair.pk
    pair_survey.save()
    assert services.survey_invite(survey=pair_survey, audience="pair") == 2
    assert set(Invitation.objects.filter(survey=pair_survey).values_list("user_id", flat=True)) == {
        mentor.user_id,
        mentee.user_id,
    }
    # A group of another programme is nobody.
    other = SurveyFactory(kind="group_end", group_ref=group.pk)
    with pytest.raises(ValidationError):
        services.survey_invite(survey=other, audience="group")


def test_questionnaire_edited_while_answering_stores_nothing(monkeypatch):
    inv = InvitationFactory()
    answers = _full_answers(inv.survey)
    real = services._segments_for

    def edit_in_between(user_id):
        # HR saves a new set of questions after the answers were validated.
        services.questions_replace(
            questionnaire=inv.survey.questionnaire, questions=[{"kind": "likert", "text": "Ny", "dimension": "trust"}]
        )
        return real(user_id)

    monkeypatch.setattr(services, "_segments_for", edit_in_between)
    with pytest.raises(ValidationError) as exc:
        services.response_submit(token=inv.token, answers=answers)
    assert exc.value.code == services.QUESTIONNAIRE_CHANGED
    assert _nothing_stored() and not Invitation.objects.get().answered


def test_nightly_scrub_rewrites_closed_surveys_only(db):
    from datetime import timedelta

    from django.utils import timezone

    from surveys.tasks import surveys_scrub_closed
    from tests.surveys.factories import InvitationFactory, SurveyFactory
    from toppleder.celery import app

    closed = SurveyFactory(closes_at=timezone.now() - timedelta(days=1), opens_at=timezone.now() - timedelta(days=9))
    still_open = SurveyFactory()
    InvitationFactory(survey=closed, answered=True)
    InvitationFactory(survey=still_open, answered=True)
    assert surveys_scrub_closed() == 1
    assert "surveys.tasks.surveys_scrub_closed" in {j["task"] for j in app.conf.beat_schedule.values()}
