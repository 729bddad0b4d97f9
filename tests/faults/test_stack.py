"""Faults on the real stack (tests/faults/stack.py) while leaders sign up and cancel.

Redis stopped for FAULT_REDIS_SECONDS (30), PostgreSQL stopped and started again
(FAULT_PG_SECONDS, 5). Afterwards, from the database and the SMTP sink: every answered
sign-up and cancellation holds, waiting lists have no gaps or duplicates, the seat counters
match, every e-mail the registrations caused was sent, none twice. The figures of each run
go to var/faults.json (the README's "Reliability" table comes from it).
"""

from __future__ import annotations

import os
import time
from collections import Counter

import pytest

from tests.faults.stack import Stack, record, wait_until
from tests.faults.stream import Stream

pytestmark = pytest.mark.faults

REDIS_SECONDS = float(os.environ.get("FAULT_REDIS_SECONDS", "30"))
PG_SECONDS = float(os.environ.get("FAULT_PG_SECONDS", "5"))
LEADERS = 12
ACTIVE = {"confirmed", "waitlisted", "offered"}


@pytest.fixture(scope="module")
def stack():
    s = Stack()
    try:
        s.start()
        s.seeded = s.run_django("seed", str(LEADERS), "5")
        s.start_processes()
        try:  # slow to boot on a busy machine
            wait_until(lambda: _get(s, "/healthz/live") == 200, 120, "gunicorn to answer")
        except TimeoutError:
            pytest.fail(f"gunicorn did not answer\n--- web ---\n{s.log('web')}")
        yield s
    finally:
        s.stop()


def _get(stack: Stack, path: str) -> int:
    import requests

    try:
        return requests.get(f"http://127.0.0.1:{stack.web_port}{path}", timeout=5).status_code
    except requests.RequestException:
        return 0


def _stream(stack: Stack) -> Stream:
    return Stream(
        base_url=f"http://127.0.0.1:{stack.web_port}",
        leaders=stack.seeded["leaders"],
        sessions=stack.seeded["sessions"],
        rounds=100_000,  # bounded by time: the test stops it
    )


def _inspect(stack: Stack) -> dict:
    return stack.run_django("inspect", ",".join(map(str, stack.seeded["sessions"])))


def _drained(stack: Stack, timeout: float) -> tuple[dict, float]:
    """Wait until every e-mail the registrations cause is queued and none is still queued or
    being sent (tasks retried after the fault may still be on their way); returns the final
    state and the wait. A time-out fails with what is left."""
    start = time.monotonic()
    state = {}

    def done():
        nonlocal state
        state = _inspect(stack)
        return not (state["outbox"].get("queued") or state["outbox"].get("sending") or state["missing_mail"])

    try:
        wait_until(done, timeout, "the outbox to drain")
    except TimeoutError:
        pytest.fail(
            f"e-mails left unsent: {state['outbox']}, never queued: {state['missing_mail']}"
            f"\n--- worker ---\n{stack.log('worker')}"
        )
    return state, time.monotonic() - start


def _lost(stream: Stream, state: dict) -> list[str]:
    """Answered actions the database does not show (a kept sign-up lost, a cancellation undone)."""
    lost = []
    for (leader, session), action in stream.answered.items():
        status = state["registrations"].get(f"{leader}:{session}")
        if action == "register" and status not in ACTIVE:
            lost.append(f"leader {leader} signed up for {session}, database says {status}")
        if action == "cancel" and status in ACTIVE:
            lost.append(f"leader {leader} cancelled {session}, database says {status}")
    return lost


def _duplicates(stack: Stack) -> dict:
    return {key: n for key, n in stack.sink.keys().items() if n > 1}


def _check_mail(stack: Stack, state: dict) -> None:
    assert state["missing_mail"] == [], "e-mails the registrations caused but nobody queued"
    assert not state["outbox"].get("failed"), state["outbox"]
    sent_keys = set(stack.sink.keys())
    assert _duplicates(stack) == {}, "e-mails delivered twice"
    # Everything marked sent reached the sink, and nothing reached it that is not marked sent.
    assert len(sent_keys) == state["outbox"].get("sent", 0)


