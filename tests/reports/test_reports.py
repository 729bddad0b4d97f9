"""The reports' content, read back from the PDFs: figures, names, and what must never appear."""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from programmes.models import Registration
from reflection_groups.models import (
    GroupMeeting,
    GroupMembership,
    GroupNote,
    MeetingAttendance,
    MentorPair,
    PairMeeting,
    ReflectionGroup,
)
from reports.content.programme import programme_report_data, programme_survey_trends
from reports.content.session import session_report_data
from reports.documents import leader_record, programme_report, session_report, summary_report
from reports.period import Period
from surveys.models import Answer, Survey
from tests.factories import LeaderFactory
from tests.programmes.factories import ProgrammeFactory, SessionFactory
from tests.reports.conftest import NOTE_SECRET, PAIR_SECRET, pdf_flat, pdf_fonts, pdf_text, pypdf_reader, struct_alts
from tests.surveys.factories import QuestionFactory, QuestionnaireFactory, SurveyFactory, add_responses


def squeeze(text: str) -> str:
    """pdftotext -layout pads columns with spaces; compare with single spaces."""
    return re.sub(r"[ \t]+", " ", text)


@pytest.fixture
def groups_and_pairs(programme_data, hr_user):
    d = programme_data
    leaders = d["leaders"]
    group = ReflectionGroup.objects.create(
        programme=d["programme"], name="Refleksjonsgruppe Nord", status="published", facilitator=hr_user
    )
    for leader in leaders[:3]:
        GroupMembership.objects.create(group=group, leader=leader, programme=d["programme"], kind=group.kind)
    now = timezone.now()
    held = [GroupMeeting.objects.create(group=group, starts_at=now - timedelta(days=d)) for d in (20, 10)]
    GroupMeeting.objects.create(group=group, starts_at=now + timedelta(days=10))  # not held yet
    for meeting in held:
        for leader in leaders[:2]:
            MeetingAttendance.objects.create(meeting=meeting, leader=leader)
    GroupNote.objects.create(group=group, meeting=held[0], text=NOTE_SECRET)
    pair = MentorPair.objects.create(
        scheme="duo",
        programme=d["programme"],
        mentor=leaders[3],
        mentee=leaders[0],
        status="active",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
        goals="Mål som er private",
    )
    PairMeeting.objects.create(pair=pair, date=timezone.localdate() - timedelta(days=5), note=PAIR_SECRET)
    PairMeeting.objects.create(pair=pair, date=timezone.localdate() - timedelta(days=3), note=PAIR_SECRET)
    return {"group": group, "pair": pair}


@pytest.mark.django_db
def test_programme_report_shows_participation_by_organisation_and_sector(programme_data, groups_and_pairs, hr_user):
    result = programme_report(programme_data["programme"], user=hr_user)
    text = squeeze(pdf_text(result.pdf))
    # Organisation, sector, enrolled, at least one, at least half, all (see the fixture).
    assert "Bydel Alna Helse og velferd 2 2 2 2" in text
    assert "Kulturetaten Kultur og næring 3 1 1 0" in text
    assert "Sykehjemsetaten Helse og velferd 1 1 0 0" in text
    assert re.search(r"(Total|Totalt|Sum) 6 4 3 2", text)
    # Sessions per activity kind and per measure area (held only: the future one is not counted).
    assert re.search(r"Theme gathering 2\b", text)
    assert re.search(r"City government leader conference 1\b", text)
    assert re.search(r"Competence and leader support 2\b", text)
    assert re.search(r"Leader communication 0\b", text)
    # Escaped, printed literally; the PDF is not broken by it.
    assert 'Toppleder <script>&" 2026/27' in text
    # Groups and pairs: counts and meetings held, never the notes or the pair's goals.
    assert re.search(r"Reflection group 1 3 2 4|Refleksjonsgruppe 1 3 2 4", text)
    assert re.search(r"Duo \(existing top leaders\) 1 1 0 2|Duo.* 1 1 0 2", text)
    assert NOTE_SECRET not in text and PAIR_SECRET not in text and "private" not in text
    assert "Oslo-Sans" in pdf_fonts(result.pdf)
    assert result.pages >= 2


