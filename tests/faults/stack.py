"""The real stack on loopback for the fault suite, every server started here and stopped by its pid.

PostgreSQL (a throwaway cluster), Redis (with an append-only file, as a broker should run),
gunicorn, a Celery worker, Celery beat and an SMTP sink (aiosmtpd, in this process). Ports
are free ones picked at start, or FAULT_PORT_BASE: PostgreSQL +0, Redis +1, gunicorn +2, SMTP +3.
Nothing here touches a server it did not start: the test suite's own PostgreSQL and Redis
(.ci/services.sh) are left alone.

`run_django(module)` runs a script of this package (seed.py, inspect.py) as a separate
Django process on the stack's database, and returns the JSON it prints.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.servers import real_clock_env

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


RESULTS = ROOT / "var" / "faults.json"


def record(fault: str, figures: dict) -> None:
    """Keep one fault's figures in var/faults.json (the README's "Reliability" table)."""
    RESULTS.parent.mkdir(exist_ok=True)
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[fault] = figures
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    print(f"\n{fault}: {figures}")


def _pg_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")
    return found[-1].parent


def _free_ports(n: int) -> list[int]:
    sockets = [socket.socket() for _ in range(n)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


def wait_until(condition, timeout: float, what: str) -> float:
    """Poll `condition` until true; returns the seconds it took, raises on time-out."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if condition():
            return time.monotonic() - start
        time.sleep(0.05)
    raise TimeoutError(f"timed out after {timeout} s waiting for {what}")


def _wait_pid_gone(pid: int, timeout: float) -> None:
    def gone():
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        # A zombie child of ours counts as gone once reaped.
        try:
            done, _status = os.waitpid(pid, os.WNOHANG)
            return done == pid
        except ChildProcessError:
            return False

    wait_until(gone, timeout, f"process {pid} to exit")


