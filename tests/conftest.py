"""Project-wide test setup: fast hashing, eager Celery for unit tests, core fixtures.

The browser fixtures (Playwright on Debian's Chromium) live in tests/e2e/conftest.py.
Mark a test `integration` to run its tasks through a real broker/worker instead of eagerly.
"""

import os

import pytest

# Playwright's sync API runs an event loop in the test thread; live_server + ORM need this.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

FAST_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",  # new passwords in tests: fast
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",  # still verifies real hashes
]


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing():
    from django.conf import settings

    original = settings.PASSWORD_HASHERS
    settings.PASSWORD_HASHERS = FAST_HASHERS
    yield
    settings.PASSWORD_HASHERS = original


@pytest.fixture(autouse=True)
def _celery_eager(request):
    """Tasks run in-process at once (pytest-django's `settings` does not reach Celery)."""
    from toppleder.celery import app

    if request.node.get_closest_marker("integration"):
        yield
        return
    saved = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: no rate-limit counters or cached pages from earlier tests."""
    from django.core.cache import caches

    backend = caches["default"]
    if backend.__class__.__name__ == "RedisCache":
        # Only the cache's own keys: FLUSHDB would also drop Celery's queues on a shared Redis.
        client = backend._cache.get_client(write=True)
        keys = list(client.scan_iter(match=backend.make_key("*"), count=1000))
        if keys:
            client.delete(*keys)
    else:
        backend.clear()


@pytest.fixture
def hr_user(db):
    from tests.factories import HRUserFactory

    return HRUserFactory(email="hr@toppleder.example", name="Hanne HR")


@pytest.fixture
def admin_user(db):
    """An administrator (overrides pytest-django's `admin_user`: also in the Administrator group)."""
    from tests.factories import AdminUserFactory

    return AdminUserFactory(email="admin@toppleder.example", name="Anders Admin")


@pytest.fixture
def leader(db):
    """A top leader (level 1) in an agency, with a user who can sign in."""
    from tests.factories import LeaderFactory

    return LeaderFactory(user__email="leder@toppleder.example", user__name="Liv Leder")
