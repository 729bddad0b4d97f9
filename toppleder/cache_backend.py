"""The cache backend: Django's Redis cache, for which a Redis outage is a slower page, not a 500.

Everything the portal keeps in the cache can be rebuilt or done without: sessions are
written through to the database (cached_db), sign-in limits count again from zero, report
PDFs and survey figures are built again, and the table versions of toppleder/caching.py
are replaced by new tokens (which only makes older values unusable). So when Redis does not
answer, a read is a miss and a write is dropped, the page is built from the database, and
the error is logged once per outage and process.

While Redis is away this process does not ask it again for DOWN_SECONDS (a refused or
timed-out connection per cache call would make every page wait). When it answers again,
this process first deletes every cache key (the cache's own keys only, never Celery's
queues in the same Redis): writes committed during the outage could not give their tables
new versions, and a logout could not remove its cached session, so nothing stored before
the outage may be used after it. A Redis restarted without persistence is empty anyway.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

DOWN_SECONDS = 2.0
# Connection and socket time-outs for the cache's Redis (settings.CACHES OPTIONS may override):
# a hung Redis makes a page at most this much slower per attempt, then the breaker opens.
SOCKET_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 1.0}
OUTAGE = (RedisError, OSError)


class TolerantRedisCache(RedisCache):
    """RedisCache whose failures are misses (reads) and no-ops (writes)."""

    def __init__(self, server, params):
        params = {**params, "OPTIONS": {**SOCKET_OPTIONS, **params.get("OPTIONS", {})}}
        super().__init__(server, params)
        self._lock = threading.Lock()
        self._down_until = 0.0  # monotonic time before which Redis is not asked
        self._outage = False  # an error was seen and the cache has not been emptied since

    # ------------------------------------------------------------------ the breaker
    def _call(self, name: str, default, *args, **kwargs):
        if self._outage:
            if time.monotonic() < self._down_until or not self._recover():
                return default
        try:
            return getattr(super(), name)(*args, **kwargs)
        except OUTAGE as exc:
            self._failed(name, exc)
            return default

    def _failed(self, name: str, exc: Exception) -> None:
        with self._lock:
            first = not self._outage
            self._outage = True
            self._down_until = time.monotonic() + DOWN_SECONDS
        if first:
            logger.error("cache unavailable (%s: %s); pages are built without it until it answers", name, exc)

    def _recover(self) -> bool:
        """Redis may be back: empty the cache's keys. False (and stay down) if it still fails."""
        try:
            client = self._cache.get_client(write=True)
            removed = 0
            batch = []
            for key in client.scan_iter(match=self.make_key("*"), count=1000):
                batch.append(key)
                if len(batch) >= 1000:
                    removed += client.delete(*batch)
                    batch = []
            if batch:
                removed += client.delete(*batch)
        except OUTAGE as exc:
            self._failed("recover", exc)
            return False
        with self._lock:
            self._outage = False
        logger.warning("cache available again; %s keys kept from before the outage were removed", removed)
        return True

    def check(self) -> None:
        """For /healthz: write and read a value past the breaker; raises when Redis fails."""
        RedisCache.set(self, "healthz", "1", 5)
        if RedisCache.get(self, "healthz") != "1":
            raise RuntimeError("the cache did not keep a value")


def _wrap(name: str, default_of):
    original = getattr(RedisCache, name)

    def method(self, *args, **kwargs):
        return self._call(name, default_of(args, kwargs), *args, **kwargs)

    method.__name__ = name
    method.__doc__ = original.__doc__
    return method


def _get_default(args, kwargs):
    return kwargs.get("default", args[1] if len(args) > 1 else None)


for _name, _default in {
    "get": _get_default,
    "get_many": lambda a, k: {},
    "has_key": lambda a, k: False,
    "add": lambda a, k: False,
    "set": lambda a, k: None,
    "set_many": lambda a, k: list(a[0]) if a else [],  # the keys that were not stored
    "touch": lambda a, k: False,
    "delete": lambda a, k: False,
    "delete_many": lambda a, k: None,
    "clear": lambda a, k: False,
}.items():
    setattr(TolerantRedisCache, _name, _wrap(_name, _default))


def _incr(self, key, delta=1, version=None):
    """A counter (sign-in limits) counts from zero while Redis is away: a missing key as ever."""
    result = self._call("incr", _MISSING, key, delta, version)
    if result is _MISSING:
        raise ValueError(f"Key '{key}' not found")  # what BaseCache.incr says for a missing key
    return result


_MISSING = object()
TolerantRedisCache.incr = _incr
