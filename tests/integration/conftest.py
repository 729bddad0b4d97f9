"""Real services for integration tests: an SMTP sink (aiosmtpd) and a real Celery worker.

The worker is a separate process on the Redis broker (REDIS_URL) that uses the SAME test
database as the test (pytest-django's `test_<name>`), so these tests need PostgreSQL:
`DATABASE_URL=postgres://... REDIS_URL=redis://... pytest tests/integration`.
"""

from __future__ import annotations

import asyncio
import email
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    # aiosmtpd's Controller cannot take port 0, so pick a free one first.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Sink:
    """An SMTP server that records every accepted message.

    `pause_at = n`: the n-th connection (1-based) stops in RCPT — before any DATA, so the
    server has not taken the message — and sets `paused`, so a test can kill the client
    at exactly that point. `pause_in_data_at = n`: the n-th message is recorded (the
    server has it) but the "250" reply never comes — the one moment whose outcome the
    client cannot know. `rcpt_delay` slows every message down a little.
    """

    def __init__(self):
        self.messages: list[email.message.Message] = []
        self.lock = threading.Lock()
        self.rcpt_count = 0
        self.pause_at: int | None = None
        self.paused = threading.Event()
        self.rcpt_delay = 0.0
        self.pause_in_data_at: int | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            self.rcpt_count += 1
            n = self.rcpt_count
        if self.pause_at is not None and n == self.pause_at:
            self.paused.set()
            await asyncio.sleep(120)  # cancelled when the client dies
        elif self.rcpt_delay:
            await asyncio.sleep(self.rcpt_delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content)
        with self.lock:
            self.messages.append(message)
            n = len(self.messages)
        if self.pause_in_data_at is not None and n == self.pause_in_data_at:
            self.paused.set()
            await asyncio.sleep(120)  # cancelled when the client dies
        return "250 Message accepted"

    def keys(self) -> Counter:
        with self.lock:
            return Counter(m["X-Toppleder-Key"] for m in self.messages)

    def count(self) -> int:
        with self.lock:
            return len(self.messages)


@pytest.fixture
def smtp_sink():
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port, server_hostname="localhost")
    controller.start()
    sink.port = port
    yield sink
    controller.stop()


def _database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    if "postgresql" not in s["ENGINE"]:
        pytest.fail("integration tests share the database with a worker process: set DATABASE_URL=postgres://...")
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Worker:
    """Starts and kills `celery -A toppleder worker` processes against the test database."""

    def __init__(self, env: dict):
        self.env = env
        self.process: subprocess.Popen | None = None
        self.log = tempfile.NamedTemporaryFile(prefix="celery-worker-", suffix=".log", delete=False)

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("celery")), "-A", "toppleder", "worker",
                "--pool=solo", "--without-gossip", "--without-mingle", "--without-heartbeat",
                "--loglevel=WARNING",
            ],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, exactly like a crashed or OOM-killed worker."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")[-5000:]


@pytest.fixture
def celery_worker(smtp_sink, transactional_db):
    from toppleder.celery import app

    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.fail("integration tests need a Redis broker: set REDIS_URL=redis://127.0.0.1:6379/5")
    assert not app.conf.task_always_eager, "REDIS_URL is set, so tasks must go through the broker"
    app.control.purge()  # nothing left over from an earlier run
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis_url,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_sink.port}",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "PYTHONUNBUFFERED": "1",
    }
    worker = Worker(env)
    worker.start()
    yield worker
    worker.stop()
    app.control.purge()
    print(worker.output())


def wait_for(condition, *, timeout: float = 120, what: str = "condition", worker: Worker | None = None):
    """Poll until condition() is true; fail (with the worker's log) if it never becomes so."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}" + (f"\n--- worker log ---\n{worker.output()}" if worker else ""))
