"""A dependency away is a slower page or a clear 503, never a 500 or a lost change.

- Redis (cache) stopped: signed-in pages answer, the session survives (cached_db), a sign-up
  is kept; when Redis answers again nothing stored before the outage is used.
- The broker away: the change commits, its task runs in-process (or, for a delivery, is left
  to the outbox sweeper), and the e-mail it causes is in the outbox.
- The database away: the 503 page in the person's language with Retry-After, not a 500.
The fault suite (tests/faults) does the same against gunicorn and a real worker.
"""

import subprocess
import time

import pytest
from django.db import OperationalError, ProgrammingError
from django.urls import reverse

from programmes import services
from programmes.models import Registration
from tests.programmes.factories import SessionFactory
from tests.programmes.web import *  # noqa: F403
from tests.servers import RedisServer, real_clock_env
from toppleder import cache_backend, caching
from toppleder.celery import app
from toppleder.models import OutboxMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis(tmp_path, settings, monkeypatch):
    """The cache on a Redis of our own, so the test can stop it (by its pid) and start it again."""
    server = RedisServer(tmp_path)
    server.start()
    settings.CACHES = {"default": {"BACKEND": "toppleder.cache_backend.TolerantRedisCache", "LOCATION": server.url}}
    monkeypatch.setattr(cache_backend, "DOWN_SECONDS", 0.2)
    yield server
    server.stop()


def test_redis_stopped_pages_answer_the_session_survives_and_a_sign_up_is_kept(client, me, programme, redis):
    session = SessionFactory(programme=programme, title="Samling under utfall")
    client.force_login(me.user)
    assert client.get("/").status_code == 200

    redis.stop()
    client.raise_request_exception = False
    started = time.monotonic()
    page = client.get("/")
    assert page.status_code == 200
    assert me.user.name in page.content.decode()  # still signed in: the session is in the database
    response = client.post(reverse("programmes:registration_create", args=[session.pk]))
    assert response.status_code == 302
    assert Registration.objects.get(session=session, leader=me).status == Registration.Status.CONFIRMED
    assert time.monotonic() - started < 5  # slower at most by a connection attempt or two

    redis.start()
    time.sleep(0.3)
    assert "Samling under utfall" in client.get("/").content.decode()


def test_after_an_outage_nothing_stored_before_it_is_used(redis, me, programme):
    from django.core.cache import cache

    session = SessionFactory(programme=programme, title="Før")
    title = lambda: caching.cached("test:title", lambda: SessionFactory._meta.model.objects.get(pk=session.pk).title)  # noqa: E731
    assert title() == "Før"
    cache.set("kept", "from before")

    # Redis away: its data kept on disk, as a persistent Redis or a network split would.
    client = cache._cache.get_client(write=True)
    client.save()
    redis.process.terminate()
    redis.process.wait()
    type(session).objects.filter(pk=session.pk).update(title="Under")  # the version bump is lost
    assert cache.get("kept") is None  # a miss, not an error
    redis.process = subprocess.Popen(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(redis.port), "--dir", str(redis.dir),
         "--dbfilename", "dump.rdb", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        env=real_clock_env(),
    )  # fmt: skip
    time.sleep(0.5)
    assert client.get(cache.make_key("kept")) is not None  # Redis came back with the old data …
    time.sleep(0.3)
    assert cache.get("kept") is None  # … but the cache emptied itself before using any of it
    assert title() == "Under"


def _fresh_broker_connections() -> None:
    """Drop the process's broker connection pools, so the next publish connects anew."""
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


def test_broker_away_the_change_commits_and_its_mail_is_queued(
    me, programme, tmp_path, django_capture_on_commit_callbacks
):
    session = SessionFactory(programme=programme)
    broker = RedisServer(tmp_path)  # our own broker, stopped by its pid before the sign-up
    broker.start()
    saved = (app.conf.task_always_eager, app.conf.broker_url)
    app.conf.task_always_eager = False
    app.conf.broker_url = broker.url
    _fresh_broker_connections()
    broker.stop()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            registration = services.registration_create(session=session, leader=me)
    finally:
        app.conf.task_always_eager, app.conf.broker_url = saved
        _fresh_broker_connections()
    # The confirmation task ran here; its delivery is left to the sweeper (queued, due now).
    message = OutboxMessage.objects.get(kind=OutboxMessage.Kind.REGISTRATION_CONFIRMED)
    assert message.object_id == registration.pk
    assert message.status == OutboxMessage.Status.QUEUED and message.next_attempt_at is None


@pytest.mark.parametrize("language", ["nb", "en"])
def test_database_away_is_a_503_page_in_the_persons_language(client, me, monkeypatch, language):
    from toppleder import views

    def away(request):
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')

    monkeypatch.setattr(views, "build_panels", lambda *a, **k: away(None))
    client.force_login(me.user)
    client.cookies["django_language"] = language
    client.raise_request_exception = False
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    html = response.content.decode()
    expected = "Portalen er utilgjengelig en liten stund" if language == "nb" else "The portal is briefly unavailable"
    assert expected in html
    assert "Traceback" not in html and "Connection refused" not in html


def test_any_other_error_is_still_the_500_page(client, me, monkeypatch):
    from toppleder import views

    def bug(*args, **kwargs):
        raise ProgrammingError("column does not exist")

    monkeypatch.setattr(views, "build_panels", bug)
    client.force_login(me.user)
    client.raise_request_exception = False
    response = client.get("/")
    assert response.status_code == 500
    assert "Noe gikk galt hos oss" in response.content.decode()


def test_a_sign_up_whose_answer_was_lost_still_gets_its_confirmation_once(
    me, programme, django_capture_on_commit_callbacks
):
    """The database went away just as a sign-up committed: the leader saw a 503 and nothing
    after the commit ran. The confirmation is an outbox row of the sign-up's own transaction, so
    it is there; the sweeper delivers it (its delivery task was lost), and clicking again
    ("already signed up") sends nothing more."""
    from datetime import timedelta

    from django.core import mail
    from django.core.exceptions import ValidationError

    from toppleder.outbox.delivery import outbox_sweep

    session = SessionFactory(programme=programme)
    with django_capture_on_commit_callbacks(execute=False):  # committed, callbacks lost
        services.registration_create(session=session, leader=me)
    assert OutboxMessage.objects.filter(kind=OutboxMessage.Kind.REGISTRATION_CONFIRMED).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        outbox_sweep(queued_grace=timedelta(0))
    for _click in range(2):
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
            services.registration_create(session=session, leader=me)
    assert OutboxMessage.objects.filter(kind=OutboxMessage.Kind.REGISTRATION_CONFIRMED).count() == 1
    assert [m.to[0] for m in mail.outbox] == [me.user.email]
