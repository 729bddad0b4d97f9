"""`make bench`: how fast and how far Toppleder scales, as ratios and counts from one run.

Machines here are shared and noisy, so no figure is an absolute promise: each page's p95
latency is reported as a multiple of the signed-in floor's p95 measured in the same run,
pages interleaved over two rounds. Writes bench/results.json and prints a short table.

Needs DATABASE_URL (a PostgreSQL server; the bench makes its own databases on it) and
REDIS_URL; `make bench` starts throwaway servers and sets both.
"""

import argparse
import contextlib
import http.client
import json
import os
import platform
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
RESULTS = ROOT / "bench" / "results.json"
SECRET = "bench-" + secrets.token_urlsafe(48)
PASSWORD = "bench-demo-password"


def log(msg: str) -> None:
    print(msg, flush=True)


def db_url(name: str) -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + name))


def env_for(db: str, **extra) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=db_url(db),
        DJANGO_DEBUG="false",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",  # testserver: django_side.py's test Client
        SECURE_SSL_REDIRECT="false",
        CONN_MAX_AGE="60",
        LOG_LEVEL="ERROR",
    )
    env.update(extra)
    return env


def run(cmd: list[str], env: dict, **kw) -> str:
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, **kw)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc.stdout


def django_side(db: str, *args: str) -> dict:
    out = run([PY, "bench/django_side.py", *args], env_for(db))
    line = next(line for line in out.splitlines() if line.startswith("JSON "))
    return json.loads(line[5:])


def recreate_db(name: str, template: str | None = None) -> None:
    import psycopg2

    conn = psycopg2.connect(db_url("postgres"))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if template:  # a file-level copy: nobody may be connected to the template
            cur.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [template],
            )
            cur.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        else:
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def prepare(db: str, size: str, scale: int = 1) -> float:
    """Migrate and seed a fresh database; returns the seconds seed_demo took."""
    recreate_db(db)
    env = env_for(db)
    run([PY, "manage.py", "migrate", "--noinput", "-v0"], env)
    started = time.monotonic()
    cmd = [PY, "manage.py", "seed_demo", "--size", size, "--password", PASSWORD]
    if scale > 1:
        cmd += ["--scale", str(scale)]
    run(cmd, env)
    seconds = time.monotonic() - started
    analyze(db)
    return seconds


