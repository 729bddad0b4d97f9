"""A bounded stream of leaders signing up and cancelling through gunicorn, as a browser would.

Each leader (one thread) repeats, for at most `rounds` rounds: open a session's page, then
sign up for it or cancel, alternating. An action that gets no answer from the portal (a 5xx,
a refused connection, a time-out) is tried again, as a person would, until it is answered
(a redirect back to the page); so the last answered action per leader and session is what
the database must show afterwards. Every request is recorded with its time and outcome.

Cookies are sent by hand: the portal runs with DEBUG off and marks them Secure, which
Python's cookie jar withholds over http (the stack is loopback only).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import requests

CSRF = "f" * 32  # a CSRF secret of our own: cookie and header agree, as Django checks


@dataclass
class Outcome:
    at: float  # monotonic
    kind: str  # "ok", "http 503", "ConnectionError", …
    method: str
    ms: float
    body: str = ""


@dataclass
class Stream:
    base_url: str
    leaders: list[dict]
    sessions: list[int]
    rounds: int = 40
    pause: float = 0.05
    outcomes: list[Outcome] = field(default_factory=list)
    answered: dict = field(default_factory=dict)  # (leader id, session id) -> "register" | "cancel"
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)

    def _request(self, http: requests.Session, cookie: str, method: str, path: str) -> requests.Response | None:
        start = time.monotonic()
        headers = {"Cookie": f"sessionid={cookie}; csrftoken={CSRF}", "X-CSRFToken": CSRF}
        try:
            response = http.request(method, self.base_url + path, headers=headers, allow_redirects=False, timeout=15)
        except requests.RequestException as exc:
            self._record(start, type(exc).__name__, method)
            return None
        ok = response.status_code in (200, 302) or (method == "POST" and response.status_code == 404)
        kind = "ok" if ok else f"http {response.status_code}"
        self._record(start, kind, method, "" if ok else response.text[:3000])
        return response if ok else None

    def _record(self, start: float, kind: str, method: str, body: str = "") -> None:
        with self.lock:
            self.outcomes.append(Outcome(start, kind, method, (time.monotonic() - start) * 1000, body))

    def _leader(self, index: int, leader: dict) -> None:
        http = requests.Session()
        for n in range(self.rounds):
            if self.stop.is_set():
                break
            session = self.sessions[(index + n // 2) % len(self.sessions)]
            action = "register" if n % 2 == 0 else "cancel"
            self._request(http, leader["cookie"], "GET", f"/sessions/{session}/")
            path = f"/sessions/{session}/{'register' if action == 'register' else 'unregister'}/"
            # Until answered (bounded: a fault is bounded too).
            for _attempt in range(400):
                if self._request(http, leader["cookie"], "POST", path) is not None:
                    with self.lock:
                        self.answered[(leader["id"], session)] = action
                    break
                time.sleep(0.25)
            time.sleep(self.pause)

    def run(self) -> None:
        threads = [threading.Thread(target=self._leader, args=(i, leader)) for i, leader in enumerate(self.leaders)]
        for thread in threads:
            thread.start()
        self.threads = threads

    def join(self, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(max(0.1, deadline - time.monotonic()))

    # ------------------------------------------------------------------ figures
    def errors(self, since: float = 0.0, until: float | None = None) -> Counter:
        return Counter(
            o.kind for o in self.outcomes if o.kind != "ok" and o.at >= since and (until is None or o.at <= until)
        )

    def first_ok_after(self, moment: float) -> float | None:
        times = [o.at + o.ms / 1000 for o in self.outcomes if o.kind == "ok" and o.at >= moment]
        return min(times) - moment if times else None

    def bodies(self, kind: str) -> list[str]:
        return [o.body for o in self.outcomes if o.kind == kind]
