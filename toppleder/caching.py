"""The portal's one cache rule: a cached value is used only while every table it was read
from is unchanged, and a change counts from the moment its transaction commits.

How
- Every table has a *version* in the cache: an opaque token. A write statement on any
  database connection (the ORM, bulk operations, queryset updates, raw SQL alike: the
  statement text is watched, see `watch_connection`) gives its table a new version when
  its transaction commits — at once in autocommit, never for a rolled-back one, and not
  for a statement that changed no row.
- `cached(key, build)` reads the versions of every table *before* it builds, records which
  tables the build's SQL read, and stores the value with those tables' versions. A later
  call uses the value only while all of them are the same. Nobody lists dependencies by
  hand, so none can be forgotten; no clock is compared, so no margin is needed.
- Inside a transaction that has written a table, that table's version as this connection
  sees it carries a token of the pending write: the writer never reuses what it built before
  its own change, and nobody else ever uses what the writer built from uncommitted rows.
- A table that triggers write (no statement names it) is declared with
  `written_by_triggers`: a write to one of its source tables is a write to it.
- A version missing from the cache (evicted, first use) gets a new random token: values
  stored under the old one are never used again.

Not watched, because no cached value depends on them and they are written on most requests:
sessions, the audit log, migrations, and users (every sign-in writes `last_login`; a cached
part may show a name up to `timeout` seconds old). What the clock alone changes (a session
that has begun) is also at most `timeout` seconds old. HTML holding a form carries a CSRF
token: build its key with `per_csrf_secret(request, ...)`.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import re
import secrets
import threading
from collections.abc import Callable, Iterable
from functools import cache as memoize

from django.core.cache import cache
from django.db import connection as default_connection

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 60
# What a cached part shows can depend on rows the request read before the build (the roles,
# the leader profile and organisation): always checked too.
ALWAYS_READ = ("toppleder_user_groups", "auth_group", "toppleder_leader", "toppleder_organisation")
UNWATCHED = frozenset({"django_session", "django_migrations", "toppleder_auditentry", "toppleder_user"})
VERSION_KEY = "table-version:{}"

_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+"?([A-Za-z0-9_]+)"?', re.I)
_TRUNCATE = re.compile(r"^\s*TRUNCATE\b", re.I)
_tokens = itertools.count(1)
_local = threading.local()


# --------------------------------------------------------------------------- versions
class _Bump:
    """An on-commit callback: new versions for the tables its transaction wrote."""

    def __init__(self):
        self.tables: dict[str, int] = {}  # table -> token of its latest uncommitted write

    def __call__(self):
        bump(self.tables)


def bump(tables: Iterable[str]) -> None:
    """New versions for `tables` (committed writes; call it yourself only after raw COPYs)."""
    fresh = {VERSION_KEY.format(t): secrets.token_hex(8) for t in tables if t not in UNWATCHED}
    if fresh:
        try:
            cache.set_many(fresh, timeout=None)
        except Exception:  # the commit has happened; a cache outage must not turn it into an error
            logger.exception("table versions could not be bumped: %s", sorted(fresh))


def bump_all() -> None:
    bump(_model_tables())


# Tables the database writes itself (triggers): a write to a source table is a write to them.
_WRITTEN_WITH: dict[str, set[str]] = {}


def written_by_triggers(table: str, *, on: Iterable[str]) -> None:
    """Declare that triggers write `table` whenever one of the tables `on` is written (call it
    from an AppConfig.ready). No statement names `table`, so without this a value read from it
    would be used after it changed."""
    for source in on:
        _WRITTEN_WITH.setdefault(source, set()).add(table)


def _written(connection, table: str) -> None:
    if table in UNWATCHED:
        return
    for derived in sorted(_WRITTEN_WITH.get(table, ())):
        _written(connection, derived)
    if not connection.in_atomic_block:
        bump([table])  # autocommit: the statement has committed
        return
    # One callback per transaction (per savepoint level): merge into the last one when it was
    # registered at the same savepoint level. A rolled-back savepoint drops its callbacks, and
    # with them the pending versions below.
    pending = connection.run_on_commit[-1] if connection.run_on_commit else None
    if pending is not None and isinstance(pending[1], _Bump) and pending[0] == set(connection.savepoint_ids):
        callback = pending[1]
    else:
        callback = _Bump()
        connection.on_commit(callback, robust=True)
    callback.tables[table] = next(_tokens)


def _watch(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    # A statement that changed no row (an UPDATE whose WHERE matched nothing, say a "seen"
    # mark already set) changed nothing: no new version. -1 means unknown: counted as a change.
    if isinstance(sql, str) and getattr(context.get("cursor"), "rowcount", -1) != 0:
        match = _WRITE.match(sql)
        if match:
            _written(context["connection"], match.group(1))
        elif _TRUNCATE.match(sql):
            for table in _model_tables():
                if f'"{table}"' in sql or f" {table}" in sql:
                    _written(context["connection"], table)
    return result


def watch_connection(sender=None, connection=None, **kwargs) -> None:
    """`connection_created` receiver (toppleder/apps.py): watch every write statement."""
    if _watch not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch)


def _versions(tables: Iterable[str]) -> dict[str, str]:
    """The versions of `tables` as this connection sees them (its pending writes included)."""
    tables = [t for t in tables if t not in UNWATCHED]
    keys = {t: VERSION_KEY.format(t) for t in tables}
    found = cache.get_many(list(keys.values()))
    out = {}
    for table, key in keys.items():
        version = found.get(key)
        if version is None:
            cache.add(key, secrets.token_hex(8), timeout=None)
            version = cache.get(key)
        out[table] = str(version)
    if default_connection.in_atomic_block:
        for _sids, callback, _robust in default_connection.run_on_commit:
            if isinstance(callback, _Bump):
                for table, token in callback.tables.items():
                    if table in out:
                        out[table] = f"{out[table].split('+')[0]}+{token}"
    return out


# --------------------------------------------------------------------------- cached values
Entry = tuple[dict, object]  # (versions of the tables read, value)


def build_recorded(build: Callable[[], object]) -> tuple[Entry | None, object]:
    """Run `build()`; return (its cache entry, or None when it must not be cached, and the result)."""
    before = _versions(_model_tables())
    statements: list[str] = []
    # Tables behind cached values the build used without running their SQL (nested `cached`).
    reused: set[str] = set()
    _local.__dict__.setdefault("reused", []).append(reused)

    def recording(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    try:
        with default_connection.execute_wrapper(recording):
            result = build()
    finally:
        _local.reused.pop()
    read = {t for t in _model_tables() if any(f'"{t}"' in sql for sql in statements)}
    read = (read | reused | set(ALWAYS_READ)) - UNWATCHED
    return ({t: before[t] for t in sorted(read) if t in before}, result), result


def is_fresh(entry) -> bool:
    """True while no table the entry was read from has had a write committed since its build."""
    if not entry or not isinstance(entry, tuple) or len(entry) != 2:
        return False
    versions, _value = entry
    return _versions(versions) == versions


def _reuse(entry: Entry) -> object:
    for outer in getattr(_local, "reused", ()):  # an enclosing build depends on these too
        outer.update(entry[0])
    return entry[1]


def cached(key: str, build: Callable[[], object], *, timeout: int | None = DEFAULT_TIMEOUT):
    """`build()`, or its value from the cache while the tables it read are unchanged."""
    entry = cache.get(key)
    if is_fresh(entry):
        return _reuse(entry)
    entry, result = build_recorded(build)
    if entry is not None:
        cache.set(key, entry, timeout)
    return result


def lookup(key: str):
    """The value stored under `key` by `cached`, if it is still fresh; else None."""
    entry = cache.get(key)
    return _reuse(entry) if is_fresh(entry) else None


def cached_many(keys: Iterable[str]) -> dict[str, object]:
    """The fresh values among `keys` (one cache round trip for the entries)."""
    found = cache.get_many(list(keys))
    return {key: _reuse(entry) for key, entry in found.items() if is_fresh(entry)}


def store_many(entries: dict[str, Entry], *, timeout: int | None = DEFAULT_TIMEOUT) -> None:
    """Store entries made with `build_recorded` (key -> (versions, value)) in one round trip."""
    cache.set_many(entries, timeout)


def per_csrf_secret(request, key: str) -> str:
    """`key` for HTML that holds CSRF tokens: one entry per CSRF secret (hashed)."""
    from django.middleware.csrf import get_token

    get_token(request)  # a browser without a CSRF cookie gets its secret now, not mid-render
    secret = request.META["CSRF_COOKIE"]
    return f"{key}:csrf-{hashlib.sha256(secret.encode()).hexdigest()[:16]}"


@memoize
def _model_tables() -> frozenset[str]:
    from django.apps import apps

    return frozenset(m._meta.db_table for m in apps.get_models(include_auto_created=True)) - UNWATCHED