@pytest.mark.django_db
def test_programme_report_date_range_without_data_still_renders(programme_data, hr_user):
    period = Period(date(2001, 1, 1), date(2001, 12, 31))
    result = programme_report(programme_data["programme"], user=hr_user, period=period)
    text = squeeze(pdf_text(result.pdf))
    assert "0 sessions in the period" in text or "0 økter" in text.lower()
    assert "Bydel Alna" not in text  # nobody was enrolled before 2002


@pytest.mark.django_db
def test_empty_programme_report_says_there_is_nothing_to_report(hr_user, measure_areas):
    programme = ProgrammeFactory(name="Tomt program")
    text = squeeze(pdf_text(programme_report(programme, user=hr_user).pdf))
    assert "Tomt program" in text
    assert "There is no activity to report" in text or "ingen aktivitet" in text.lower()


@pytest.mark.django_db
def test_hr_session_report_lists_names_and_counts(programme_data, hr_user):
    session = programme_data["sessions"][0]
    text = squeeze(pdf_text(session_report(session, user=hr_user, hr_version=True).pdf))
    for i in range(6):
        assert f"Leder Nummer{i}" in text
    assert re.search(r"(Confirmed|Bekreftet) 6\b", text)
    assert re.search(r"(Attended|Deltok) 4\b", text)
    assert "Professor Plato, BI" in text
    assert "Etablere refleksjonsgrupper" in text
    assert "Dele erfaringer om turnus" in text


@pytest.mark.django_db
def test_leader_version_of_session_report_has_counts_but_no_names(programme_data, leader):
    session = programme_data["sessions"][0]
    text = squeeze(pdf_text(session_report(session, user=leader.user, hr_version=False).pdf))
    assert re.search(r"(Attended|Deltok) 4\b", text)
    assert "Leder Nummer" not in text.replace("for Liv Leder", "")
    # Not even per organisation: one attendee from an organisation would be a name.
    assert "Sykehjemsetaten" not in text
    # The commitment itself is there; its parties are counted, not named.
    assert "Dele erfaringer om turnus" in text and "2 leaders" in text


@pytest.mark.django_db
def test_session_without_registrations_renders(hr_user):
    session = SessionFactory(title="Ingen påmeldte", place="")
    text = squeeze(pdf_text(session_report(session, user=hr_user, hr_version=True).pdf))
    assert "Ingen påmeldte" in text
    assert "Nobody has registered" in text or "Ingen har meldt seg på" in text


@pytest.mark.django_db
def test_session_evaluation_under_k_shows_no_figure(programme_data, hr_user):
    session = programme_data["sessions"][1]
    past = timezone.now() - timedelta(days=1)
    survey = SurveyFactory(
        programme=programme_data["programme"],
        kind=Survey.Kind.SESSION_EVALUATION,
        session=session,
        series="",
        opens_at=past - timedelta(days=5),
        closes_at=past,
    )
    add_responses(survey, 3, values=[2])
    data = session_report_data(session, hr_version=True)
    assert data["surveys"]["rows"] == [] and len(data["surveys"]["reasons"]) == 1
    text = squeeze(pdf_text(session_report(session, user=hr_user, hr_version=True).pdf))
    assert "Too few answers" in text or "For få svar" in text
    assert "2,0" not in text and "2.0" not in text


@pytest.mark.django_db
def test_session_evaluation_at_k_or_more_shows_averages(programme_data, hr_user):
    session = programme_data["sessions"][1]
    past = timezone.now() - timedelta(days=1)
    survey = SurveyFactory(
        programme=programme_data["programme"],
        kind=Survey.Kind.SESSION_EVALUATION,
        session=session,
        series="",
        opens_at=past - timedelta(days=5),
        closes_at=past,
    )
    add_responses(survey, 6, values=[4, 5])
    rows = session_report_data(session, hr_version=True)["surveys"]["rows"]
    assert rows and all(r.overall.n == 6 and r.overall.mean == pytest.approx(4.5) for r in rows)
    text = pdf_text(session_report(session, user=hr_user, hr_version=True).pdf)
    assert "4,5" in text or "4.5" in text


