"""E-mail figures for `make bench`: invitations for N leaders through ONE Celery worker to a
local SMTP sink (the worker as docker-compose.yml runs it), as e-mails per second and duplicates (must be 0), once straight through
and once with the worker SIGKILLed mid-run and restarted (after the sweeper has run).

    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python bench/email_delivery.py [--leaders 5000]

Makes its own database (`<name>_email_bench` on the DATABASE_URL server) and drops it
afterwards; prints one JSON object (bench/run.py can call this and merge it).
"""

import argparse
import email
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


WORKER_CONCURRENCY = 2  # as docker-compose.yml


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


class Sink:
    def __init__(self):
        self.keys = Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        key = email.message_from_bytes(envelope.content)["X-Toppleder-Key"]
        with self.lock:
            self.keys[key] += 1
        return "250 OK"

    def total(self) -> int:
        with self.lock:
            return sum(self.keys.values())

    def duplicates(self) -> int:
        with self.lock:
            return sum(n - 1 for n in self.keys.values() if n > 1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leaders", type=int, default=5000)
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()

    base = urlsplit(os.environ["DATABASE_URL"])
    name = (base.path.lstrip("/") or "toppleder") + "_email_bench"
    db_url = urlunsplit(base._replace(path="/" + name))
    admin_url = urlunsplit(base._replace(path="/postgres"))
    os.environ.update(DATABASE_URL=db_url, CELERY_TASK_ALWAYS_EAGER="false", LOG_LEVEL="ERROR")
    if not os.environ.get("REDIS_URL"):
        sys.exit("REDIS_URL is required (the worker needs a broker)")

    import psycopg2

    def admin(sql):
        conn = psycopg2.connect(admin_url)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql)
        conn.close()

    admin(f'DROP DATABASE IF EXISTS "{name}"')
    admin(f'CREATE DATABASE "{name}"')

    from aiosmtpd.controller import Controller

    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port, server_hostname="localhost")
    controller.start()
    worker_env = {**os.environ, "EMAIL_URL": f"smtp://127.0.0.1:{port}", "PYTHONUNBUFFERED": "1"}
    os.environ["EMAIL_URL"] = worker_env["EMAIL_URL"]

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "toppleder.settings")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from programmes import services
    from programmes.models import Programme, ProgrammeEnrolment, Session
    from toppleder.celery import app
    from toppleder.models import Leader, Organisation, OutboxMessage, Sector, User
    from toppleder.outbox.delivery import outbox_sweep

    app.control.purge()
    sector = Sector.objects.create(code="BEN", name="Bench")
    org = Organisation.objects.create(name="Bench-etaten", kind="agency", sector=sector)
    users = User.objects.bulk_create(
        [User(email=f"bench{i:05d}@toppleder.example", name=f"Bench {i}") for i in range(args.leaders)]
    )
    leaders = Leader.objects.bulk_create([Leader(user=u, organisation=org) for u in users])
    programme = Programme.objects.create(name="Bench", period="2026/27", status="running")
    ProgrammeEnrolment.objects.bulk_create([ProgrammeEnrolment(programme=programme, leader=x) for x in leaders])
    hr = User.objects.create(email="hr-bench@toppleder.example")

    # The worker as docker-compose.yml runs it (prefork, 2 processes), in a process group of
    # its own so that the kill below takes the pool processes with it, like `docker kill`.
    def start_worker():
        return subprocess.Popen(
            [str(Path(sys.executable).with_name("celery")), "-A", "toppleder", "worker",
             f"--concurrency={WORKER_CONCURRENCY}", "--without-gossip", "--without-mingle",
             "--without-heartbeat", "--loglevel=ERROR"],
            cwd=ROOT, env=worker_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip

    def kill_worker(process):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()

    def wait(condition):
        deadline = time.monotonic() + args.timeout
        while not condition():
            if time.monotonic() > deadline:
                raise SystemExit("bench timed out")
            time.sleep(0.2)

    def session(title):
        from django.utils import timezone

        start = timezone.now() + timedelta(days=10)
        return Session.objects.create(
            programme=programme, kind="theme_gathering", title=title, starts_at=start,
            ends_at=start + timedelta(hours=3), capacity=50, status=Session.Status.DRAFT,
        )  # fmt: skip

    def sent(s):
        return OutboxMessage.objects.filter(kind="session_invitation", object_id=s.pk, status="sent").count()

    results = {"leaders": args.leaders, "worker": f"1 Celery worker, prefork, {WORKER_CONCURRENCY} processes"}
    worker = start_worker()
    try:
        # 1. Straight through.
        s1 = session("Bench 1")
        t0 = time.monotonic()
        services.session_publish(session=s1, by=hr)
        wait(lambda: sent(s1) >= args.leaders)
        elapsed = time.monotonic() - t0
        results["straight"] = {
            "seconds": round(elapsed, 1),
            "emails_per_second": round(args.leaders / elapsed, 1),
            "delivered": sink.total(),
            "duplicates": sink.duplicates(),
        }
        log(f"straight: {results['straight']}")

        # 2. SIGKILL the worker a third of the way through, sweep, restart.
        before = sink.total()
        s2 = session("Bench 2")
        t0 = time.monotonic()
        services.session_publish(session=s2, by=hr)
        wait(lambda: sink.total() - before >= args.leaders // 3)
        kill_worker(worker)
        swept = outbox_sweep(sending_timeout=timedelta(0), queued_grace=timedelta(0))
        worker = start_worker()
        wait(
            lambda: (
                not OutboxMessage.objects.filter(object_id=s2.pk, status__in=["queued", "sending"]).exists()
                and sent(s2) + OutboxMessage.objects.filter(object_id=s2.pk, status="failed").count() >= args.leaders
            )
        )
        elapsed = time.monotonic() - t0
        failed = OutboxMessage.objects.filter(kind="session_invitation", object_id=s2.pk, status="failed")
        results["with_restart"] = {
            "seconds": round(elapsed, 1),
            "emails_per_second": round(args.leaders / elapsed, 1),
            "delivered": sink.total() - before,
            "duplicates": sink.duplicates(),
            "uncertain_not_resent": failed.count(),
            "sweeper": swept,
        }
        log(f"with restart: {results['with_restart']}")
    finally:
        kill_worker(worker)
        controller.stop()
        app.control.purge()
        from django.db import connections

        connections.close_all()
        admin(f'DROP DATABASE IF EXISTS "{name}"')
    print(json.dumps({"email": results}, indent=2))


if __name__ == "__main__":
    main()
