"""Loaded by every Python process of `make test-dates` (PYTHONPATH=.ci/faketime), never in
production. libfaketime 0.9.10 (Debian 12) with FAKETIME_DONT_FAKE_MONOTONIC=1 rejects the
absolute deadline Python's time.sleep passes to clock_nanosleep (EINVAL); a timed wait on a
lock, which uses the real monotonic clock, is the same sleep. (With the monotonic clock faked
instead, every lock and barrier time-out waits the whole shift, months.)"""

import threading
import time

_real_sleep = time.sleep


def _sleep(seconds):
    if seconds > 0:
        threading.Event().wait(seconds)
    else:
        _real_sleep(0)


time.sleep = _sleep
