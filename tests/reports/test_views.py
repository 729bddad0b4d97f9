"""/reports/…: who gets which report, bad input, the cache and the background path."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from programmes import reports
from programmes.models import Registration
from tests.factories import LeaderFactory, UserFactory
from tests.programmes.factories import ProgrammeFactory
from tests.reports.conftest import pdf_text

pytestmark = pytest.mark.django_db


def is_pdf(response):
    body = b"".join(response) if getattr(response, "streaming", False) else response.content
    return response.status_code == 200 and response["Content-Type"] == "application/pdf" and body.startswith(b"%PDF")


def urls_for(data):
    return [
        reverse("reports:index"),
        reverse("reports:session_pdf", args=[data["sessions"][0].pk]),
        reverse("reports:programme_pdf", args=[data["programme"].pk]),
        reverse("reports:my_record_pdf"),
        reverse("reports:summary_pdf"),
        reverse("reports:summary_csv"),
        reverse("reports:summary_xlsx"),
        reverse("reports:job_status", args=["x" * 32]),
    ]


def test_every_report_url_sends_anonymous_people_to_sign_in(client, programme_data):
    for url in urls_for(programme_data):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_every_report_url_refuses_post(client, admin_user, programme_data):
    client.force_login(admin_user)
    for url in urls_for(programme_data):
        assert client.post(url).status_code == 405, url


def test_leader_is_refused_hr_and_admin_reports(client, programme_data):
    leader = programme_data["leaders"][0]
    client.force_login(leader.user)
    assert client.get(reverse("reports:programme_pdf", args=[programme_data["programme"].pk])).status_code == 403
    for name in ("summary_pdf", "summary_csv", "summary_xlsx"):
        assert client.get(reverse(f"reports:{name}")).status_code == 403


def test_hr_gets_programme_and_session_reports_but_not_the_summary(client, hr_user, programme_data):
    client.force_login(hr_user)
    assert is_pdf(client.get(reverse("reports:programme_pdf", args=[programme_data["programme"].pk])))
    response = client.get(reverse("reports:session_pdf", args=[programme_data["sessions"][0].pk]))
    assert is_pdf(response)
    assert "Leder Nummer5" in pdf_text(response.content)  # HR version: the attendance list
    for name in ("summary_pdf", "summary_csv", "summary_xlsx"):
        assert client.get(reverse(f"reports:{name}")).status_code == 403


def test_leader_gets_counts_only_version_of_a_session_they_attended(client, programme_data):
    leader = programme_data["leaders"][3]
    client.force_login(leader.user)
    response = client.get(reverse("reports:session_pdf", args=[programme_data["sessions"][0].pk]))
    assert is_pdf(response)
    text = pdf_text(response.content)
    assert "Leder Nummer5" not in text and "Leder Nummer0" not in text


def test_leader_gets_404_for_a_session_they_did_not_attend(client, programme_data):
    leader = programme_data["leaders"][3]  # attended sessions 1 and 2, not 3
    client.force_login(leader.user)
    assert client.get(reverse("reports:session_pdf", args=[programme_data["sessions"][2].pk])).status_code == 404
    # Registered for the future session is not attended either.
    leader0 = programme_data["leaders"][0]
    client.force_login(leader0.user)
    assert client.get(reverse("reports:session_pdf", args=[programme_data["future"].pk])).status_code == 404
    assert client.get(reverse("reports:session_pdf", args=[999999])).status_code == 404


def test_leader_downloads_their_own_record(client, programme_data):
    leader = programme_data["leaders"][1]
    client.force_login(leader.user)
    response = client.get(reverse("reports:my_record_pdf"))
    assert is_pdf(response)
    text = pdf_text(response.content)
    assert "Leder Nummer1" in text and "Leder Nummer2" not in text


def test_people_without_a_role_get_403(client, hr_user, programme_data):
    nobody = UserFactory()
    client.force_login(nobody)
    assert client.get(reverse("reports:index")).status_code == 403
    assert client.get(reverse("reports:my_record_pdf")).status_code == 403
    assert client.get(reverse("reports:session_pdf", args=[programme_data["sessions"][0].pk])).status_code == 403
    client.force_login(hr_user)  # HR without a leader profile has no record of their own
    assert client.get(reverse("reports:my_record_pdf")).status_code == 403


def test_admin_gets_summary_pdf_csv_and_xlsx(client, admin_user, programme_data):
    client.force_login(admin_user)
    response = client.get(reverse("reports:summary_pdf"))
    assert is_pdf(response)
    response = client.get(reverse("reports:summary_csv"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:2] == ["Programme", "Period"]
    assert [
        'Toppleder <script>&"',
        "2026/27",
        "Participation by organisation",
        "Bydel Alna",
        "Attended all",
        "2",
    ] in rows
    response = client.get(reverse("reports:summary_xlsx"))
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert ['Toppleder <script>&"', "2026/27", "Participation by organisation", "Kulturetaten", "Enrolled", 3] in values


def test_summary_spreadsheets_defuse_formulas(client, admin_user, measure_areas):
    programme = ProgrammeFactory(name='=HYPERLINK("http://evil.example","x")', period="+2026")
    from tests.programmes.factories import SessionFactory

    SessionFactory(
        programme=programme,
        starts_at=timezone.now() - timedelta(days=2),
        ends_at=timezone.now() - timedelta(days=2, hours=-1),
    )
    client.force_login(admin_user)
    text = client.get(reverse("reports:summary_csv")).content.decode("utf-8-sig")
    for line in text.splitlines()[1:]:
        first = next(csv.reader([line], delimiter=";"))
        assert first[0].startswith("'=") and first[1] == "'+2026"
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(client.get(reverse("reports:summary_xlsx")).content)).active
    assert sheet["A2"].value.startswith("'=") and sheet["A2"].data_type == "s"


def test_bad_period_gives_a_clear_message_not_a_500(client, admin_user, programme_data):
    client.force_login(admin_user)
    url = reverse("reports:programme_pdf", args=[programme_data["programme"].pk])
    response = client.get(url, {"from": "2026-12-31", "to": "2026-01-01"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "The start date must be on or before the end date." in body or "Startdatoen må være" in body
    response = client.get(reverse("reports:summary_pdf"), {"from": "not-a-date"})
    assert response.status_code == 400
    assert "Enter a valid date." in response.content.decode() or "gyldig dato" in response.content.decode()


def test_period_filter_reaches_the_report(client, hr_user, programme_data):
    client.force_login(hr_user)
    url = reverse("reports:programme_pdf", args=[programme_data["programme"].pk])
    text = pdf_text(client.get(url, {"from": "2001-01-01", "to": "2001-02-01"}).content)
    assert re.search(r"Period: 1\. January 2001 – 1\. February 2001", text)
    assert "Bydel Alna" not in text


def test_nonexistent_programme_is_404(client, hr_user):
    client.force_login(hr_user)
    assert client.get(reverse("reports:programme_pdf", args=[999999])).status_code == 404


def test_index_lists_reports_for_hr_and_summary_for_admins(
    client, hr_user, admin_user, programme_data, django_assert_max_num_queries
):
    client.force_login(hr_user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("reports:index"), {"from": "2026-01-01"})
    body = response.content.decode()
    assert response.status_code == 200
    assert reverse("reports:programme_pdf", args=[programme_data["programme"].pk]) + "?from=2026-01-01" in body
    assert "Toppleder &lt;script&gt;&amp;&quot;" in body
    assert reverse("reports:summary_pdf") not in body
    client.force_login(admin_user)
    assert reverse("reports:summary_pdf") in client.get(reverse("reports:index")).content.decode()


def test_index_for_a_leader_shows_their_record_and_attended_sessions(client, programme_data):
    leader = programme_data["leaders"][2]  # attended session 1 only
    client.force_login(leader.user)
    body = client.get(reverse("reports:index")).content.decode()
    assert reverse("reports:my_record_pdf") in body
    assert reverse("reports:session_pdf", args=[programme_data["sessions"][0].pk]) in body
    assert reverse("reports:session_pdf", args=[programme_data["sessions"][1].pk]) not in body
    assert reverse("reports:programme_pdf", args=[programme_data["programme"].pk]) not in body


def test_cached_report_is_reused_until_the_data_changes(client, hr_user, programme_data, monkeypatch):
    client.force_login(hr_user)
    url = reverse("reports:programme_pdf", args=[programme_data["programme"].pk])
    first = client.get(url)
    assert is_pdf(first)
    calls = []
    real_build = reports.build
    monkeypatch.setattr(reports, "build", lambda *a, **k: calls.append(a) or real_build(*a, **k))
    assert client.get(url).content == first.content and calls == []
    # A new attendance changes the fingerprint, even through a bulk update() that leaves
    # updated_at alone: the report is built again.
    Registration.objects.filter(session=programme_data["sessions"][2], leader=programme_data["leaders"][4]).update(
        attendance=Registration.Attendance.ATTENDED
    )
    assert is_pdf(client.get(url)) and len(calls) == 1


def test_large_report_is_built_by_a_task_while_the_page_shows_progress(client, hr_user, programme_data, monkeypatch):
    from programmes import tasks

    monkeypatch.setattr(reports, "ASYNC_REGISTRATIONS", 0)
    queued = []
    monkeypatch.setattr(tasks.report_build, "delay", lambda *args: queued.append(args))
    client.force_login(hr_user)
    url = reverse("reports:programme_pdf", args=[programme_data["programme"].pk])
    response = client.get(url)
    assert response.status_code == 202
    body = response.content.decode()
    assert "<progress" in body and "report-progress.js" in body and f'href="{url}"' in body
    assert len(queued) == 1
    kind, params, user_id = queued[0]
    token = reports.job_token(kind, params, hr_user)
    status_url = reverse("reports:job_status", args=[token])
    assert client.get(status_url).json() == {"state": "queued", "progress": 0, "ready": False}
    # Asking again while it runs does not queue a second build.
    assert client.get(url).status_code == 202 and len(queued) == 1
    # Another person cannot see the job.
    other = LeaderFactory().user
    client.force_login(other)
    assert client.get(status_url).status_code == 404
    # The worker runs the task (twice: safe), then the page offers the PDF.
    tasks.report_build(kind, params, user_id)
    tasks.report_build(kind, params, user_id)
    client.force_login(hr_user)
    assert client.get(status_url).json()["ready"] is True
    assert is_pdf(client.get(url))


def test_with_eager_tasks_a_large_report_is_delivered_at_once(client, admin_user, programme_data, monkeypatch):
    monkeypatch.setattr(reports, "ASYNC_REGISTRATIONS", 0)
    client.force_login(admin_user)
    assert is_pdf(client.get(reverse("reports:summary_pdf")))


# Every /reports/ URL × every role, built from the URL resolver so a new URL without an
# expectation fails. Statuses for GET: 200 (or 302 to sign in), 403 missing role, 404 not yours.
EXPECTED = {
    #                 anonymous, no role, leader, HR, admin
    "index": (302, 403, 200, 200, 200),
    "session_pdf": (302, 403, 404, 200, 200),  # the session the leader did not attend
    "programme_pdf": (302, 403, 403, 200, 200),
    "my_record_pdf": (302, 403, 200, 403, 403),
    "summary_pdf": (302, 403, 403, 403, 200),
    "summary_csv": (302, 403, 403, 403, 200),
    "summary_xlsx": (302, 403, 403, 403, 200),
    "job_status": (302, 404, 404, 404, 404),  # nobody's job
}


def test_every_reports_url_has_a_permission_expectation():
    from toppleder import urls_reports

    assert {p.name for p in urls_reports.urlpatterns} == set(EXPECTED)


def test_permission_matrix_over_every_reports_url_and_role(client, programme_data, hr_user, admin_user, monkeypatch):
    from toppleder import pdf, urls_reports

    # The matrix is about access, not rendering: a stand-in PDF keeps it fast.
    monkeypatch.setattr(pdf, "render_pdf", lambda html: pdf.RenderResult(b"%PDF-1.7 stand-in", 1, 0.0))
    leader = programme_data["leaders"][3]  # did not attend session 3
    people = [None, UserFactory(), leader.user, hr_user, admin_user]
    args = {
        "session_pdf": [programme_data["sessions"][2].pk],
        "programme_pdf": [programme_data["programme"].pk],
        "job_status": ["0" * 32],
    }
    for pattern in urls_reports.urlpatterns:
        url = reverse(f"reports:{pattern.name}", args=args.get(pattern.name, []))
        for person, expected in zip(people, EXPECTED[pattern.name], strict=True):
            client.logout()
            if person is not None:
                client.force_login(person)
            status = client.get(url).status_code
            assert status == expected, (pattern.name, person, status)


def test_a_failing_render_gives_a_clear_page_not_a_500(client, hr_user, programme_data, monkeypatch):
    from toppleder import pdf

    def broken(html):
        raise RuntimeError("Pango fell over")

    monkeypatch.setattr(pdf, "render_pdf", broken)
    client.force_login(hr_user)
    response = client.get(reverse("reports:session_pdf", args=[programme_data["sessions"][0].pk]))
    assert response.status_code == 503
    assert "could not be made" in response.content.decode() or "kunne ikke lages" in response.content.decode()
    response = client.get(reverse("reports:programme_pdf", args=[programme_data["programme"].pk]))
    assert response.status_code == 503


def test_leader_dashboard_links_to_the_development_record(client, programme_data):
    client.force_login(programme_data["leaders"][0].user)
    body = client.get(reverse("dashboard")).content.decode()
    assert reverse("reports:my_record_pdf") in body and reverse("reports:index") in body