def analyze(db: str) -> None:
    """Fresh planner statistics after a bulk load, as autovacuum gives a real database within
    a minute or so: measured right after seed_demo, the planner would still see the tables'
    sizes before the load."""
    import psycopg2

    conn = psycopg2.connect(db_url(db))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("VACUUM (ANALYZE)")
    conn.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(db: str, workers: int = 2):
    port = free_port()
    env = env_for(db)
    proc = subprocess.Popen(
        [
            PY,
            "-m",
            "gunicorn",
            "toppleder.wsgi",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "/dev/null",
            "--error-logfile",
            str(ROOT / "bench" / "out" / "gunicorn.log"),
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:  # a machine this busy: do not lose the figures over it
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def http_get(base: str, path: str, cookie_header: str | None) -> int:
    u = urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    headers = {"Cookie": cookie_header} if cookie_header else {}
    conn.request("GET", path, headers=headers)
    status = conn.getresponse().status
    conn.close()
    return status


def drain(base: str) -> None:
    """Wait until gunicorn has finished what the last wrk run left queued: wrk stops sending
    at the deadline, but up to 8 requests of a slow page may still be in the workers' queue
    and would otherwise be billed to the next page. Two answers in a row under 1 s: idle."""
    quick = 0
    for _ in range(200):
        started = time.monotonic()
        http_get(base, "/healthz/live", None)
        quick = quick + 1 if time.monotonic() - started < 1.0 else 0
        if quick >= 2:
            return


def wrk(url: str, cookie_header: str | None, seconds: int) -> dict:
    # A generous timeout: a slow page must show up as a slow p95, not vanish as a timeout.
    cmd = ["wrk", "-t2", "-c8", f"-d{seconds}s", "--timeout", "30s", "-s", str(ROOT / "bench" / "wrk_report.lua")]
    if cookie_header:
        cmd += ["-H", f"Cookie: {cookie_header}"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("WRKJSON "))
    result = json.loads(line[8:])
    if result["requests"] == 0:
        raise RuntimeError(f"wrk got no answer from {url} in {seconds} s: raise --seconds")
    return result


# --- sections --------------------------------------------------------------------------


def section_queries() -> dict:
    small = django_side("bench_small", "queries")
    large = django_side("bench_large", "queries")
    return {
        name: {
            "small": small[name]["queries"],
            "large": large[name]["queries"],
            "built_small": small[name]["queries_built"],
            "built_large": large[name]["queries_built"],
            "status": large[name]["status"],
        }
        for name in large
    }


def section_pages(base: str, seconds: int) -> dict:
    pages = django_side("bench_large", "pages")["pages"]
    for page in pages:
        status = http_get(base, page["path"], page["cookie"])
        if status != 200:
            raise RuntimeError(f"{page['name']} ({page['path']}) answered {status}, not 200")
    rounds = []
    for r in range(2):  # two rounds, pages interleaved, so drift on a noisy machine hits all alike
        rnd = {}
        for page in pages:
            drain(base)
            rnd[page["name"]] = wrk(base + page["path"], page["cookie"], seconds)
            log(f"    round {r + 1}: {page['name']:<34} p95 {rnd[page['name']]['p95_ms']:7.1f} ms")
        rounds.append(rnd)
    floor_name = next(p["name"] for p in pages if p.get("floor") == "signed_in")
    out = {}
    for page in pages:
        runs = [rnd[page["name"]] for rnd in rounds]
        ratios = [run_["p95_ms"] / max(rnd[floor_name]["p95_ms"], 1e-6) for run_, rnd in zip(runs, rounds, strict=True)]
        out[page["name"]] = {
            "path": page["path"],
            "rps": round(statistics.mean(r["rps"] for r in runs), 1),
            "p50_ms": round(statistics.mean(r["p50_ms"] for r in runs), 2),
            "p95_ms": round(statistics.mean(r["p95_ms"] for r in runs), 2),
            "p95_x_signed_in_floor": round(statistics.mean(ratios), 2),
            "errors": sum(r["errors"] + r["socket_errors"] for r in runs),
        }
    return out


class WriteStream:
    """Real sign-ups and cancellations over HTTP at a steady rate, in the background: each
    writer (a leader with their own session) signs up for their session, then cancels, then
    signs up again. Open loop: a request is sent every 1/rate s whether or not the last has
    answered (a slow server gets the writes anyway, as it would from real people). An answer
    is good when it is the redirect back to the page; anything else (a redirect to the
    sign-in page, a 4xx, a 5xx, no answer) is an error."""

    def __init__(self, base: str, writers: list[dict], rate: float, login_path: str):
        self.u = urlsplit(base)
        self.writers = writers
        self.rate = rate
        self.login_path = login_path
        self.signed_up = [False] * len(writers)
        self.busy = [threading.Lock() for _ in writers]
        self.stop = threading.Event()
        self.latencies: list[float] = []
        self.errors: dict[str, int] = {}
        self.sent = 0
        self.next = 0
        self.pool = ThreadPoolExecutor(max_workers=64)
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _post(self, k: int) -> None:
        w = self.writers[k]
        if not self.busy[k].acquire(blocking=False):  # this writer's last request is still out
            return
        try:
            path = w["cancel"] if self.signed_up[k] else w["create"]
            started = time.monotonic()
            try:
                conn = http.client.HTTPConnection(self.u.hostname, self.u.port, timeout=60)
                conn.request(
                    "POST",
                    path,
                    body=b"",
                    headers={
                        "Cookie": w["cookie"],
                        "X-CSRFToken": w["csrf"],
                        "Content-Type": "application/x-www-form-urlencoded",
                    },
                )
                resp = conn.getresponse()
                resp.read()
                status, location = resp.status, resp.getheader("Location") or ""
                conn.close()
            except OSError as exc:
                status, location = f"socket:{type(exc).__name__}", ""
            self.latencies.append((time.monotonic() - started) * 1000)
            if status == 302 and not location.startswith(self.login_path):
                self.signed_up[k] = not self.signed_up[k]
            else:
                key = f"{status} to sign-in" if status == 302 else str(status)
                self.errors[key] = self.errors.get(key, 0) + 1
        finally:
            self.busy[k].release()

    def _loop(self) -> None:
        started = time.monotonic()
        while not self.stop.is_set():
            due = started + self.sent / self.rate
            delay = due - time.monotonic()
            if delay > 0:
                self.stop.wait(delay)
                continue
            self.pool.submit(self._post, self.next % len(self.writers))
            self.next += 1
            self.sent += 1

    def __enter__(self):
        self.began = time.monotonic()
        if self.rate > 0:
            self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        if self.rate > 0:
            self.thread.join()
        self.pool.shutdown(wait=True)
        self.seconds = time.monotonic() - self.began

    def summary(self) -> dict:
        lat = sorted(self.latencies)
        pick = lambda q: round(lat[min(len(lat) - 1, int(len(lat) * q))], 1) if lat else None  # noqa: E731
        return {
            "target_per_s": self.rate,
            "sent": self.sent,
            "done_per_s": round(len(lat) / self.seconds, 2) if self.seconds else 0,
            "p50_ms": pick(0.5),
            "p95_ms": pick(0.95),
            "errors": sum(self.errors.values()),
            "error_kinds": self.errors,
        }


def wrk_many(base: str, lines: list[tuple[str, str]], seconds: int, name: str) -> dict:
    """wrk over many (path, Cookie) lines, one per person (bench/wrk_mixed.lua)."""
    table = ROOT / "bench" / "out" / f"mixed-{re.sub(r'[^a-z]+', '-', name.lower()).strip('-')}.tsv"
    table.write_text("".join(f"{path}\t{cookie}\n" for path, cookie in lines))
    cmd = ["wrk", "-t2", "-c8", f"-d{seconds}s", "--timeout", "30s", "-s", str(ROOT / "bench" / "wrk_mixed.lua")]
    out = subprocess.run([*cmd, base, "--", str(table)], capture_output=True, text=True, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("WRKJSON "))
    result = json.loads(line[8:])
    result["distinct_lines"] = min(result["distinct_lines"], len(lines))
    if result["requests"] == 0:  # not one answer in the whole run: an error, and no latency to speak of
        log(f"    {name}: no answer at all in {seconds} s")
        result.update(not_200=max(result["not_200"], 1), p50_ms=float(seconds * 1000), p95_ms=float(seconds * 1000))
    return result


MIXED_FLOOR = "floor: signed in (/healthz/me)"
MIXED_LEADER_PAGES = ("leader dashboard", "session page")
MIXED_HR_PAGES = ("programme overview (HR)", "HR enrolment list", "survey results (HR)")


def section_mixed(base: str, rates: list[float], seconds: int, readers: int, writers: int) -> dict:
    """Many leaders browsing while others sign up: for each write rate, the signed-in floor,
    the dashboard and the session page, each over `readers` distinct leaders (their own
    session each), and HR's pages, while WriteStream posts real sign-ups and cancellations.
    Afterwards: no session has more confirmed than seats, and the seat counters are true."""
    setup = django_side("bench_large", "mixed-setup", str(readers), str(writers))
    analyze("bench_large")
    paths, readers_ = setup["paths"], setup["readers"]
    hr = setup["hr_cookies"]
    lines = {
        MIXED_FLOOR: [(paths[MIXED_FLOOR], r["cookie"]) for r in readers_],
        "leader dashboard": [(paths["leader dashboard"], r["cookie"]) for r in readers_],
        "session page": [(r["session_path"], r["cookie"]) for r in readers_],
        **{name: [(paths[name], c) for c in hr] for name in MIXED_HR_PAGES if name in paths},
    }
    for name, rows in lines.items():  # every line answers 200 before anything is timed
        for path, cookie in rows[:: max(1, len(rows) // 20)]:
            status = http_get(base, path, cookie)
            if status != 200:
                raise RuntimeError(f"mixed load: {name} ({path}) answered {status}, not 200")
    out = {"readers": len(readers_), "writers": len(setup["writers"]), "sessions_written": setup["sessions"]}
    steps = {}
    for rate in rates:
        drain(base)
        # The floor is timed before and after each page, and each page is divided by the mean
        # of the two: a shared machine's speed drifts within a step, and one floor timed at
        # its start measured the drift as much as the page.
        with WriteStream(base, setup["writers"], rate, setup["login_path"]) as stream:
            time.sleep(1 if rate else 0)
            floors = [wrk_many(base, lines[MIXED_FLOOR], seconds, MIXED_FLOOR)]
            step = {}
            for name, rows in lines.items():
                if name == MIXED_FLOOR:
                    continue
                step[name] = wrk_many(base, rows, seconds, name)
                floors.append(wrk_many(base, lines[MIXED_FLOOR], seconds, MIXED_FLOOR))
                around = floors[-2:]
                for q in ("p95", "p50"):
                    floor = max(sum(f[f"{q}_ms"] for f in around) / 2, 1e-6)
                    step[name][f"{q}_x_floor"] = round(step[name][f"{q}_ms"] / floor, 2)
        step = {
            MIXED_FLOOR: {
                "p95_ms": round(sum(f["p95_ms"] for f in floors) / len(floors), 1),
                "p50_ms": round(sum(f["p50_ms"] for f in floors) / len(floors), 1),
                "not_200": sum(f["not_200"] for f in floors),
                "socket_errors": sum(f.get("socket_errors", 0) for f in floors),
                "requests": sum(f.get("requests", 0) for f in floors),
                "runs": floors,
                "p95_x_floor": 1.0,
                "p50_x_floor": 1.0,
            },
            **step,
        }
        steps[f"{rate:g}/s"] = {"pages": step, "writes": stream.summary()}
        log(
            f"    {rate:g} writes/s: "
            + ", ".join(
                f"{n} p95 {r['p95_ms']:.0f} ms ({r['p95_x_floor']}x, {r['not_200']} not 200)" for n, r in step.items()
            )
            + f"; writes done {stream.summary()['done_per_s']}/s, {stream.summary()['errors']} errors"
        )
    out["steps"] = steps
    out["after"] = django_side("bench_large", "seat-check")
    return out


def section_rush(base: str, n: int = 500, capacity: int = 30) -> dict:
    setup = django_side("bench_large", "rush-setup", str(n), str(capacity))
    csrf = secrets.token_hex(16)  # 32 characters: a valid unmasked CSRF secret
    u = urlsplit(base)

    def sign_up(cookie: str) -> int:
        try:
            conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
            conn.request(
                "POST",
                setup["path"],
                body=b"",
                headers={
                    "Cookie": f"{setup['session_cookie_name']}={cookie}; csrftoken={csrf}",
                    "X-CSRFToken": csrf,
                    "Content-Type": "application/x-www-form-urlencoded",
                },
            )
            status = conn.getresponse().status
            conn.close()
            return status
        except OSError:
            return -1

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=n) as pool:
        statuses = list(pool.map(sign_up, setup["cookies"]))
    elapsed = time.monotonic() - started
    check = django_side("bench_large", "rush-check", str(setup["session_id"]))
    return {
        "leaders": n,
        "capacity": capacity,
        "confirmed": check["counts"].get("confirmed", 0),
        "waitlisted": check["counts"].get("waitlisted", 0),
        "waitlist_positions_contiguous": check["waitlist_positions_contiguous"],
        "errors": sum(1 for s in statuses if s < 0 or s >= 500),
        "statuses": {str(s): statuses.count(s) for s in sorted(set(statuses))},
        "sign_ups_per_s": round(n / elapsed, 1),
    }


def section_pdf() -> dict:
    """Programme progress report at --size large, in its own process (peak RSS is its own)."""
    return django_side("bench_large", "pdf")


def section_matching() -> dict:
    """Group composition (400 leaders) and pair matching (60 mentees, 40 mentors): no database."""
    return django_side("bench_small", "matching")


def section_email(leaders: int) -> dict:
    """Invitations through ONE real Celery worker to an aiosmtpd sink, straight and with the
    worker SIGKILLed a third of the way and restarted (bench/email_delivery.py, which makes
    and drops its own database `bench_email_bench`)."""
    env = env_for("bench", CELERY_TASK_ALWAYS_EAGER="false")
    out = run([PY, "bench/email_delivery.py", "--leaders", str(leaders), "--timeout", "1200"], env)
    return json.loads(out[out.index("{") :])["email"]


GROWTH_FLOOR = "floor: signed in (/healthz/me)"
GROWTH_PAGES = f"{GROWTH_FLOOR},leader dashboard,programme overview (HR)"


def section_growth(scales: list[int]) -> dict:
    """The leader dashboard, the programme overview and the programme report at 1x, 2x, 4x the
    large data set. Copies bench_large to bench_growth (CREATE DATABASE ... TEMPLATE) and grows
    the copy in place (seed_demo is idempotent: `--scale N` only adds the missing leaders,
    whom the apps' demo data then enrols and invites); sessions stay at
    200 and their registrations are capped by capacity, so growth is in leaders, enrolments
    and survey invitations. Pages are timed in-process (Django test client, 40 requests from
    the cache and 40 built again after a change; the ratio compares the fastest, the figure
    least disturbed by a shared machine). Each scale's pages are timed with the signed-in floor
    taking turns with them, and compared with the 1x figures as multiples of that floor: a
    machine that is busier (or quieter) at one scale than at another moves the floor as much
    as the pages, and the growth figure is the data's alone."""
    db = "bench_growth"
    recreate_db(db, template="bench_large")
    out = {}
    for scale in scales:
        if scale > 1:
            started = time.monotonic()
            run(
                [PY, "manage.py", "seed_demo", "--size", "large", "--scale", str(scale), "--password", PASSWORD],
                env_for(db),
            )
            log(f"    grew {db} to {scale}x in {time.monotonic() - started:.0f} s")
            analyze(db)
        pages = django_side(db, "page-ms", GROWTH_PAGES, "40")
        report = django_side(db, "report-seconds")
        counts = django_side(db, "counts")
        out[f"{scale}x"] = {"counts": counts, "pages": pages, "report": report}
        log(f"    {scale}x: {counts} pages {pages} report {report}")
    base = out[f"{scales[0]}x"]

    def growth(row, name, key):
        """`name`'s time as a multiple of the floor at this scale, over the same at 1x."""
        here = row["pages"][name][key] / max(row["pages"][GROWTH_FLOOR][key], 1e-6)
        there = base["pages"][name][key] / max(base["pages"][GROWTH_FLOOR][key], 1e-6)
        return round(here / max(there, 1e-6), 2)

    for row in out.values():
        names = [n for n in row["pages"] if n != GROWTH_FLOOR]
        row["ratio_to_1x"] = {
            **{name: growth(row, name, "min_ms") for name in names},
            **{f"{name}, built": growth(row, name, "built_min_ms") for name in names},
            "report": round(row["report"]["seconds"] / max(base["report"]["seconds"], 1e-6), 2),
        }
    return out


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def commit() -> str:
    proc = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True
    )
    return (proc.stdout.strip() or "?") + ("+changes" if dirty.stdout.strip() else "")


BUILT_PAGES = (
    "floor: signed in (/healthz/me),leader dashboard,session page,programme overview (HR),"
    "HR enrolment list,survey results (HR)"
)


def section_built() -> dict:
    """Every key page built as on the first visit after a change (in-process, Django's test
    client, 30 requests each after a write to every table), p50 and p95 as a multiple of the
    signed-in floor's measured the same way."""
    pages = django_side("bench_large", "page-ms", BUILT_PAGES, "30")
    floor = pages["floor: signed in (/healthz/me)"]
    for p in pages.values():
        p["built_p50_x_floor"] = round(p["built_median_ms"] / max(floor["built_median_ms"], 1e-6), 2)
        p["built_p95_x_floor"] = round(p["built_p95_ms"] / max(floor["built_p95_ms"], 1e-6), 2)
    # The first visit after a survey closed: its figures computed by the beat task as a worker
    # runs it (the task's time is off the request path: `task_median_s`), and for comparison
    # without the task (the visit computes them). Each against the floor built alongside.
    closed = django_side("bench_large", "after-close", "5")
    for mode, label in (("warmed", ""), ("unwarmed", ", not warmed (no beat task)")):
        if mode in closed:
            c = closed[mode]
            pages[f"survey results, first visit after close{label}"] = {
                "built_median_ms": c["median_ms"],
                "built_p95_ms": c["p95_ms"],
                "built_p50_x_floor": c["p50_x_floor"],
                "built_p95_x_floor": c["p95_x_floor"],
                "queries": c["queries"],
                "task_median_s": c["task_median_s"],
                "floor_median_ms": c["floor_median_ms"],
                "floor_p95_ms": c["floor_p95_ms"],
            }
    return pages


def machine() -> dict:
    cpu = ""
    try:
        cpu = re.search(r"model name\s*:\s*(.*)", Path("/proc/cpuinfo").read_text()).group(1)
    except (OSError, AttributeError):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "host": platform.node()}


def markdown(r: dict) -> str:
    """bench/results.json as the README's tables (`bench/run.py --markdown`)."""
    out = [
        "| page | p95 × signed-in floor | p95 ms | requests/s | SQL small / large | SQL built small / large |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, p in r.get("pages", {}).items():
        q = r.get("queries", {}).get(name, {})
        out.append(
            f"| {name} | {p['p95_x_signed_in_floor']} | {p['p95_ms']:.0f} | {p['rps']} | "
            f"{q.get('small', '-')} / {q.get('large', '-')} | {q.get('built_small', '-')} / {q.get('built_large', '-')} |"
        )
    out.append("")
    if "built" in r:
        out += [
            "| page, built (first visit after a change; in-process) | p50 × floor | p95 × floor | p50 ms | p95 ms |",
            "|---|---:|---:|---:|---:|",
        ]
        for name, p in r["built"].items():
            out.append(
                f"| {name} | {p['built_p50_x_floor']} | {p['built_p95_x_floor']} | {p['built_median_ms']} | {p['built_p95_ms']} |"
            )
        out.append("")
    if "mixed" in r:
        m = r["mixed"]
        rates = list(m["steps"])
        out += [
            f"Mixed load: {m['readers']} distinct leaders (a session each) browsing, {m['writers']} others signing up "
            f"and cancelling; p50 × / p95 × the signed-in floor of the same step (p95 ms); answers other than 200:",
            "",
            "| page | " + " | ".join(f"{rate} writes" for rate in rates) + " | not 200 |",
            "|---|" + "---:|" * (len(rates) + 1),
        ]
        for name in m["steps"][rates[0]]["pages"]:
            cells = []
            bad = 0
            for rate in rates:
                x = m["steps"][rate]["pages"][name]
                cells.append(f"{x['p50_x_floor']} / {x['p95_x_floor']} ({x['p95_ms']:.0f} ms)")
                bad += x["not_200"] + x["socket_errors"]
            out.append(f"| {name} | " + " | ".join(cells) + f" | {bad} |")
        writes = [m["steps"][rate]["writes"] for rate in rates]
        out.append(
            "| writes done/s, p95 ms, errors | "
            + " | ".join(f"{w['done_per_s']}/s, {w['p95_ms']} ms, {w['errors']}" for w in writes)
            + f" | {sum(w['errors'] for w in writes)} |"
        )
        after = m["after"]
        drift = after["counter_drift"]
        out.append("")
        out.append(
            f"- After the load: {len(after['overbooked'])} sessions with more confirmed than seats; seat counters "
            f"that differ from the registrations: {'n/a' if drift is None else len(drift)}."
        )
        out.append("")
    if "rush" in r:
        x = r["rush"]
        out.append(
            f"- **Sign-up rush**: {x['leaders']} leaders at once for {x['capacity']} seats over HTTP: "
            f"{x['confirmed']} confirmed, {x['waitlisted']} waiting (positions 1…{x['waitlisted']} without gaps: "
            f"{x['waitlist_positions_contiguous']}), {x['errors']} errors, {x['sign_ups_per_s']} sign-ups/s."
        )
    if "email" in r:
        x = r["email"]
        a, b = x["straight"], x["with_restart"]
        out.append(
            f"- **E-mail**: {x['leaders']} invitations through one Celery worker to an SMTP sink: "
            f"{a['emails_per_second']}/s, {a['delivered']} delivered, {a['duplicates']} duplicates; with the worker "
            f"SIGKILLed a third of the way and restarted: {b['emails_per_second']}/s, {b['delivered']} delivered, "
            f"{b['duplicates']} duplicates, {b['uncertain_not_resent']} left as 'delivery uncertain'."
        )
    if "pdf" in r:
        x = r["pdf"]
        out.append(
            f"- **PDF** (programme progress report, large): {x['seconds']} s for {x['pages']} pages, "
            f"{x['ratio']}× WeasyPrint's own render of the same HTML ({x['render_seconds']} s; the data "
            f"takes {x.get('data_seconds', '?')} s); peak {x['peak_mb']} MB traced Python memory, "
            f"{x['peak_rss_mb']} MB RSS for the whole process."
        )
    if "matching" in r:
        x = r["matching"]
        out.append(
            f"- **Matching**: 400 leaders into {x['compose_400_groups']} groups in {x['compose_400_seconds']} s, "
            f"{x['compose_400_violations']} hard-rule violations, score {x['compose_small_vs_optimum_min_ratio']}–"
            f"{x['compose_small_vs_optimum_mean_ratio']} of the exhaustive optimum on 12-leader pools; "
            f"60 mentees × 40 mentors in {x['match_60x40_seconds']} s ({x['match_60x40_pairs']} pairs, "
            f"{x['match_60x40_violations']} violations, {x['match_small_vs_optimum_min_ratio']} of the optimum)."
        )
    if "growth" in r:
        out += [
            "",
            "| data set | leaders | enrolments | "
            + " | ".join(f"{n} (× 1×)" for n in next(iter(r["growth"].values()))["ratio_to_1x"])
            + " |",
        ]
        out.append("|---|---:|---:|" + "---:|" * len(next(iter(r["growth"].values()))["ratio_to_1x"]))
        for scale, row in r["growth"].items():
            c = row["counts"]
            out.append(
                f"| {scale} | {c['leaders']} | {c['enrolments']} | "
                + " | ".join(str(v) for v in row["ratio_to_1x"].values())
                + " |"
            )
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", "6")), help="wrk duration per page and round"
    )
    parser.add_argument(
        "--only", default="", help="comma-separated sections: queries,pages,built,mixed,rush,pdf,matching,email,growth"
    )
    parser.add_argument(
        "--reuse-data", action="store_true", help="skip seeding: use bench_small/bench_large from the last run"
    )
    parser.add_argument("--email-leaders", type=int, default=int(os.environ.get("BENCH_EMAIL_LEADERS", "5000")))
    parser.add_argument("--growth", default="1,2,4", help="scales of the large data set for the growth figures")
    parser.add_argument(
        "--mixed-rates", default="0,1,5,20", help="sign-ups/cancellations per second under the mixed load"
    )
    parser.add_argument("--mixed-seconds", type=int, default=int(os.environ.get("BENCH_MIXED_SECONDS", "5")))
    parser.add_argument("--readers", type=int, default=600, help="distinct leaders browsing under the mixed load")
    parser.add_argument("--writers", type=int, default=400, help="other leaders signing up and cancelling")
    parser.add_argument("--markdown", action="store_true", help="print bench/results.json as the README's tables")
    args = parser.parse_args()
    if args.markdown:
        print(markdown(json.loads(RESULTS.read_text())))
        return 0
    only = set(filter(None, args.only.split(",")))
    want = lambda s: not only or s in only  # noqa: E731
    (ROOT / "bench" / "out").mkdir(exist_ok=True)
    results = {"machine": machine(), "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "commit": commit()}
    started = time.monotonic()
    results["load_average_at_start"] = load_average()
    log(
        f"==> bench/run.py {'--only ' + args.only if only else '(every section)'}: started {results['started']}, "
        f"load average {results['load_average_at_start']}"
    )

    if args.reuse_data:
        log("==> reusing bench_small and bench_large as they are (--reuse-data)")
    else:
        log("==> preparing data sets (seed_demo small and large on PostgreSQL)")
        results["seed_seconds"] = {
            "small": round(prepare("bench_small", "small"), 1),
            "large": round(prepare("bench_large", "large"), 1),
        }
    run([PY, "manage.py", "collectstatic", "--noinput", "-v0"], env_for("bench_large"))

    if want("queries"):
        log("==> SQL queries per page (small vs large)")
        results["queries"] = section_queries()
    if want("built"):
        log("==> pages built (in-process, first visit after a change to every table)")
        results["built"] = section_built()
    served = any(want(name) for name in ("pages", "mixed", "rush"))
    with gunicorn("bench_large") if served else contextlib.nullcontext() as base:
        if want("pages"):
            log("==> page speed (gunicorn, 2 sync workers; wrk, 8 connections, 2 rounds)")
            results["pages"] = section_pages(base, args.seconds)
        if want("mixed"):
            log(
                f"==> mixed load: {args.readers} distinct leaders browsing, {args.writers} others signing up and "
                f"cancelling at {args.mixed_rates.replace(',', ', ')} per second"
            )
            rates = [float(x) for x in args.mixed_rates.split(",")]
            results["mixed"] = section_mixed(base, rates, args.mixed_seconds, args.readers, args.writers)
        if want("rush"):
            log("==> sign-up rush (500 leaders, capacity 30, over HTTP)")
            results["rush"] = section_rush(base)
    if want("pdf"):
        log("==> PDF: programme progress report at large")
        results["pdf"] = section_pdf()
    if want("matching"):
        log("==> matching: 400-leader composition, 60x40 pair matching")
        results["matching"] = section_matching()
    if want("email"):
        log(f"==> e-mail: invitations to {args.email_leaders} leaders, one Celery worker, SMTP sink")
        results["email"] = section_email(args.email_leaders)
    if want("growth"):
        log("==> growth: dashboard, programme overview and report at " + args.growth.replace(",", "x, ") + "x")
        results["growth"] = section_growth([int(x) for x in args.growth.split(",")])

    results["total_seconds"] = round(time.monotonic() - started, 1)
    results["load_average_at_end"] = load_average()
    log(
        f"==> bench/run.py {'--only ' + args.only if only else ''} started {results['started']}, took "
        f"{results['total_seconds']} s; load average at the end {results['load_average_at_end']}"
    )
    if only and RESULTS.exists():  # a partial run updates its sections in the last results
        last = json.loads(RESULTS.read_text())
        last.setdefault("partial_runs", {})[",".join(sorted(only))] = {
            k: results[k]
            for k in ("started", "total_seconds", "commit", "load_average_at_start", "load_average_at_end")
        }
        results = {**last, **{k: v for k, v in results.items() if k not in ("total_seconds", "started")}}
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print_table(results)
    return 0


def print_table(r: dict) -> None:
    print()
    print(f"Toppleder bench — {r['machine']['cpu']} ({r['machine']['cores']} cores), {r['started']}")
    if "pages" in r:
        print(f"{'page':<36}{'rps':>8}{'p50 ms':>9}{'p95 ms':>9}{'× floor':>9}{'SQL s/l':>10}{'built s/l':>11}")
        for name, p in r["pages"].items():
            q = r.get("queries", {}).get(name, {})
            ql = f"{q.get('small', '-')}/{q.get('large', '-')}"
            qb = f"{q.get('built_small', '-')}/{q.get('built_large', '-')}"
            print(
                f"{name:<36}{p['rps']:>8}{p['p50_ms']:>9}{p['p95_ms']:>9}{p['p95_x_signed_in_floor']:>9}{ql:>10}{qb:>11}"
            )
    if "built" in r:
        for name, p in r["built"].items():
            print(f"built: {name:<36} p50 {p['built_p50_x_floor']}x, p95 {p['built_p95_x_floor']}x the floor")
    if "mixed" in r:
        m = r["mixed"]
        for rate, step in m["steps"].items():
            pages = ", ".join(f"{n} {x['p95_x_floor']}x" for n, x in step["pages"].items() if not n.startswith("floor"))
            w = step["writes"]
            bad = sum(x["not_200"] + x["socket_errors"] for x in step["pages"].values())
            print(
                f"mixed {rate}: p95 x floor: {pages}; {bad} not 200; writes {w['done_per_s']}/s, {w['errors']} errors"
            )
        print(
            f"mixed, after: {len(m['after']['overbooked'])} overbooked, counter drift "
            f"{'n/a' if m['after']['counter_drift'] is None else len(m['after']['counter_drift'])}"
        )
    if "rush" in r:
        x = r["rush"]
        print(
            f"sign-up rush: {x['leaders']} leaders, capacity {x['capacity']}: confirmed {x['confirmed']}, "
            f"waiting {x['waitlisted']}, errors {x['errors']}, {x['sign_ups_per_s']} sign-ups/s"
        )
    if "pdf" in r:
        x = r["pdf"]
        print(
            f"PDF programme report (large): {x['seconds']} s, {x['pages']} pages, {x['ratio']}x WeasyPrint's "
            f"render of the same HTML ({x['render_seconds']} s), peak {x['peak_mb']} MB traced / "
            f"{x['peak_rss_mb']} MB RSS"
        )
    if "matching" in r:
        x = r["matching"]
        print(
            f"matching: 400 leaders composed in {x['compose_400_seconds']} s ({x['compose_400_violations']} violations, "
            f"small pools {x['compose_small_vs_optimum_mean_ratio']} of optimum); 60x40 pairs in "
            f"{x['match_60x40_seconds']} s ({x['match_60x40_violations']} violations, "
            f"{x['match_small_vs_optimum_min_ratio']} of optimum)"
        )
    if "email" in r:
        x = r["email"]
        for label, key in (("straight", "straight"), ("worker killed", "with_restart")):
            if key in x:
                y = x[key]
                print(
                    f"e-mail ({label}): {x['leaders']} invitations, {y['emails_per_second']}/s, "
                    f"delivered {y['delivered']}, duplicates {y['duplicates']}"
                )
    if "growth" in r:
        for scale, row in r["growth"].items():
            ratios = ", ".join(f"{k} {v}x" for k, v in row["ratio_to_1x"].items())
            print(f"growth {scale} ({row['counts'].get('leaders')} leaders): {ratios}")
    print(f"results: {RESULTS.relative_to(ROOT)} ({r['total_seconds']} s)")


if __name__ == "__main__":
    sys.exit(main())