@pytest.mark.django_db
def test_session_evaluation_question_answered_by_fewer_than_k_is_hidden(programme_data, hr_user):
    """Enough people answered the survey, but an optional question only three of them: that
    question shows no figure while the others do."""
    session = programme_data["sessions"][1]
    questionnaire = QuestionnaireFactory()
    QuestionFactory(questionnaire=questionnaire, order=1, text="Samlingen var nyttig")
    optional = QuestionFactory(questionnaire=questionnaire, order=2, text="Valgfritt spørsmål", required=False)
    past = timezone.now() - timedelta(days=1)
    survey = SurveyFactory(
        programme=programme_data["programme"],
        questionnaire=questionnaire,
        kind=Survey.Kind.SESSION_EVALUATION,
        session=session,
        series="",
        opens_at=past - timedelta(days=5),
        closes_at=past,
    )
    add_responses(survey, 6, values=[4])
    optional_answers = Answer.objects.filter(question=optional)
    optional_answers.filter(pk__in=list(optional_answers.values_list("pk", flat=True)[:3])).delete()
    optional_answers.update(value=1)
    rows = {r.label: r.overall for r in session_report_data(session, hr_version=True)["surveys"]["rows"]}
    assert rows["Samlingen var nyttig"].mean == pytest.approx(4)
    assert rows["Valgfritt spørsmål"].suppressed and rows["Valgfritt spørsmål"].mean is None
    text = squeeze(pdf_text(session_report(session, user=hr_user, hr_version=True).pdf))
    assert re.search(r"Samlingen var nyttig 6 4[.,]0", text)
    assert re.search(r"Valgfritt spørsmål hidden: too few answers", text)
    assert "1,0" not in text and "1.0" not in text


def two_closed_waves(programme):
    """A closed baseline and a closed follow-up of one questionnaire in a series."""
    now = timezone.now()
    baseline = SurveyFactory(
        programme=programme,
        kind="baseline",
        series="samhandling",
        wave=1,
        opens_at=now - timedelta(days=60),
        closes_at=now - timedelta(days=50),
    )
    follow = SurveyFactory(
        programme=programme,
        kind="follow_up",
        series="samhandling",
        wave=2,
        questionnaire=baseline.questionnaire,
        opens_at=now - timedelta(days=20),
        closes_at=now - timedelta(days=10),
    )
    return baseline, follow


@pytest.mark.django_db
def test_programme_report_survey_trends_between_waves(programme_data, hr_user):
    programme = programme_data["programme"]
    baseline, follow = two_closed_waves(programme)
    add_responses(baseline, 6, values=[2])
    add_responses(follow, 6, values=[4])
    [comparison] = programme_survey_trends(programme, Period())
    first = comparison.rows[0]
    assert first.mean_before == pytest.approx(2) and first.mean_after == pytest.approx(4)
    text = pdf_text(programme_report(programme, user=hr_user).pdf)
    assert ("2,0" in text or "2.0" in text) and ("4,0" in text or "4.0" in text)


@pytest.mark.django_db
def test_survey_trend_with_a_wave_under_k_shows_no_figure(programme_data, hr_user):
    programme = programme_data["programme"]
    baseline, follow = two_closed_waves(programme)
    add_responses(baseline, 3, values=[1])
    add_responses(follow, 6, values=[5])
    for line in programme_report_data(programme)["trends"]:
        assert line.suppressed and line.mean is None and line.n is None
    text = pdf_text(programme_report(programme, user=hr_user).pdf)
    assert "1,0" not in text and "1.0" not in text and "5,0" not in text and "5.0" not in text


