"""Settings come from the environment: embedded defaults for `make run`, a clean `check --deploy` for production."""

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "from toppleder.celery import app; "
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], 'cache': s.CACHES['default']['BACKEND'], "
    "'debug': s.DEBUG, 'eager': app.conf.task_always_eager, 'email': s.EMAIL_BACKEND, 'k': s.SURVEY_MIN_RESPONDENTS}))"
)


def _clean_env(**extra) -> dict:
    """The process environment without any of the project's variables, plus `extra`."""
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH"}}
    return {**keep, "DJANGO_SETTINGS_MODULE": "toppleder.settings", **extra}


def _run(args, env) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def production_env() -> dict:
    return _clean_env(
        DJANGO_DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="toppleder.example",
        DATABASE_URL=os.environ.get("DATABASE_URL", "postgres://toppleder@127.0.0.1:5432/toppleder"),
        REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        EMAIL_URL="smtp+tls://mailer@smtp.example:587",
        NOTES_ENCRYPTION_KEYS=base64.urlsafe_b64encode(os.urandom(32)).decode(),
    )


def test_check_deploy_is_clean_under_the_production_profile():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["SECRET_KEY"]

    result = _run(["manage.py", "check"], env)

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_embedded_default_needs_no_environment():
    import json

    result = _run(["-c", PROBE], _clean_env())

    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["engine"] == "django.db.backends.sqlite3"
    assert probe["cache"].endswith("LocMemCache")
    assert probe["debug"] is True
    assert probe["eager"] is True
    assert probe["email"].endswith("console.EmailBackend")
    assert probe["k"] == 5


def test_production_profile_uses_postgresql_redis_and_smtp():
    import json

    result = _run(["-c", PROBE], production_env())

    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["engine"] == "django.db.backends.postgresql"
    assert probe["cache"].endswith("RedisCache")
    assert probe["debug"] is False
    assert probe["eager"] is False
    assert probe["email"].endswith("smtp.EmailBackend")
