"""/healthz reports the real state of the database and Redis; /healthz/live touches nothing."""

import copy
import socket

import pytest
from django.db import connections
from django.db.utils import load_backend

from toppleder import views


def _closed_port() -> int:
    """A loopback port nobody listens on (bound, read, released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _unreachable_database():
    """A real connection object for the project's database engine that cannot connect."""
    params = copy.deepcopy(connections["default"].settings_dict)
    if params["ENGINE"].endswith("sqlite3"):
        params["NAME"] = "/nonexistent-directory/toppleder.sqlite3"
    else:
        params.update(HOST="127.0.0.1", PORT=str(_closed_port()))
        params["OPTIONS"] = {**params.get("OPTIONS", {}), "connect_timeout": 2}
    return load_backend(params["ENGINE"]).DatabaseWrapper(params, alias="unreachable")


@pytest.mark.django_db
def test_healthz_is_200_when_database_and_cache_answer(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["cache"] == "ok"
    assert body["checks"]["broker"] in {"ok", "eager"}


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_is_unreachable(client, monkeypatch):
    monkeypatch.setattr(views, "connection", _unreachable_database())

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["database"].startswith("error")
    assert body["checks"]["cache"] == "ok"


@pytest.mark.django_db
def test_healthz_is_503_when_redis_is_down(client, settings):
    dead = f"redis://127.0.0.1:{_closed_port()}/0"
    settings.REDIS_URL = dead
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": dead}}

    response = client.get("/healthz")

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == "ok"
    assert checks["cache"].startswith("error")
    assert checks["broker"].startswith("error")


@pytest.mark.django_db
def test_healthz_live_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz/live")

    assert response.status_code == 200
    assert response.content == b"ok"
