"""The parts of `make bench` that run inside Django, one command per call, JSON on stdout.

bench/run.py calls this in a subprocess with DATABASE_URL pointing at the data set being
measured (small, large, 2x, 4x), so the orchestrator itself never imports Django.
"""

import json
import os
import sys
from importlib import import_module
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "toppleder.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from toppleder.models import User  # noqa: E402

LEADER = "leder001@toppleder.example"
HR = "hr@toppleder.example"


def session_cookie(user) -> str:
    """A signed-in session for `user`, as the login view would leave it (MFA done for staff)."""
    # The configured engine (cached_db), so the session is where gunicorn will look first.
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store["mfa_ok"] = True
    store.create()
    return store.session_key


def signed_in_client(users: dict, role: str | None) -> Client:
    """A test client signed in as `role` (MFA done for staff), or anonymous for None."""
    client = Client()
    if role:
        client.force_login(users[role])
        session = client.session
        session["mfa_ok"] = True
        session.save()
    return client


def key_pages() -> list[dict]:
    """The pages the issue names, with real ids from this data set."""
    from programmes.models import Programme, Registration, Session

    leader = User.objects.get(email=LEADER).leader
    reg = (
        Registration.objects.filter(leader=leader, session__status=Session.Status.PUBLISHED)
        .select_related("session")
        .order_by("-session__starts_at")
        .first()
    )
    session = reg.session if reg else Session.objects.filter(status=Session.Status.PUBLISHED).first()
    programme = session.programme if session else Programme.objects.first()
    pages = [
        {"name": "floor: /healthz/live", "path": reverse("healthz_live"), "role": None, "floor": "anonymous"},
        {
            "name": "floor: signed in (/healthz/me)",
            "path": reverse("healthz_me"),
            "role": "leader",
            "floor": "signed_in",
        },
        {"name": "leader dashboard", "path": reverse("dashboard"), "role": "leader"},
        {"name": "session page", "path": reverse("programmes:session_detail", args=[session.pk]), "role": "leader"},
        {
            "name": "programme overview (HR)",
            "path": reverse("programmes:programme_detail", args=[programme.pk]),
            "role": "hr",
        },
        {"name": "HR enrolment list", "path": reverse("programmes:enrolment_list", args=[programme.pk]), "role": "hr"},
    ]
    from surveys.models import Survey

    survey = Survey.objects.order_by("pk").first()
    if survey:
        pages.append(
            {"name": "survey results (HR)", "path": reverse("surveys:survey_results", args=[survey.pk]), "role": "hr"}
        )
    return pages


def cmd_pages():
    """The key pages, each with the Cookie header of a signed-in browser for its role: the
    session and the CSRF cookie (set by the sign-in form, sent with every later request)."""
    from django.utils.crypto import get_random_string

    users = {"leader": User.objects.get(email=LEADER), "hr": User.objects.get(email=HR)}
    cookies = {
        role: f"{settings.SESSION_COOKIE_NAME}={session_cookie(u)}; {settings.CSRF_COOKIE_NAME}={get_random_string(32)}"
        for role, u in users.items()
    }
    pages = key_pages()
    for page in pages:
        page["cookie"] = cookies.get(page["role"])
    return {"pages": pages}


def cmd_queries():
    """SQL queries and status per key page, in-process (the same count a request makes):
    `queries` with what is cached warm (a second visit, nothing changed), `queries_built`
    just after a change to every table (cached page parts are built again)."""
    from toppleder import caching

    users = {"leader": User.objects.get(email=LEADER), "hr": User.objects.get(email=HR)}
    out = {}
    for page in key_pages():
        client = signed_in_client(users, page["role"])
        client.get(page["path"])  # warm caches the way a second visit would see them
        with CaptureQueriesContext(connection) as ctx:
            resp = client.get(page["path"])
        caching.bump_all()  # as if every table had just been written to
        with CaptureQueriesContext(connection) as built:
            client.get(page["path"])
        out[page["name"]] = {
            "queries": len(ctx.captured_queries),
            "queries_built": len(built.captured_queries),
            "status": resp.status_code,
        }
    return out


