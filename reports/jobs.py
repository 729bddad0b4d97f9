"""Reports built ahead of the download: the cached PDF, and large reports built by a task.

The programme report and the summary are kept with `toppleder.caching.cached` under a key
of kind, parameters, person and language (the footer names the person the report was made
for). The cache's one rule decides when a kept PDF is stale: the moment a write to any table
its build read commits. Large reports (more registrations than ASYNC_REGISTRATIONS) are
built by the Celery task `reports.tasks.report_build` while the page polls a job status
kept in the cache.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy

from programmes.models import Programme, Registration
from reports import documents, pdf
from reports.period import Period
from toppleder.caching import cached, lookup

logger = logging.getLogger(__name__)

# A built PDF is kept this long at most, also when nothing changes: the report says when it
# was made, and what only the clock changes (a session that has begun) must show up too.
REPORT_TTL = 24 * 60 * 60
JOB_TTL = 60 * 60
# A job's status carries the time it was last written (`beat`); the worker building it writes
# it at least every JOB_HEARTBEAT seconds. A queued or running job not written for JOB_STALE
# seconds belongs to a worker that died (killed, out of memory) or a lost task: it reads as
# failed, so the page says so and the next request builds the report again.
JOB_HEARTBEAT = getattr(settings, "REPORT_JOB_HEARTBEAT", 10)
JOB_STALE = getattr(settings, "REPORT_JOB_STALE", 60)
# A report over more registrations than this is built by the task, not in the request.
ASYNC_REGISTRATIONS = 3000

REPORT_TITLES = {
    "programme": gettext_lazy("Programme progress report"),
    "summary": gettext_lazy("Programme summary"),
}


def report_key(kind: str, params: dict, user) -> str:
    """Where a built report is kept: kind, parameters, person and language."""
    return f"report:pdf:{kind}:{urlencode(sorted(params.items()))}:u{user.pk}:{documents.user_language(user)}"


def is_large(kind: str, params: dict) -> bool:
    if kind == "summary":
        return Registration.objects.count() > ASYNC_REGISTRATIONS
    if kind == "programme":
        return Registration.objects.filter(session__programme_id=params["programme_id"]).count() > ASYNC_REGISTRATIONS
    return False


def build(kind: str, params: dict, user, progress: Callable[[int], None] | None = None) -> bytes:
    """Build one report from plain parameters (shared by the view and the Celery task)."""
    period = Period.from_params(params)
    if kind == "programme":
        programme = Programme.objects.get(pk=params["programme_id"])
        return documents.programme_report(programme, user=user, period=period, progress=progress).pdf
    if kind == "summary":
        return documents.summary_report(period, user=user, progress=progress).pdf
    raise ValueError(f"Unknown report kind {kind!r}")


def report_cached(kind: str, params: dict, user) -> bytes:
    """The report's PDF: the kept one while its data is unchanged, else built (and kept) now."""
    return cached(report_key(kind, params, user), lambda: build(kind, params, user), timeout=REPORT_TTL)


# --------------------------------------------------------------------------- jobs
def job_token(kind: str, params: dict, user) -> str:
    """The job's name in its status URL: one job per report key, which it does not reveal."""
    return hashlib.sha256(report_key(kind, params, user).encode()).hexdigest()[:32]


def job_get(token: str) -> dict | None:
    job = cache.get("report:job:" + token)
    if job and job.get("state") in ("queued", "running") and time.time() - job.get("beat", 0) > JOB_STALE:
        return {**job, "state": "failed", "stalled": True}
    return job


def job_set(token: str, **status) -> None:
    cache.set("report:job:" + token, {**status, "beat": time.time()}, JOB_TTL)


def job_ready(job: dict) -> bool:
    """True when the job is done and the PDF it built is still current."""
    return job.get("state") == "done" and lookup(job.get("key", "")) is not None


def build_into_cache(kind: str, params: dict, user) -> bool:
    """Build a report into the cache, keeping its job status up to date (the task's body).

    Safe to run twice: a second run finds the PDF kept and current and only marks the job
    done. A WeasyPrint failure marks the job failed and is logged; any other error marks it
    failed and propagates, so the worker logs it as the bug it is.
    """
    key = report_key(kind, params, user)
    token = job_token(kind, params, user)

    current = {"state": "running", "progress": 5}
    lock = threading.Lock()

    def status(state: str, progress: int) -> None:
        with lock:
            current.update(state=state, progress=progress)
            job_set(token, **current, key=key, user_id=user.pk)

    if lookup(key) is not None:
        status("done", 100)
        return True
    status("running", 5)
    # While the build runs (a long PDF phase writes no progress), its status is written again
    # every JOB_HEARTBEAT seconds; a killed worker stops writing, and the job reads as failed.
    finished = threading.Event()

    def heartbeat() -> None:
        while not finished.wait(JOB_HEARTBEAT):
            status(current["state"], current["progress"])

    threading.Thread(target=heartbeat, name=f"report-job-{token[:8]}", daemon=True).start()
    built = False
    try:
        cached(key, lambda: build(kind, params, user, progress=lambda p: status("running", p)), timeout=REPORT_TTL)
        built = True
    except pdf.RenderFailed:
        logger.exception("report %s %s could not be rendered", kind, params)
    finally:
        finished.set()
        status("done" if built else "failed", 100)
    return built