def _check_waiting_lists(state: dict) -> None:
    for session, positions in state["waiting_positions"].items():
        assert positions == list(range(1, len(positions) + 1)), f"session {session}: positions {positions}"
    assert state["counter_drift"] == []


def _latency(stream: Stream, since: float, until: float) -> float:
    times = sorted(o.ms for o in stream.outcomes if since <= o.at <= until and o.kind == "ok")
    return round(times[len(times) // 2], 1) if times else 0.0


def test_redis_stopped_pages_answer_sign_ups_kept_mail_sent_once(stack):
    before_sent = stack.sink.count()
    stream = _stream(stack)
    stream.run()
    time.sleep(3)
    down = time.monotonic()
    stack.redis_stop()
    time.sleep(REDIS_SECONDS)
    stack.redis_start()
    up = time.monotonic()
    time.sleep(5)
    stream.stop.set()
    stream.join()
    state, drain = _drained(stack, 120)

    errors = stream.errors()
    lost = _lost(stream, state)
    figures = {
        "requests": len(stream.outcomes),
        "requests_during_fault": sum(1 for o in stream.outcomes if down <= o.at <= up),
        "errors": dict(errors),
        "lost": len(lost) + len(state["missing_mail"]),
        "duplicates": sum(n - 1 for n in _duplicates(stack).values()),
        # Pages never stopped answering; recovery is the mail caught up (measured to the
        # inspection that saw the outbox empty, so an upper bound).
        "recovery_s": round(time.monotonic() - up, 1),
        "median_ms_before": _latency(stream, 0, down),
        "median_ms_during": _latency(stream, down, up),
        "mails": stack.sink.count() - before_sent,
        "fault_s": REDIS_SECONDS,
    }
    record("redis", figures)
    assert stream.answered, "the stream made no answered sign-up"
    assert figures["requests_during_fault"] > 50, "too few requests during the outage to show anything"
    assert errors == Counter(), f"pages failed while Redis was away: {errors}"
    assert lost == []
    _check_mail(stack, state)
    _check_waiting_lists(state)


def test_postgresql_restarted_503_in_norwegian_then_recovers_by_itself(stack):
    before_sent = stack.sink.count()
    stream = _stream(stack)
    stream.run()
    time.sleep(3)
    down = time.monotonic()
    stack.pg_stop()
    time.sleep(PG_SECONDS)
    stack.pg_start()
    up = time.monotonic()
    time.sleep(6)
    stream.stop.set()
    stream.join()
    state, drain = _drained(stack, 120)

    errors = stream.errors()
    recovered = stream.first_ok_after(up)
    lost = _lost(stream, state)
    figures = {
        "requests": len(stream.outcomes),
        "requests_during_fault": sum(1 for o in stream.outcomes if down <= o.at <= up),
        "errors": dict(errors),
        "lost": len(lost) + len(state["missing_mail"]),
        "duplicates": sum(n - 1 for n in _duplicates(stack).values()),
        "recovery_s": round(recovered, 2) if recovered is not None else None,
        "mail_caught_up_s": round(time.monotonic() - up, 1),
        "mails": stack.sink.count() - before_sent,
        "fault_s": PG_SECONDS,
    }
    record("postgresql", figures)
    assert figures["requests_during_fault"] > 10
    # While it was away: a 503, never a 500 or a stack trace; the page says so in Norwegian.
    assert set(errors) <= {"http 503"}, errors
    assert errors["http 503"] > 0, "the outage was not seen"
    bodies = stream.bodies("http 503")
    assert all("Portalen er utilgjengelig en liten stund" in b and "Traceback" not in b for b in bodies)
    # Connections came back by themselves: no error once it had answered again.
    assert recovered is not None and recovered < 10
    assert stream.errors(since=up + recovered + 1) == Counter()
    assert lost == []
    _check_mail(stack, state)
    _check_waiting_lists(state)
