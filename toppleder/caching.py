"""Rendered HTML kept in the cache until one of the tables it was read from changes.

Building a fragment records which tables its SQL read. django-cachalot stamps a table on
every ORM write (after commit; saves, queryset updates and deletes, bulk inserts alike), so
a cached fragment is used only while none of its tables has a stamp later than the moment
its build began. Nobody lists dependencies by hand, so none can be forgotten. Raw SQL is not
watched (CACHALOT_INVALIDATE_RAW): code that writes rows with it calls
`cachalot.api.invalidate()`, as seed_demo does after its COPY.

What the clock alone changes (a session that has begun, a survey that has closed) is at most
`timeout` seconds old; so are people's names (the user table has no stamps: every sign-in
writes last_login, see CACHALOT_UNCACHABLE_TABLES). HTML with a form in it carries a CSRF
token: build its key with `per_csrf_secret(request, ...)`, so it is never shown with another
secret than the one it was made for (the secret changes at every sign-in).
"""

import hashlib
import threading
import time
from collections.abc import Callable, Iterable
from functools import cache as memoize

from django.conf import settings
from django.core.cache import cache
from django.db import connection

DEFAULT_TIMEOUT = 60
# What a fragment shows can depend on rows the request read before the build (the roles,
# the leader profile and organisation): always checked too.
ALWAYS_READ = ("toppleder_user_groups", "auth_group", "toppleder_leader", "toppleder_organisation")
# Read by fragments but without stamps: changes show within the time-out.
CLOCK_ONLY = frozenset({"toppleder_user"})
# Stamps come from the writer's clock: a build counts as started a little before it did.
CLOCK_MARGIN_SECONDS = 1.0

Entry = tuple[float, tuple[str, ...], object]


_local = threading.local()


def build_recorded(build: Callable[[], object]) -> tuple[Entry | None, object]:
    """Run `build()`; return (cache entry, or None when it must not be cached, and the result)."""
    started = time.time() - CLOCK_MARGIN_SECONDS
    statements: list[str] = []
    # Tables behind cached values the build used without running their SQL (nested `cached`).
    reused: set[str] = set()
    _local.__dict__.setdefault("reused", []).append(reused)

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    try:
        with connection.execute_wrapper(record):
            result = build()
    finally:
        _local.reused.pop()
    read = {t for t in _model_tables() if any(f'"{t}"' in sql for sql in statements)}
    read = (read | reused) - CLOCK_ONLY
    if read & set(settings.CACHALOT_UNCACHABLE_TABLES):
        return None, result  # no stamps for these tables: never cache what reads them
    return (started, tuple(sorted(read.union(ALWAYS_READ))), result), result


def is_fresh(entry: Entry | None) -> bool:
    """True while no table the entry was read from has been written since its build began."""
    if entry is None:
        return False
    from cachalot.api import get_last_invalidation

    started, tables, _value = entry
    return get_last_invalidation(*tables) < started


def cached(key: str, build: Callable[[], object], *, timeout: int = DEFAULT_TIMEOUT):
    """`build()` from the cache while the tables it read are unchanged (see the module)."""
    entry = cache.get(key)
    if is_fresh(entry):
        for outer in getattr(_local, "reused", ()):  # an enclosing build depends on these too
            outer.update(entry[1])
        return entry[2]
    entry, result = build_recorded(build)
    if entry is not None:
        cache.set(key, entry, timeout)
    return result


def per_csrf_secret(request, key: str) -> str:
    """`key` for HTML that holds CSRF tokens: one entry per CSRF secret (hashed)."""
    from django.middleware.csrf import get_token

    get_token(request)  # a browser without a CSRF cookie gets its secret now, not mid-render
    secret = request.META["CSRF_COOKIE"]
    return f"{key}:csrf-{hashlib.sha256(secret.encode()).hexdigest()[:16]}"


def cached_many(keys: Iterable[str]) -> dict[str, object]:
    """The fresh values among `keys` (one cache round trip, one stamp lookup per entry)."""
    found = cache.get_many(list(keys))
    return {key: entry[2] for key, entry in found.items() if is_fresh(entry)}


@memoize
def _model_tables() -> frozenset[str]:
    from django.apps import apps

    return frozenset(m._meta.db_table for m in apps.get_models(include_auto_created=True))
