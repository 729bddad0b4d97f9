"""/reports/… and /me/data.pdf: who gets which report, bad input, the cache, the background
path and what happens when WeasyPrint fails."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from programmes.models import Registration
from reports import jobs, pdf, tasks
from tests.factories import LeaderFactory, UserFactory
from tests.programmes.factories import ProgrammeFactory
from tests.reports.conftest import pdf_text

pytestmark = pytest.mark.django_db


def is_pdf(response):
    body = b"".join(response) if getattr(response, "streaming", False) else response.content
    return response.status_code == 200 and response["Content-Type"] == "application/pdf" and body.startswith(b"%PDF")


def count_renders(monkeypatch) -> list:
    """Every PDF WeasyPrint makes from now on (the real render still runs)."""
    renders = []
    real = pdf.render_pdf

    def counting(html):
        renders.append(html)
        return real(html)

    monkeypatch.setattr(pdf, "render_pdf", counting)
    return renders


def squeeze(text: str) -> str:
    return re.sub(r"[ \t]+", " ", text)


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


def test_index_with_a_bad_period_says_so_with_400(client, hr_user, programme_data):
    for user in (hr_user, programme_data["leaders"][0].user):
        client.force_login(user)
        response = client.get(reverse("reports:index"), {"from": "abc"})
        assert response.status_code == 400
        body = response.content.decode()
        assert "Enter a valid date." in body or "gyldig dato" in body


def test_a_malformed_job_address_is_404_before_sign_in(client):
    for token in ("9" * 3000, "abc", "x" * 31, "x" * 33):
        assert client.get(f"/reports/jobs/{token}/").status_code == 404


def test_period_filter_reaches_the_report(client, hr_user, programme_data):
    client.force_login(hr_user)
    url = reverse("reports:programme_pdf", args=[programme_data["programme"].pk])
    text = pdf_text(client.get(url, {"from": "2001-01-01", "to": "2001-02-01"}).content)
    assert re.search(r"Period: 1 January 2001 – 1 February 2001", text)
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


@pytest.mark.django_db(transaction=True)
def test_kept_report_is_rebuilt_the_moment_a_change_commits(client, hr_user, programme_data, monkeypatch):
    renders = count_renders(monkeypatch)
    client.force_login(hr_user)
    url = reverse("reports:programme_pdf", args=[programme_data["programme"].pk])
    first = client.get(url)
    assert is_pdf(first) and len(renders) == 1
    assert client.get(url).content == first.content and len(renders) == 1
    no_show = Registration.objects.filter(session=programme_data["sessions"][2], leader=programme_data["leaders"][4])
    # A change that is rolled back leaves the kept report current.
    with pytest.raises(RuntimeError), transaction.atomic():
        no_show.update(attendance=Registration.Attendance.ATTENDED)
        raise RuntimeError("rolled back")
    assert client.get(url).content == first.content and len(renders) == 1
    # A committed change, even a bulk update() that no signal sees: the next download is new.
    no_show.update(attendance=Registration.Attendance.ATTENDED)
    second = client.get(url)
    assert is_pdf(second) and len(renders) == 2
    assert "Kulturetaten Kultur og næring 3 2 1 0" in squeeze(pdf_text(second.content))
    assert client.get(url).content == second.content and len(renders) == 2


def test_a_change_inside_the_writers_own_transaction_is_never_hidden_by_the_kept_report(
    client, hr_user, programme_data, monkeypatch
):
    """Tests run in one transaction: what the writer changed (not yet committed) counts for it."""
    renders = count_renders(monkeypatch)
    client.force_login(hr_user)
    url = reverse("reports:programme_pdf", args=[programme_data["programme"].pk])
    assert is_pdf(client.get(url)) and is_pdf(client.get(url)) and len(renders) == 1
    Registration.objects.filter(session=programme_data["sessions"][2], leader=programme_data["leaders"][4]).update(
        attendance=Registration.Attendance.ATTENDED
    )
    assert "Kulturetaten Kultur og næring 3 2 1 0" in squeeze(pdf_text(client.get(url).content))
    assert len(renders) == 2


def test_kept_report_is_per_person_and_language(client, hr_user, programme_data, monkeypatch):
    renders = count_renders(monkeypatch)
    url = reverse("reports:programme_pdf", args=[programme_data["programme"].pk])
    client.force_login(hr_user)
    assert is_pdf(client.get(url)) and len(renders) == 1
    other_hr = type(hr_user).objects.get(pk=hr_user.pk)
    other_hr.language = "nb"
    other_hr.save(update_fields=["language"])
    nb = client.get(url)  # the footer and the words follow the reader
    assert is_pdf(nb) and len(renders) == 2 and "Side 1 av" in pdf_text(nb.content)
    from tests.factories import HRUserFactory

    client.force_login(HRUserFactory(language="nb", name="Helga HR"))
    third = client.get(url)
    assert len(renders) == 3 and "Helga HR" in pdf_text(third.content)


def test_large_report_is_built_by_a_task_while_the_page_shows_progress(client, hr_user, programme_data, monkeypatch):
    monkeypatch.setattr(jobs, "ASYNC_REGISTRATIONS", 0)
    renders = count_renders(monkeypatch)
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
    token = jobs.job_token(kind, params, hr_user)
    status_url = reverse("reports:job_status", args=[token])
    assert client.get(status_url).json() == {"state": "queued", "progress": 0, "ready": False}
    # Asking again while it runs does not queue a second build.
    assert client.get(url).status_code == 202 and len(queued) == 1
    # Another person cannot see the job.
    other = LeaderFactory().user
    client.force_login(other)
    assert client.get(status_url).status_code == 404
    # The worker runs the task (twice: safe, one build), then the page offers the PDF.
    tasks.report_build(kind, params, user_id)
    tasks.report_build(kind, params, user_id)
    assert len(renders) == 1
    client.force_login(hr_user)
    assert client.get(status_url).json() == {"state": "done", "progress": 100, "ready": True}
    assert is_pdf(client.get(url)) and len(renders) == 1
    # Once the data under it changes, the built PDF is no longer offered; asking again queues a new build.
    Registration.objects.filter(session=programme_data["sessions"][2], leader=programme_data["leaders"][4]).update(
        attendance=Registration.Attendance.ATTENDED
    )
    assert client.get(status_url).json()["state"] == "expired"
    assert client.get(url).status_code == 202 and len(queued) == 2


def test_the_task_keeps_the_name_queued_messages_use():
    from toppleder.celery import app

    assert tasks.report_build.name == "programmes.tasks.report_build"
    registered = app.tasks["programmes.tasks.report_build"]
    assert registered.run.__module__ == "reports.tasks"


def test_with_eager_tasks_a_large_report_is_delivered_at_once(client, admin_user, programme_data, monkeypatch):
    monkeypatch.setattr(jobs, "ASYNC_REGISTRATIONS", 0)
    client.force_login(admin_user)
    assert is_pdf(client.get(reverse("reports:summary_pdf")))


def test_a_large_report_that_cannot_be_rendered_says_so(client, admin_user, programme_data, monkeypatch):
    monkeypatch.setattr(jobs, "ASYNC_REGISTRATIONS", 0)
    break_weasyprint(monkeypatch)
    client.force_login(admin_user)
    response = client.get(reverse("reports:summary_pdf"))
    assert response.status_code == 202
    assert "could not be built" in response.content.decode() or "kunne ikke lages" in response.content.decode()


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
    from reports import urls as urls_reports

    assert {p.name for p in urls_reports.urlpatterns} == set(EXPECTED)


def test_permission_matrix_over_every_reports_url_and_role(client, programme_data, hr_user, admin_user, monkeypatch):
    from reports import urls as urls_reports

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


def break_weasyprint(monkeypatch):
    """WeasyPrint fails the way it does when a system library under it does."""
    import weasyprint

    def broken(self, *args, **kwargs):
        raise OSError("Pango fell over")

    monkeypatch.setattr(weasyprint.HTML, "render", broken)


def test_a_failing_render_gives_a_clear_page_not_a_500(client, hr_user, programme_data, monkeypatch, caplog):
    client.force_login(hr_user)
    programme_url = reverse("reports:programme_pdf", args=[programme_data["programme"].pk])
    with monkeypatch.context() as patch:
        break_weasyprint(patch)
        response = client.get(reverse("reports:session_pdf", args=[programme_data["sessions"][0].pk]))
        assert response.status_code == 503
        assert "could not be made" in response.content.decode() or "kunne ikke lages" in response.content.decode()
        assert "Pango fell over" in caplog.text  # logged with its cause
        assert client.get(programme_url).status_code == 503
    # Nothing was kept: once WeasyPrint works again the report is made.
    assert is_pdf(client.get(programme_url))


def test_a_mistake_in_a_reports_data_is_not_hidden_behind_the_failure_page(
    client, hr_user, programme_data, monkeypatch
):
    from reports import documents

    def buggy(*args, **kwargs):
        raise TypeError("a bug in the report's data")

    monkeypatch.setattr(documents, "session_report_data", buggy)
    client.force_login(hr_user)
    with pytest.raises(TypeError):
        client.get(reverse("reports:session_pdf", args=[programme_data["sessions"][0].pk]))


def test_my_data_pdf_has_the_persons_own_data(client, programme_data):
    leader = programme_data["leaders"][1]
    client.force_login(leader.user)
    url = reverse("my_data_pdf")
    assert url == "/me/data.pdf"
    response = client.get(url)
    assert is_pdf(response) and response["Content-Disposition"] == 'attachment; filename="mine-data.pdf"'
    text = pdf_text(response.content)
    assert leader.user.email in text and "Bydel Alna" in text
    assert programme_data["leaders"][2].user.email not in text
    assert client.post(url).status_code == 405
    client.logout()
    assert client.get(url).status_code == 302


def test_leader_dashboard_links_to_the_development_record(client, programme_data):
    client.force_login(programme_data["leaders"][0].user)
    body = client.get(reverse("dashboard")).content.decode()
    assert reverse("reports:my_record_pdf") in body and reverse("reports:index") in body
