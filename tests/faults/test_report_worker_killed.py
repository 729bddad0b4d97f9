"""A worker killed (SIGKILL, like the out-of-memory killer) while it builds a large report.

The job must not read "building" for ever: once its worker has stopped writing its status for
REPORT_JOB_STALE seconds it reads as failed, and the next request builds the report again.
"""

import time

import pytest
from django.urls import reverse

from reports import jobs
from tests.faults.stack import record
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.faults, pytest.mark.integration]

STALE = 3.0  # seconds, for this test (production: 60)


@pytest.fixture
def quick_heartbeat(monkeypatch):
    """The worker writes the job's status every 0.5 s; the pages call it failed after 3 s."""
    monkeypatch.setenv("REPORT_JOB_HEARTBEAT", "0.5")
    monkeypatch.setattr(jobs, "JOB_STALE", STALE)


def test_worker_killed_mid_report_the_job_fails_visibly_and_is_built_again(
    client, hr_user, programme_data, monkeypatch, quick_heartbeat, celery_worker
):
    monkeypatch.setattr(jobs, "ASYNC_REGISTRATIONS", 0)  # every report is "large": built by the worker
    client.force_login(hr_user)
    url = reverse("reports:programme_pdf", args=[programme_data["programme"].pk])
    requests = 0

    assert client.get(url).status_code == 202
    requests += 1
    token = jobs.job_token("programme", _params(programme_data), hr_user)
    status_url = reverse("reports:job_status", args=[token])

    def state():
        nonlocal requests
        requests += 1
        return client.get(status_url).json()["state"]

    wait_for(lambda: (jobs.job_get(token) or {}).get("state") == "running", timeout=60, what="the build to start",
             worker=celery_worker)  # fmt: skip
    celery_worker.kill()
    killed = time.monotonic()
    assert state() == "running"  # just now: the page still shows progress

    wait_for(lambda: state() == "failed", timeout=STALE + 10, what="the job to read as failed")
    seen_failed = time.monotonic() - killed
    assert jobs.lookup(jobs.report_key("programme", _params(programme_data), hr_user)) is None

    # The next request builds it again, on a new worker.
    celery_worker.start()
    assert client.get(url).status_code == 202
    requests += 1
    wait_for(lambda: state() == "done", timeout=120, what="the report to be built again", worker=celery_worker)
    response = client.get(url)
    requests += 1
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    record(
        "report_worker_killed",
        {
            "requests": requests,
            "errors": {},
            "lost": 0,
            "duplicates": 0,
            "recovery_s": round(seen_failed, 1),
            "fault_s": 0,
        },
    )


def _params(data) -> dict:
    return {"programme_id": data["programme"].pk, "start": "", "end": ""}  # no period chosen
