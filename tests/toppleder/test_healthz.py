"""/healthz tells the truth about each dependency: every one is driven to unhealthy and back.

Redis and the SMTP relay are real servers on loopback that the test starts and stops by
their process (Redis) or its own controller (aiosmtpd); the database is a real connection
object that cannot connect; beat and the outbox are moved by the clock.
"""

import copy
import time
from datetime import timedelta

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.db import connections
from django.db.utils import load_backend
from django.utils import timezone

from tests.factories import UserFactory
from tests.servers import RedisServer, free_port
from toppleder import cache_backend, health
from toppleder.celery import app
from toppleder.models import OutboxMessage
from toppleder.tasks import beat_heartbeat


def _unreachable_database():
    """A real connection object for the project's database engine that cannot connect."""
    params = copy.deepcopy(connections["default"].settings_dict)
    if params["ENGINE"].endswith("sqlite3"):
        params["NAME"] = "/nonexistent-directory/toppleder.sqlite3"
    else:
        params.update(HOST="127.0.0.1", PORT=str(free_port()))
        params["OPTIONS"] = {**params.get("OPTIONS", {}), "connect_timeout": 2}
    return load_backend(params["ENGINE"]).DatabaseWrapper(params, alias="unreachable")


class Relay:
    """An SMTP relay (aiosmtpd) that can be switched off and on again on the same port."""

    def __init__(self):
        self.port = free_port()
        self.controller = None

    def start(self):
        self.controller = Controller(object(), hostname="127.0.0.1", port=self.port, server_hostname="localhost")
        self.controller.start()

    def stop(self):
        self.controller.stop()
        self.controller = None


@pytest.fixture
def stack(tmp_path, settings, db):
    """Every dependency real and healthy: Redis (cache and broker), an SMTP relay, beat."""
    redis = RedisServer(tmp_path)
    redis.start()
    relay = Relay()
    relay.start()
    settings.REDIS_URL = settings.CELERY_BROKER_URL = redis.url
    settings.CACHES = {"default": {"BACKEND": "toppleder.cache_backend.TolerantRedisCache", "LOCATION": redis.url}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_SSL = "127.0.0.1", relay.port, False
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False  # a real broker: health reports on it
    beat_heartbeat()
    yield type("Stack", (), {"redis": redis, "relay": relay})
    app.conf.task_always_eager = eager
    redis.stop()
    if relay.controller is not None:
        relay.stop()


def _get(client):
    response = client.get("/healthz")
    return response.status_code, response.json()


def test_all_dependencies_healthy_is_200(client, stack):
    code, body = _get(client)

    assert code == 200, body
    assert body["status"] == "ok"
    assert body["checks"] == {
        "database": "ok", "cache": "ok", "broker": "ok", "mail_relay": "ok", "beat": "ok", "outbox": "ok",
    }  # fmt: skip
    assert body["details"]["outbox"]["backlog"] == 0


def test_database_unreachable_then_back(client, stack, monkeypatch):
    monkeypatch.setattr(health, "connection", _unreachable_database())
    code, body = _get(client)
    assert code == 503
    assert body["status"] == "error"
    assert body["checks"]["database"].startswith("error")
    assert body["checks"]["cache"] == "ok"

    monkeypatch.undo()
    assert _get(client)[0] == 200


def test_redis_stopped_then_started_again(client, stack, monkeypatch):
    monkeypatch.setattr(cache_backend, "DOWN_SECONDS", 0.2)
    stack.redis.stop()
    code, body = _get(client)
    assert code == 503
    assert body["checks"]["cache"].startswith("error")
    assert body["checks"]["broker"].startswith("error")
    assert body["checks"]["database"] == "ok"

    stack.redis.start()
    time.sleep(0.3)  # the cache asks Redis again only after DOWN_SECONDS
    beat_heartbeat()  # a restarted Redis without persistence forgot it; beat writes it again
    code, body = _get(client)
    assert code == 200, body


def test_mail_relay_down_then_back(client, stack):
    stack.relay.stop()
    code, body = _get(client)
    assert code == 503
    assert body["checks"]["mail_relay"].startswith("error")

    stack.relay.start()
    assert _get(client)[0] == 200


def test_beat_silent_for_longer_than_its_limit_then_running_again(client, stack):
    with time_machine.travel(timezone.now() + health.BEAT_STALE + timedelta(minutes=1)):
        code, body = _get(client)
        assert code == 503
        assert body["checks"]["beat"].startswith("error: last run")

        beat_heartbeat()  # the beat job runs again
        assert _get(client)[0] == 200


def test_outbox_mail_waiting_too_long_then_sent(client, stack):
    user = UserFactory()
    start = timezone.now()
    message = OutboxMessage.objects.create(key="healthz:1", kind="session_invitation", recipient=user,
                                           to_email=user.email, created_at=start)  # fmt: skip
    assert _get(client)[0] == 200  # just queued: fine

    with time_machine.travel(start + health.OUTBOX_OVERDUE + timedelta(minutes=1)):
        beat_heartbeat()
        code, body = _get(client)
        assert code == 503
        assert body["checks"]["outbox"].startswith("error")
        assert body["details"]["outbox"]["backlog"] == 1
        assert body["details"]["outbox"]["oldest_due_at"] == start.isoformat()

        OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxMessage.Status.SENT)
        assert _get(client)[0] == 200


def test_outbox_mail_backing_off_is_counted_not_alarmed(client, stack):
    """A row waiting for its next attempt (the relay failed) is backlog; mail_relay says why."""
    user = UserFactory()
    start = timezone.now()
    OutboxMessage.objects.create(key="healthz:2", kind="session_invitation", recipient=user, to_email=user.email,
                                 created_at=start, next_attempt_at=start + timedelta(hours=1))  # fmt: skip
    with time_machine.travel(start + timedelta(minutes=40)):
        beat_heartbeat()
        code, body = _get(client)
    assert code == 200, body
    assert body["details"]["outbox"]["backlog"] == 1


@pytest.mark.django_db
def test_healthz_live_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz/live")

    assert response.status_code == 200
    assert response.content == b"ok"