class Stack:
    def __init__(self, base_port: int | None = None):
        base = base_port or int(os.environ.get("FAULT_PORT_BASE", "0"))
        if base:
            self.pg_port, self.redis_port, self.web_port, self.smtp_port = base, base + 1, base + 2, base + 3
        else:  # free ports, picked once (PostgreSQL and Redis come back on the same one)
            self.pg_port, self.redis_port, self.web_port, self.smtp_port = _free_ports(4)
        for port in (self.pg_port, self.redis_port, self.web_port, self.smtp_port):
            if port_open(port):
                raise RuntimeError(f"port {port} is in use: set FAULT_PORT_BASE to a free range")
        self.dir = Path(tempfile.mkdtemp(prefix="toppleder-faults-"))
        os.chmod(self.dir, 0o755)  # noqa: S103  (the postgres user must reach pg/ inside)
        self.procs: dict[str, subprocess.Popen] = {}
        self.sink = None
        self._controller = None
        self.env = {
            **{
                k: v
                for k, v in real_clock_env().items()
                if not k.startswith(("DATABASE_", "REDIS_", "EMAIL_", "PYTEST"))
            },
            "DJANGO_SETTINGS_MODULE": "toppleder.settings",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{self.pg_port}/toppleder",
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "EMAIL_URL": f"smtp://127.0.0.1:{self.smtp_port}",
            "EMAIL_TIMEOUT": "5",
            "DJANGO_DEBUG": "false",
            "SECRET_KEY": "fault-suite-" + "k" * 50,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "MFA_REQUIRED_FOR_STAFF": "false",
            "NOTES_ENCRYPTION_KEYS": "hJ3bV9dB2o0tH5cYk0p6Z2cY7rJ0Qk7xwq3C8mGJm1E=",
            "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            # The sweeper runs every 2 s and re-dispatches a queued row 3 s past its due time,
            # so an outage of seconds is caught up in seconds (production: 5 and 10 minutes).
            "OUTBOX_SWEEP_SECONDS": os.environ.get("FAULT_SWEEP_SECONDS", "2"),
            "OUTBOX_QUEUED_GRACE": "3",
            "OUTBOX_SENDING_TIMEOUT": "30",
            "BEAT_HEARTBEAT_SECONDS": "5",
            # A message the worker took but could not acknowledge is back in the queue after 5 s.
            "CELERY_VISIBILITY_TIMEOUT": "5",
            "CELERY_UNACKED_RESTORE_INTERVAL": "0.2",
            "PYTHONUNBUFFERED": "1",
            "LOG_LEVEL": "WARNING",
        }

    # ------------------------------------------------------------------ PostgreSQL
    def _as_pg(self, args: list[str]) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *args] if os.getuid() == 0 else args

    def pg_init(self) -> None:
        data = self.dir / "pg"
        data.mkdir()
        if os.getuid() == 0:
            shutil.chown(data, "postgres")
        subprocess.run(
            self._as_pg([str(_pg_bin() / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                         "--locale=C.UTF-8"]),
            check=True, capture_output=True, env=real_clock_env(),
        )  # fmt: skip
        self.pg_start()
        subprocess.run(
            self._as_pg([str(_pg_bin() / "createdb"), "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", "postgres",
                         "toppleder"]),
            check=True, env=real_clock_env(),
        )  # fmt: skip

    def pg_start(self) -> None:
        data = self.dir / "pg"
        subprocess.run(
            self._as_pg([str(_pg_bin() / "pg_ctl"), "-D", str(data), "-l", str(data / "server.log"), "-w", "-t", "30",
                         "-o", f"-p {self.pg_port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off "
                               "-c synchronous_commit=off -c full_page_writes=off -c max_connections=60",
                         "start"]),
            check=True, stdout=subprocess.DEVNULL, env=real_clock_env(),
        )  # fmt: skip

    def pg_pid(self) -> int | None:
        pidfile = self.dir / "pg" / "postmaster.pid"
        return int(pidfile.read_text().split()[0]) if pidfile.exists() else None

    def pg_stop(self, fast: bool = True) -> None:
        """Stop the postmaster by its pid: SIGINT is PostgreSQL's "fast" shutdown (clients cut off)."""
        pid = self.pg_pid()
        if pid:
            os.kill(pid, signal.SIGINT if fast else signal.SIGTERM)
            _wait_pid_gone(pid, 30)

    # ------------------------------------------------------------------ Redis
    def redis_start(self) -> None:
        (self.dir / "redis").mkdir(exist_ok=True)
        self.procs["redis"] = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.redis_port), "--save", "",
             "--appendonly", "yes", "--appendfsync", "always", "--dir", str(self.dir / "redis")],
            stdout=open(self.dir / "redis.log", "a"), stderr=subprocess.STDOUT, env=real_clock_env(),
        )  # fmt: skip
        wait_until(lambda: port_open(self.redis_port), 10, "Redis")

    def redis_stop(self) -> None:
        self._stop("redis")

    # ------------------------------------------------------------------ SMTP sink
    def sink_start(self) -> None:
        from aiosmtpd.controller import Controller

        from tests.integration.conftest import Sink

        if self.sink is None:
            self.sink = Sink()
        self._controller = Controller(self.sink, hostname="127.0.0.1", port=self.smtp_port, server_hostname="localhost")
        self._controller.start()

    def sink_stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    # ------------------------------------------------------------------ Django processes
    def manage(self, *args: str) -> None:
        subprocess.run([str(BIN / "python"), "manage.py", *args], cwd=ROOT, env=self.env, check=True)

    def run_django(self, module: str, *args: str, timeout: float = 120) -> dict:
        out = subprocess.run(
            [str(BIN / "python"), "-m", f"tests.faults.{module}", *args],
            cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip
        if out.returncode:
            raise RuntimeError(f"{module} failed:\n{out.stdout}\n{out.stderr}")
        return json.loads(out.stdout.strip().splitlines()[-1])

    def _spawn(self, name: str, args: list[str]) -> None:
        log = open(self.dir / f"{name}.log", "a")
        self.procs[name] = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def web_start(self) -> None:
        self._spawn("web", [str(BIN / "gunicorn"), "toppleder.wsgi", "--bind", f"127.0.0.1:{self.web_port}",
                            "--workers", "2", "--threads", "4", "--worker-class", "gthread", "--timeout", "60",
                            "--graceful-timeout", "5"])  # fmt: skip
        wait_until(lambda: port_open(self.web_port), 30, "gunicorn")

    def worker_start(self) -> None:
        self._spawn("worker", [str(BIN / "celery"), "-A", "toppleder", "worker", "--pool=solo", "--without-gossip",
                               "--without-mingle", "--without-heartbeat", "--loglevel=INFO"])  # fmt: skip

    def worker_kill(self) -> None:
        """SIGKILL, like the kernel's out-of-memory killer: no clean shutdown."""
        self.procs["worker"].send_signal(signal.SIGKILL)
        self.procs.pop("worker").wait(timeout=30)

    def beat_start(self) -> None:
        self._spawn("beat", [str(BIN / "celery"), "-A", "toppleder", "beat", "--loglevel=WARNING",
                             "--schedule", str(self.dir / "beat-schedule")])  # fmt: skip

    def _stop(self, name: str) -> None:
        proc = self.procs.pop(name, None)
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def log(self, name: str, tail: int = 4000) -> str:
        path = self.dir / f"{name}.log"
        return path.read_text(errors="replace")[-tail:] if path.exists() else ""

    # ------------------------------------------------------------------ all of it
    def start(self) -> None:
        self.pg_init()
        self.redis_start()
        self.sink_start()
        self.manage("migrate", "--noinput", "-v0")

    def start_processes(self) -> None:
        self.web_start()
        self.worker_start()
        self.beat_start()

    def stop(self) -> None:
        for name in ("beat", "web", "worker"):
            self._stop(name)
        self.redis_stop()
        self.sink_stop()
        try:
            self.pg_stop()
        finally:
            if not os.environ.get("FAULT_KEEP"):
                shutil.rmtree(self.dir, ignore_errors=True)
