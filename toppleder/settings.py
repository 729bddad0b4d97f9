"""Settings for Toppleder: one module, every deploy-specific value from the environment.

The embedded default (no environment at all) is what `make run` uses: SQLite, eager
Celery tasks, local-memory cache and e-mail to the console. Production sets
DATABASE_URL, REDIS_URL, EMAIL_URL, SECRET_KEY, ALLOWED_HOSTS and DJANGO_DEBUG=false.
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
NODE_MODULES = BASE_DIR / "node_modules"

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# The embedded default key is only acceptable while DEBUG is on; production must set one.
SECRET_KEY = env(
    "SECRET_KEY",
    default="django-insecure-embedded-default-key-for-make-run-only-change-me" if DEBUG else environ.Env.NOTSET,
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "toppleder",  # first, so its templates and translations win
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",  # Django's widget templates for FORM_RENDERER = TemplatesSetting
    "whitenoise.runserver_nostatic",
    "crispy_forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "programmes",
    "reflection_groups",
    "surveys",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "toppleder.i18n.PortalLocaleMiddleware",  # nb unless the language switcher chose English
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "toppleder.audit.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "toppleder.middleware.OddInputMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "toppleder.middleware.RoleSecurityMiddleware",
]

ROOT_URLCONF = "toppleder.urls"
WSGI_APPLICATION = "toppleder.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "toppleder.context_processors.portal",
            ],
            # `|when`: every date and time the portal writes (toppleder/dates.py), in every template.
            "builtins": ["toppleder.templatetags.toppleder_dates"],
        },
    },
    {
        # Subjects and text/plain parts of e-mails: plain text, so nothing is HTML-escaped
        # (a title with "&" arrives as "&", not "&amp;"). Only toppleder/outbox/rendering.py
        # uses it; pages and the HTML part of e-mails stay on the escaping engine above.
        "NAME": "text",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"autoescape": False, "builtins": ["toppleder.templatetags.toppleder_dates"]},
    },
]

# --- Database ---------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# Connections are kept between requests and checked before reuse: after a database restart or
# fail-over the first request on each worker opens a new one instead of failing on the dead one.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # SQLite serialises writers; wait for a lock instead of failing under `make run`.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, Celery ----------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
# The cache holds sessions (cached_db), rate-limit counters, report PDFs and the page parts of
# toppleder/caching.py with their table versions (which never expire, so they are never culled
# before the values that depend on them; a missing version only makes those values unusable).
# A Redis outage is a slower page, never an error: toppleder/cache_backend.py.
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "toppleder.cache_backend.TolerantRedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 20000}}
    }

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
# Without a broker (the embedded default) every task runs in-process, at once.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Europe/Oslo"
CELERY_TASK_ACKS_LATE = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Publishing a task waits at most a second for an absent broker (toppleder/celery.py then
# runs the task in-process or leaves it to the outbox sweeper); the worker keeps retrying.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
# A message a worker had taken but could not acknowledge (Redis went away at that moment) is
# put back in the queue after CELERY_VISIBILITY_TIMEOUT seconds. Tasks are acknowledged when
# they start, so a long task is never redelivered by this; every task is safe to run twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 1,
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=300),
    # How often a worker looks for such messages (seconds; kombu scans every 10th look).
    "unacked_restore_interval": env.float("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}

# --- Auth and accounts (django-allauth) --------------------------------------
AUTH_USER_MODEL = "toppleder.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "account_login"

ACCOUNT_ADAPTER = "toppleder.accounts.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "toppleder.accounts.SocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
# Sign-in limits (toppleder/signin.py): per account, failed attempts only; an address is slowed,
# never locked (hundreds of leaders share a few outgoing addresses).
SIGNIN_ACCOUNT_FAILURES = env.int("SIGNIN_ACCOUNT_FAILURES", default=5)
SIGNIN_ACCOUNT_WINDOW = env.int("SIGNIN_ACCOUNT_WINDOW", default=300)  # seconds
SIGNIN_RESET_AFTER = env.int("SIGNIN_RESET_AFTER", default=10)
SIGNIN_ADDRESS_FAILURES = env.int("SIGNIN_ADDRESS_FAILURES", default=50)
SIGNIN_ADDRESS_DELAY = env.float("SIGNIN_ADDRESS_DELAY", default=2.0)  # seconds
ACCOUNT_RATE_LIMITS = {
    # Per account only (the key is the e-mail address): a success rolls its own attempt back.
    "login_failed": f"{SIGNIN_ACCOUNT_FAILURES}/{SIGNIN_ACCOUNT_WINDOW}s/key",
    # A flood guard on the sign-in POST, far above any invitation wave from one address.
    "login": "2000/m/ip",
    "reset_password": "5/m/ip,3/5m/key",
    "reset_password_from_key": "20/m/ip",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Toppleder] "
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Toppleder Oslo kommune"
# HR and administrators must have MFA; RoleSecurityMiddleware sends them to set it up.
MFA_REQUIRED_FOR_STAFF = env.bool("MFA_REQUIRED_FOR_STAFF", default=not DEBUG)

# Single sign-on through OpenID Connect (Microsoft Entra ID), off unless configured.
OIDC_CLIENT_ID = env("OIDC_CLIENT_ID", default="")
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_PROVIDERS = {}
if OIDC_CLIENT_ID:
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "APPS": [
            {
                "provider_id": "entra",
                "name": env("OIDC_PROVIDER_NAME", default="Oslo kommune (Entra ID)"),
                "client_id": OIDC_CLIENT_ID,
                "secret": env("OIDC_CLIENT_SECRET", default=""),
                "settings": {
                    "server_url": env("OIDC_SERVER_URL", default=""),
                    "token_auth_method": env("OIDC_TOKEN_AUTH_METHOD", default="client_secret_post"),
                    "scope": env.list("OIDC_SCOPES", default=["openid", "email", "profile"]),
                },
            }
        ]
    }
# Which of the provider's group (or role) claims give which role: "<group id>=HR,<id>=Administrator,
# <id>=Facilitator" (Entra ID sends group object ids in the `groups` claim). Roles not listed are
# never touched by single sign-on; a listed role the claim no longer carries is taken away.
OIDC_GROUP_ROLES = dict(item.split("=", 1) for item in env.list("OIDC_GROUP_ROLES", default=[]) if "=" in item)
OIDC_GROUPS_CLAIM = env("OIDC_GROUPS_CLAIM", default="groups")
# Trust the provider's own MFA for staff only when told so: then an ID token whose `amr` names
# one of these methods (or whose `acr` is one of OIDC_TRUSTED_ACR) counts as two-factor here.
OIDC_TRUSTED_AMR = env.list("OIDC_TRUSTED_AMR", default=[])
OIDC_TRUSTED_ACR = env.list("OIDC_TRUSTED_ACR", default=[])

# --- Sessions and security ----------------------------------------------------
# Sessions are read from the cache (Redis in production) and written through to the
# database: one query less on every signed-in page, and still durable.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = 12 * 60 * 60  # a signed-in session ends after 12 hours
STAFF_IDLE_TIMEOUT = 30 * 60  # HR and administrators: 30 minutes idle
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "toppleder.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Internationalisation -------------------------------------------------------
LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", _("Norwegian Bokmål")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Oslo"
# Dates and times as Norwegian is written ("19. okt. 2026", "kl. 13.00"); toppleder/dates.py uses them.
FORMAT_MODULE_PATH = ["toppleder.formats"]
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("punkt/css", NODE_MODULES / "@oslokommune/punkt-css/dist/css"),
    ("punkt/fonts", NODE_MODULES / "@oslokommune/punkt-assets/dist/fonts"),
    ("punkt/icons", NODE_MODULES / "@oslokommune/punkt-assets/dist/icons"),
    ("punkt/logos", NODE_MODULES / "@oslokommune/punkt-assets/dist/logos"),
    # GOV.UK's accessible-autocomplete: long pick lists become searchable (static/js/combobox.js).
    ("vendor/accessible-autocomplete", NODE_MODULES / "accessible-autocomplete/dist"),
    # Digdir's u-combobox and u-datalist: long multi-selects become searchable (the same file).
    ("vendor/u-combobox", NODE_MODULES / "@u-elements/u-combobox/dist"),
    ("vendor/u-datalist", NODE_MODULES / "@u-elements/u-datalist/dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # STATICFILES_BACKEND: only for the fault suite (tests/faults), which runs gunicorn with
        # DEBUG off but serves no static files, so it needs no collectstatic manifest.
        "BACKEND": env(
            "STATICFILES_BACKEND",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / "media"))
MEDIA_URL = "/media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- E-mail -----------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Toppleder <toppleder@oslo.kommune.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

# --- Forms --------------------------------------------------------------------
CRISPY_TEMPLATE_PACK = "punkt"
CRISPY_ALLOWED_TEMPLATE_PACKS = ["punkt"]
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
FORMS_URLFIELD_ASSUME_HTTPS = True  # Django 6.0's default, opted into early (links in forms)

# --- The portal's own settings ------------------------------------------------
# Survey cells with fewer respondents than this are suppressed everywhere.
SURVEY_MIN_RESPONDENTS = env.int("SURVEY_MIN_RESPONDENTS", default=5)
# A byte copy of shared/domain/reference.yaml travels with the code (Docker images have
# no shared/); tests/toppleder/test_reference.py fails when the two drift apart.
REFERENCE_DATA = Path(env("REFERENCE_DATA", default=str(BASE_DIR / "toppleder" / "reference.yaml")))
# The portal's own reference sections (the unions) in reference.yaml's form (toppleder/reference.py).
REFERENCE_DATA_PORTAL = Path(
    env("REFERENCE_DATA_PORTAL", default=str(BASE_DIR / "toppleder" / "reference_portal.yaml"))
)
DEMO_PASSWORD = env("DEMO_PASSWORD", default="")
# Fernet keys for confidential notes, newest first (see toppleder/fields.py for rotation).
NOTES_ENCRYPTION_KEYS = env.list("NOTES_ENCRYPTION_KEYS", default=[])
# The outbox sweeper (toppleder/outbox/delivery.py): a row "sending" this long belongs to a dead
# worker; a row queued this long past its due time has lost its task (seconds).
OUTBOX_SENDING_TIMEOUT = env.int("OUTBOX_SENDING_TIMEOUT", default=600)
OUTBOX_QUEUED_GRACE = env.int("OUTBOX_QUEUED_GRACE", default=600)
# A large report's job (reports/jobs.py): its worker writes its status at least this often, and
# a job not written for REPORT_JOB_STALE seconds reads as failed (the worker died), seconds.
REPORT_JOB_HEARTBEAT = env.float("REPORT_JOB_HEARTBEAT", default=10)
REPORT_JOB_STALE = env.float("REPORT_JOB_STALE", default=60)
# How long outbox e-mails and audit entries are kept (days); a periodic task removes older ones.
OUTBOX_RETENTION_DAYS = env.int("OUTBOX_RETENTION_DAYS", default=180)
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=730)
# Leaders whose account was deactivated this many months ago are offered to HR for anonymising
# (HR confirms; nothing is anonymised without it).
DEPARTED_RETENTION_MONTHS = env.int("DEPARTED_RETENTION_MONTHS", default=12)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}
