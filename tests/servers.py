"""Loopback servers a test starts and stops itself: a redis-server process (stopped by its pid)."""

from __future__ import annotations

import os
import socket
import subprocess
import time


def real_clock_env() -> dict:
    """This process's environment without libfaketime: `make test-dates` shifts the portal's
    clock, while the servers a test starts (Redis, PostgreSQL) run on the real one, as they
    would in production (redis-server does not start under libfaketime)."""
    return {k: v for k, v in os.environ.items() if k != "LD_PRELOAD" and not k.startswith("FAKETIME")}


def free_port() -> int:
    """A loopback port nobody listens on (bound, read, released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A redis-server of our own on a free loopback port, without persistence."""

    def __init__(self, directory):
        self.port = free_port()
        self.dir = directory
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL,
            env=real_clock_env(),
        )  # fmt: skip
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"