@pytest.mark.django_db
def test_leader_record_covers_every_activity_kind_without_notes(programme_data, groups_and_pairs):
    leader = programme_data["leaders"][0]
    result = leader_record(leader, user=leader.user)
    text = squeeze(pdf_text(result.pdf))
    assert "Leder Nummer0" in text
    assert "Samling 1" in text and "Samling 3" in text
    assert re.search(r"Temasamling 2\b", text) and re.search(r"Byrådets ledersamling 1\b", text)
    flat = pdf_flat(result.pdf)
    assert "Refleksjonsgruppe Nord" in flat
    assert re.search(r"Mentee .*Leder Nummer3", flat)
    assert "Dele erfaringer om turnus" in text
    assert "Framtidig samling" in text  # registered for, listed as upcoming
    assert NOTE_SECRET not in text and PAIR_SECRET not in text and "Mål som er private" not in text


@pytest.mark.django_db
def test_leader_record_for_a_leader_with_nothing_yet(hr_user):
    leader = LeaderFactory(user__name="Ny Leder")
    text = pdf_text(leader_record(leader, user=leader.user).pdf)
    assert "Ny Leder" in text


@pytest.mark.django_db
def test_summary_has_cover_contents_with_page_numbers_and_a_section_per_programme(programme_data, admin_user):
    other = ProgrammeFactory(name="Nettverksprogram", period="2027")
    SessionFactory(
        programme=other,
        title="Nettverksmøte",
        starts_at=timezone.now() - timedelta(days=3),
        ends_at=timezone.now() - timedelta(days=3) + timedelta(hours=2),
    )
    result = summary_report(Period(), user=admin_user)
    pages = [squeeze(p) for p in pdf_text(result.pdf).split("\x0c")]
    assert "Programme summary" in pages[0] or "Programoppsummering" in pages[0]
    toc = pages[1]
    # Each programme in the contents with the page its section starts on.
    for name in ("Nettverksprogram 2027", 'Toppleder <script>&" 2026/27'):
        match = re.search(re.escape(name) + r"\s*(\d+)", toc)
        assert match, (name, toc)
        page_no = int(match.group(1))
        assert name in pages[page_no - 1]


@pytest.fixture
def frozen_now(time_machine):
    """The clock stopped at 17 May 2026, 12:00 in Oslo (before the data is made)."""
    now = datetime(2026, 5, 17, 12, 0, tzinfo=ZoneInfo("Europe/Oslo"))
    time_machine.move_to(now, tick=False)
    return now


@pytest.mark.django_db
def test_reports_are_norwegian_by_default(frozen_now, programme_data):
    from tests.factories import HRUserFactory

    nb_user = HRUserFactory(language="nb")
    result = programme_report(programme_data["programme"], user=nb_user)
    assert pypdf_reader(result.pdf).trailer["/Root"]["/Lang"] == "nb"
    text = pdf_text(result.pdf)
    # The report's date, in Norwegian: "17. mai 2026", not "17. May 2026".
    assert "17. mai 2026" in text and "May" not in text


@pytest.mark.django_db
def test_english_user_gets_an_english_report(programme_data, hr_user):
    result = programme_report(programme_data["programme"], user=hr_user)
    reader = pypdf_reader(result.pdf)
    assert reader.trailer["/Root"]["/Lang"] == "en"
    text = pdf_text(result.pdf)
    assert "Programme progress report" in text and "Page 1 of" in text
    # Tagged PDF: every chart is a Figure with its text alternative (the data table follows it).
    alts = [alt for kind, alt in struct_alts(result.pdf)]
    assert any(alt.startswith("Participation by sector.") for alt in alts), alts
    assert any(alt.startswith("Sessions held per activity kind.") for alt in alts), alts


@pytest.mark.django_db
def test_programme_report_queries_do_not_grow_with_the_data(programme_data, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    programme = programme_data["programme"]
    with CaptureQueriesContext(connection) as small:
        programme_report_data(programme)
    # Ten more organisations' leaders, each attending every held session.
    for i in range(10):
        leader = LeaderFactory(user__name=f"Ekstra {i}")
        programme.enrolments.create(leader=leader)
        for s in programme_data["sessions"]:
            Registration.objects.create(session=s, leader=leader, status="confirmed", attendance="attended")
    with django_assert_max_num_queries(len(small.captured_queries)):
        data = programme_report_data(programme)
    assert data["participation"]["total"]["enrolled"] == 16
    assert data["participation"]["total"]["all"] == 12