def cmd_sql(only: str = ""):
    """Every SQL statement per key page (for profiling by hand: `django_side.py sql [name]`)."""
    users = {"leader": User.objects.get(email=LEADER), "hr": User.objects.get(email=HR)}
    out = {}
    for page in key_pages():
        if only and only not in page["name"]:
            continue
        client = signed_in_client(users, page["role"])
        client.get(page["path"])
        with CaptureQueriesContext(connection) as ctx:
            client.get(page["path"])
        out[page["name"]] = [f"{float(q['time']) * 1000:.1f} ms  {q['sql'][:400]}" for q in ctx.captured_queries]
    return out


def _programme():
    """The demo programme (the one seed_demo fills: the most sessions)."""
    from django.db.models import Count

    from programmes.models import Programme

    return Programme.objects.annotate(n=Count("sessions")).order_by("-n", "pk").first()


def cmd_pdf():
    """Programme progress report at this size: total seconds (data + HTML + PDF), pages, and
    WeasyPrint's own render of the same final HTML, interleaved three times (fastest of each:
    the machine is shared); peak traced Python memory of one build and this process's peak RSS.
    The building blocks are the reports app's own (what the /reports/ view runs)."""
    import resource
    import time
    import tracemalloc

    from django.template.loader import render_to_string
    from django.utils import translation

    from reports import documents, pdf
    from reports.content.programme import programme_report_data

    hr = User.objects.get(email=HR)
    programme = _programme()

    def build():
        data = programme_report_data(programme)
        html = render_to_string(
            "reports/programme.html", documents.report_context("Programme progress report", hr, **data)
        )
        return html, pdf.render_pdf(html)

    with translation.override(documents.user_language(hr)):
        build()  # warm-up: fontconfig, fonts, templates
        totals, floors, data_only = [], [], []
        for _ in range(3):
            started = time.perf_counter()
            html, result = build()
            totals.append(time.perf_counter() - started)
            started = time.perf_counter()
            pdf.render_pdf(html)
            floors.append(time.perf_counter() - started)
            started = time.perf_counter()
            programme_report_data(programme)
            data_only.append(time.perf_counter() - started)
        tracemalloc.start()
        try:
            build()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    total, floor = min(totals), min(floors)
    return {
        "seconds": round(total, 2),
        "pages": result.pages,
        "html_bytes": len(html),
        "render_seconds": round(floor, 2),
        "data_seconds": round(min(data_only), 2),
        "ratio": round(total / floor, 2),
        "peak_mb": round(peak / 1e6, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def cmd_report_seconds():
    """Growth: one build of the programme report (data + HTML + PDF), after a warm-up render."""
    import time

    from reports.documents import programme_report

    hr = User.objects.get(email=HR)
    programme = _programme()
    programme_report(programme, user=hr)  # warm-up: fontconfig, fonts, templates
    times = []
    for _ in range(3):
        started = time.perf_counter()
        result = programme_report(programme, user=hr)
        times.append(time.perf_counter() - started)
    return {"seconds": round(min(times), 2), "pages": result.pages}


def cmd_page_ms(names: str, repeat: str = "20"):
    """In-process fastest, median and p90 time and SQL count of the named key pages, as a
    second visit sees them (cached parts) and built again after a change. The pages take
    turns, one request each per round, so a page and the floor are timed seconds apart
    rather than one after the other's whole series: on a shared machine whose speed drifts,
    the ratio of two series timed a minute apart measured the drift."""
    import statistics
    import time

    from toppleder import caching

    users = {"leader": User.objects.get(email=LEADER), "hr": User.objects.get(email=HR)}
    wanted = set(names.split(","))
    pages = [page for page in key_pages() if page["name"] in wanted]
    clients, queries = {}, {}
    for page in pages:
        client = clients[page["name"]] = signed_in_client(users, page["role"])
        client.get(page["path"])
        with CaptureQueriesContext(connection) as ctx:
            client.get(page["path"])
        queries[page["name"]] = len(ctx.captured_queries)  # now: every request clears the query log
    times = {page["name"]: [] for page in pages}
    built = {page["name"]: [] for page in pages}  # the same page built again after a change to every table
    for series, bump in ((times, False), (built, True)):
        for _ in range(int(repeat)):
            for page in pages:
                if bump:
                    caching.bump_all()
                started = time.perf_counter()
                clients[page["name"]].get(page["path"])
                series[page["name"]].append((time.perf_counter() - started) * 1000)
    out = {}
    for page in pages:
        t, b = sorted(times[page["name"]]), sorted(built[page["name"]])
        out[page["name"]] = {
            "min_ms": round(t[0], 1),
            "median_ms": round(statistics.median(t), 1),
            "p90_ms": round(t[int(len(t) * 0.9) - 1], 1),
            "built_min_ms": round(b[0], 1),
            "built_median_ms": round(statistics.median(b), 1),
            "built_p95_ms": round(b[max(0, int(len(b) * 0.95) - 1)], 1),
            "queries": queries[page["name"]],
        }
    return out


def _forget_survey(pk: int) -> None:
    """The survey's kept figures and rendered bodies out of the cache: as just after it closed."""
    from django.core.cache import cache

    client = cache._cache.get_client(write=True)
    for pattern in (f"surveys:figures:{pk}:*", f"surveys:results-body:{pk}:*"):
        keys = list(client.scan_iter(match=cache.make_key(pattern), count=1000))
        if keys:
            client.delete(*keys)


def cmd_after_close(repeat: str = "5"):
    """The survey results (HR) as the first visit after the survey closed sees them: the
    survey's kept figures and bodies are dropped, then the beat task that computes the
    figures of surveys that closed runs as a worker runs it (`warmed`), or not at all
    (`unwarmed`, how it was before that task), then every table is marked written and the page
    is opened once, interleaved with the signed-in floor built the same way. In-process."""
    import statistics
    import time

    from toppleder import caching

    users = {"leader": User.objects.get(email=LEADER), "hr": User.objects.get(email=HR)}
    pages = {p["name"]: p for p in key_pages()}
    page, floor = pages["survey results (HR)"], pages["floor: signed in (/healthz/me)"]
    from surveys import results

    survey_pk = int(page["path"].strip("/").split("/")[-2])
    try:
        from surveys.tasks import survey_figures_warm
    except ImportError:  # code from before the task
        survey_figures_warm = None
    hr, leader = signed_in_client(users, "hr"), signed_in_client(users, "leader")
    hr.get(page["path"])
    leader.get(floor["path"])
    if survey_figures_warm is not None:
        survey_figures_warm.apply()  # the other closed surveys' figures, as beat has kept them
    out = {}
    for mode in ("warmed", "unwarmed"):
        if mode == "warmed" and survey_figures_warm is None:
            continue
        page_ms, floor_ms, task_s = [], [], []
        for _ in range(int(repeat)):
            _forget_survey(survey_pk)
            if mode == "warmed":
                started = time.perf_counter()
                survey_figures_warm.apply()  # eager: the task's code, in this process
                task_s.append(time.perf_counter() - started)
            caching.bump_all()
            started = time.perf_counter()
            leader.get(floor["path"])
            floor_ms.append((time.perf_counter() - started) * 1000)
            caching.bump_all()
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as ctx:
                resp = hr.get(page["path"])
            page_ms.append((time.perf_counter() - started) * 1000)
            assert resp.status_code == 200, resp.status_code
        p95 = lambda xs: sorted(xs)[max(0, int(len(xs) * 0.95) - 1)]  # noqa: E731
        out[mode] = {
            "median_ms": round(statistics.median(page_ms), 1),
            "p95_ms": round(p95(page_ms), 1),
            "floor_median_ms": round(statistics.median(floor_ms), 1),
            "floor_p95_ms": round(p95(floor_ms), 1),
            "p50_x_floor": round(statistics.median(page_ms) / max(statistics.median(floor_ms), 1e-6), 2),
            "p95_x_floor": round(p95(page_ms) / max(p95(floor_ms), 1e-6), 2),
            "queries": len(ctx.captured_queries),
            "task_median_s": round(statistics.median(task_s), 2) if task_s else None,
            "repeat": int(repeat),
        }
    out["figures_timeout_s"] = results.FIGURES_TIMEOUT
    return out


def cmd_counts():
    from programmes.models import ProgrammeEnrolment, Registration, Session
    from toppleder.models import Leader

    out = {
        "leaders": Leader.objects.count(),
        "enrolments": ProgrammeEnrolment.objects.count(),
        "sessions": Session.objects.count(),
        "registrations": Registration.objects.count(),
    }
    try:
        from surveys.models import Invitation

        out["survey_invitations"] = Invitation.objects.count()
    except ImportError:
        pass
    return out


def cmd_matching():
    from reflection_groups.bench import run

    return run()


def cmd_profile(name: str, repeat: str = "10", sort: str = "cumulative"):
    """cProfile of one key page over `repeat` requests, each built as after a change (by hand:
    `django_side.py profile 'session page' 20 tottime`)."""
    import cProfile
    import io
    import pstats

    from toppleder import caching

    users = {"leader": User.objects.get(email=LEADER), "hr": User.objects.get(email=HR)}
    page = next(p for p in key_pages() if p["name"] == name)
    client = signed_in_client(users, page["role"])
    client.get(page["path"])
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(int(repeat)):
        caching.bump_all()
        client.get(page["path"])
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats(sort).print_stats(90)
    print(buf.getvalue(), file=sys.stderr)
    return {}


def cmd_rush_setup(n: int, capacity: int):
    """A published session of `capacity` seats and `n` enrolled leaders with signed-in sessions."""
    from datetime import timedelta

    from django.utils import timezone

    from programmes.models import Programme, ProgrammeEnrolment, Session
    from toppleder.models import Leader

    programme = Programme.objects.create(name="Bench: påmeldingsrush", period="bench", status="running")
    start = timezone.now() + timedelta(days=30)
    session = Session.objects.create(
        programme=programme,
        kind="theme_gathering",
        title="Rush",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        format="in_person",
        place="Rådhuset",
        capacity=capacity,
        status=Session.Status.PUBLISHED,
    )
    leaders = list(Leader.objects.select_related("user").order_by("pk")[:n])
    ProgrammeEnrolment.objects.bulk_create([ProgrammeEnrolment(programme=programme, leader=lead) for lead in leaders])
    cookies = [session_cookie(lead.user) for lead in leaders]
    path = reverse("programmes:registration_create", args=[session.pk])
    return {
        "session_id": session.pk,
        "path": path,
        "cookies": cookies,
        "session_cookie_name": settings.SESSION_COOKIE_NAME,
    }


def cmd_rush_check(session_id: int):
    from django.db.models import Count

    from programmes.models import Registration

    counts = dict(
        Registration.objects.filter(session_id=session_id)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    positions = sorted(
        Registration.objects.filter(session_id=session_id, status="waitlisted").values_list(
            "waitlist_position", flat=True
        )
    )
    return {"counts": counts, "waitlist_positions_contiguous": positions == list(range(1, len(positions) + 1))}


def cmd_mixed_setup(readers: int, writers: int):
    """Many people at once: `readers` distinct leaders, each with a session of their own and a
    published upcoming session to open, and `writers` other leaders, each with a session
    they are not registered for to sign up for and cancel again (the demo programme's
    sessions open to everyone, the full one included, so waiting lists and promotions
    happen). HR gets a session of its own too."""
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from programmes.models import Registration, Session
    from toppleder.models import Leader

    now = timezone.now()
    sessions = list(
        Session.objects.published()
        .filter(starts_at__gt=now, reserved_for_groups__isnull=True)
        .exclude(registration_deadline__lte=now)
        .order_by("starts_at", "pk")
        .values_list("pk", flat=True)
    )
    if not sessions:
        raise SystemExit("no published upcoming session open to everyone")
    leaders = list(Leader.objects.select_related("user").order_by("pk")[: readers + writers])
    if len(leaders) < readers + writers:
        raise SystemExit(f"only {len(leaders)} leaders: need {readers + writers}")

    def cookie(user) -> tuple[str, str]:
        csrf = get_random_string(32)
        return f"{settings.SESSION_COOKIE_NAME}={session_cookie(user)}; {settings.CSRF_COOKIE_NAME}={csrf}", csrf

    reader_rows = []
    for k, leader in enumerate(leaders[:readers]):
        header, _csrf = cookie(leader.user)
        path = reverse("programmes:session_detail", args=[sessions[k % len(sessions)]])
        reader_rows.append({"cookie": header, "session_path": path})
    active = set(
        Registration.objects.filter(
            leader__in=leaders[readers:], status__in=[Registration.Status.CONFIRMED, Registration.Status.WAITLISTED]
        ).values_list("leader_id", "session_id")
    )
    writer_rows = []
    for k, leader in enumerate(leaders[readers:]):
        target = next(
            (
                sessions[(k + j) % len(sessions)]
                for j in range(len(sessions))
                if (leader.pk, sessions[(k + j) % len(sessions)]) not in active
            ),
            None,
        )
        if target is None:
            continue
        header, csrf = cookie(leader.user)
        writer_rows.append(
            {
                "cookie": header,
                "csrf": csrf,
                "create": reverse("programmes:registration_create", args=[target]),
                "cancel": reverse("programmes:registration_cancel", args=[target]),
            }
        )
    hr = User.objects.get(email=HR)
    pages = {p["name"]: p["path"] for p in key_pages()}
    return {
        "readers": reader_rows,
        "writers": writer_rows,
        "hr_cookies": [cookie(hr)[0] for _ in range(4)],
        "paths": pages,
        "sessions": len(sessions),
        "login_path": reverse(settings.LOGIN_URL),
    }


def cmd_seat_check():
    """After the load: sessions with more confirmed than seats, and counters that differ from
    the registrations they count (both must be empty)."""
    from django.db.models import Count, F, Q

    from programmes.models import Registration, Session

    # A hybrid session has two capacities: seats in the room (`capacity`) and places online
    # (`online_capacity`, none = no limit); each is checked against its own registrations.
    confirmed = Q(registrations__status=Registration.Status.CONFIRMED)
    online = Q(registrations__mode=Registration.Mode.ONLINE)
    over = list(
        Session.objects.annotate(
            real=Count("registrations", filter=confirmed & ~online),
            real_online=Count("registrations", filter=confirmed & online),
        )
        .filter(Q(real__gt=F("capacity")) | Q(online_capacity__isnull=False, real_online__gt=F("online_capacity")))
        .values("pk", "capacity", "real", "online_capacity", "real_online")
    )
    try:
        from programmes import seats
    except ImportError:  # code from before the seat counters
        return {"overbooked": over, "counter_drift": None}
    return {"overbooked": over, "counter_drift": seats.drift()}


if __name__ == "__main__":
    command, *rest = sys.argv[1:]
    if command == "pages":
        result = cmd_pages()
    elif command == "queries":
        result = cmd_queries()
    elif command == "pdf":
        result = cmd_pdf()
    elif command == "report-seconds":
        result = cmd_report_seconds()
    elif command == "page-ms":
        result = cmd_page_ms(*rest)
    elif command == "profile":
        result = cmd_profile(*rest)
    elif command == "after-close":
        result = cmd_after_close(*rest)
    elif command == "counts":
        result = cmd_counts()
    elif command == "matching":
        result = cmd_matching()
    elif command == "sql":
        result = cmd_sql(*rest)
    elif command == "rush-setup":
        result = cmd_rush_setup(int(rest[0]), int(rest[1]))
    elif command == "mixed-setup":
        result = cmd_mixed_setup(int(rest[0]), int(rest[1]))
    elif command == "seat-check":
        result = cmd_seat_check()
    elif command == "rush-check":
        result = cmd_rush_check(int(rest[0]))
    else:
        raise SystemExit(f"unknown command {command}")
    print("JSON " + json.dumps(result, default=str))
