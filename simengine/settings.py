"""Django settings, read from the environment only (names in DESIGN.md)."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

import dj_database_url

from simengine.env import EnvError, env_bool, env_int, env_list, env_str
from simengine.llm.prices import PriceTableError, load_price_table
from simengine.llm.vectors import vector_store_backend

BASE_DIR = Path(__file__).resolve().parent.parent

_DEV_SECRET_KEY = "dev-only-not-secret-simengine-local-console-key-0123456789"


def _database_config(url: str) -> dict[str, Any]:
    if "://" not in url:
        raise EnvError(f"DATABASE_URL={url!r} is not a URL: expected e.g. postgres://user@host/db")
    try:
        config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=0))
    except Exception as exc:  # dj-database-url raises several kinds for bad URLs
        raise EnvError(f"DATABASE_URL={url!r} is not a database URL we can use: {exc}") from None
    if not config.get("NAME"):
        raise EnvError(f"DATABASE_URL={url!r} names no database: expected .../<database>")
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # A file, so child processes (workers, Daphne) can share it; one per test process.
        config["TEST"] = {"NAME": str(BASE_DIR / f"test-db-{os.getpid()}.sqlite3")}
        config["OPTIONS"] = {"timeout": 30, "transaction_mode": "IMMEDIATE"}
        config["CONN_MAX_AGE"] = 0
    elif config["ENGINE"] == "django.db.backends.postgresql":
        # server-side parameters: large JSON snapshots are not quoted client-side per tick
        options = config.setdefault("OPTIONS", {})
        options["server_side_binding"] = True
        # Under ASGI (Daphne) a persistent connection per request thread leaks: connections
        # are closed per request (CONN_MAX_AGE=0) and borrowed from psycopg's pool instead.
        config["CONN_MAX_AGE"] = 0
        config["CONN_HEALTH_CHECKS"] = True  # a connection killed by the server is replaced
        pool_size = env_int("SIMENGINE_DB_POOL_SIZE", 10, minimum=0)
        if pool_size:
            options["pool"] = {"min_size": 1, "max_size": pool_size, "timeout": 30}
    return config


try:
    DEBUG = env_bool("DJANGO_DEBUG", True)
    SECRET_KEY = env_str("DJANGO_SECRET_KEY", _DEV_SECRET_KEY if DEBUG else None)
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
    DATABASES = {
        "default": _database_config(env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"))
    }
    REDIS_URL = env_str("REDIS_URL", "")
    CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
    for _name, _url in (("REDIS_URL", REDIS_URL), ("CELERY_BROKER_URL", CELERY_BROKER_URL)):
        if _url and not _url.startswith(("redis://", "rediss://", "unix://")):
            raise EnvError(f"{_name}={_url!r} is not a Redis URL: expected redis://host:port/db")
    OLLAMA_HOST = env_str("OLLAMA_HOST", "http://127.0.0.1:11434")
    ANTHROPIC_API_KEY = env_str("ANTHROPIC_API_KEY", "")
    ANTHROPIC_BASE_URL = env_str("ANTHROPIC_BASE_URL", "")
    SIMENGINE_OLLAMA_PARALLEL = env_int("SIMENGINE_OLLAMA_PARALLEL", 4, minimum=1)
    SIMENGINE_MAX_CONCURRENT_RUNS = env_int("SIMENGINE_MAX_CONCURRENT_RUNS", 10, minimum=1)
    SIMENGINE_SLICE_TICKS = env_int("SIMENGINE_SLICE_TICKS", 20, minimum=1)
    SIMENGINE_VISIBILITY_TIMEOUT = env_int("SIMENGINE_VISIBILITY_TIMEOUT", 300, minimum=10)
    SIMENGINE_RUN_LEASE_SECONDS = env_int("SIMENGINE_RUN_LEASE_SECONDS", 30, minimum=3)
    SIMENGINE_WATCHDOG_INTERVAL = env_int("SIMENGINE_WATCHDOG_INTERVAL", 15, minimum=1)
    SIMENGINE_UNACKED_RESTORE_INTERVAL = env_int(
        "SIMENGINE_UNACKED_RESTORE_INTERVAL", 10, minimum=1
    )
    SIMENGINE_UNACKED_RESTORE_THROTTLE = env_int(
        "SIMENGINE_UNACKED_RESTORE_THROTTLE", 10, minimum=1
    )
    # Input limits (README "Limits"): a scenario file, the agents it makes, a request body.
    SIMENGINE_MAX_SCENARIO_BYTES = env_int(
        "SIMENGINE_MAX_SCENARIO_BYTES", 1024 * 1024, minimum=1024
    )
    SIMENGINE_MAX_AGENTS = env_int("SIMENGINE_MAX_AGENTS", 1000, minimum=1)
    SIMENGINE_MAX_REQUEST_BYTES = env_int(
        "SIMENGINE_MAX_REQUEST_BYTES", 4 * SIMENGINE_MAX_SCENARIO_BYTES, minimum=1024
    )
    if SIMENGINE_MAX_REQUEST_BYTES < SIMENGINE_MAX_SCENARIO_BYTES:
        raise EnvError(
            f"SIMENGINE_MAX_REQUEST_BYTES={SIMENGINE_MAX_REQUEST_BYTES} is smaller than"
            f" SIMENGINE_MAX_SCENARIO_BYTES={SIMENGINE_MAX_SCENARIO_BYTES}: a scenario"
            " file could never be sent"
        )
    # Only behind a proxy that sets this header itself (README "Production").
    STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
    SECURE_PROXY_HEADER_NAME = env_str("DJANGO_SECURE_PROXY_SSL_HEADER", "")
    if SECURE_PROXY_HEADER_NAME and not re.fullmatch(r"[A-Za-z0-9-]+", SECURE_PROXY_HEADER_NAME):
        raise EnvError(
            f"DJANGO_SECURE_PROXY_SSL_HEADER={SECURE_PROXY_HEADER_NAME!r} is not a header"
            " name: expected e.g. X-Forwarded-Proto"
        )
    LOGIN_FAILURE_LIMIT = env_int("SIMENGINE_LOGIN_FAILURE_LIMIT", 5, minimum=1)
    LOGIN_FAILURE_WINDOW = env_int("SIMENGINE_LOGIN_FAILURE_WINDOW", 900, minimum=1)
    SIMENGINE_CELERY_QUEUE = env_str("SIMENGINE_CELERY_QUEUE", "simengine")
    SIMENGINE_CHANNEL_PREFIX = env_str("SIMENGINE_CHANNEL_PREFIX", "simengine")
    # Per-token prices for cost estimates: the built-in Claude prices, overridden and
    # extended by the file SIMENGINE_PRICES names (format in simengine/llm/prices.py).
    SIMENGINE_PRICES = env_str("SIMENGINE_PRICES", "")
    try:
        SIMENGINE_PRICE_TABLE = load_price_table(SIMENGINE_PRICES)
    except PriceTableError as _exc:
        raise EnvError(f"SIMENGINE_PRICES: {_exc}") from None
    # Long-term memory search (README "Long-term memory"); runs_app's ready() applies it.
    SIMENGINE_VECTOR_STORE = vector_store_backend()
except EnvError as exc:
    sys.stderr.write(f"simengine configuration error: {exc}\n")
    raise SystemExit(2) from None

# "celery" when a broker is configured, else runs execute in a thread pool in this process.
SIMENGINE_EXECUTOR = "celery" if CELERY_BROKER_URL else "thread"

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "django_htmx",
    "template_partials",
    "scenarios_app",
    "agents_app",
    "runs_app",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "simengine.web.limits.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "simengine.urls"
WSGI_APPLICATION = "simengine.wsgi.application"
ASGI_APPLICATION = "simengine.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Bodies beyond the cap answer 413 before any view reads them (simengine.web.limits);
# form fields beyond it answer 400; uploaded files larger than a scenario go to disk.
DATA_UPLOAD_MAX_MEMORY_SIZE = SIMENGINE_MAX_REQUEST_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = SIMENGINE_MAX_SCENARIO_BYTES

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# "default" stays in the process (a Redis outage must not break pages); failed logins are
# counted in Redis when there is one, so every web process and machine shares the count.
CACHES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "login": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"{SIMENGINE_CHANNEL_PREFIX}-login",
            "OPTIONS": {"socket_timeout": 2, "socket_connect_timeout": 2},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "login"}
    ),
}

if REDIS_URL:
    from redis.asyncio.retry import Retry
    from redis.backoff import ExponentialBackoff
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    # redis-py's asyncio connections retry nothing by default, so after a Redis restart the
    # first command on each pooled (now dead) connection failed: the first WebSocket got a
    # 500. Retrying a failed command on a fresh connection, and pinging connections idle
    # for a while before use, makes a restart invisible to the sockets.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "retry": Retry(ExponentialBackoff(cap=1.0, base=0.05), 3),
                        "retry_on_error": [RedisConnectionError, RedisTimeoutError],
                        "health_check_interval": 10,
                        "socket_connect_timeout": 2,
                    }
                ],
                "prefix": SIMENGINE_CHANNEL_PREFIX,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = SIMENGINE_CELERY_QUEUE
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": SIMENGINE_VISIBILITY_TIMEOUT,
    "unacked_restore_interval": SIMENGINE_UNACKED_RESTORE_INTERVAL,
    "unacked_restore_throttle": SIMENGINE_UNACKED_RESTORE_THROTTLE,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # kombu's Redis transport with the fix that keeps a worker alive across a Redis restart
    CELERY_BROKER_TRANSPORT = "simengine.broker:Transport"
# A slice keeps running through a broker outage; it ends at its next tick boundary anyway.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "simengine API",
    "DESCRIPTION": "Scenarios, runs, controls, message history, metrics and evaluations.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's assets come from the drf-spectacular-sidecar package, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True},
    # <id:...> in simengine/api_urls.py: a database id of at most 18 digits.
    "PATH_CONVERTER_OVERRIDES": {
        "id": {"type": "integer", "minimum": 0, "maximum": 999_999_999_999_999_999}
    },
    "TAGS": [
        {"name": "scenarios", "description": "Scenario specs, their versions, import and export."},
        {"name": "runs", "description": "Create, list and control runs."},
        {"name": "agents", "description": "A run's agents: status changes and injections."},
        {"name": "history", "description": "A run's messages, steps, events and LLM calls."},
        {"name": "batches", "description": "Seeded runs over a parameter grid."},
        {"name": "evaluations", "description": "Evaluators' scores of runs."},
        {
            "name": "llm-calls",
            "description": "The call explorer: model calls across runs, cost, prompt diffs.",
        },
        {"name": "reports", "description": "A run's self-contained HTML report and JSONL trace."},
        {"name": "system", "description": "Workers, queue, runs, LLM slots, providers, services."},
    ],
    "ENUM_NAME_OVERRIDES": {
        "RunStatusEnum": "runs_app.models.RunStatus",
        "BatchStatusEnum": "runs_app.models.BatchStatus",
        "AgentStatusEnum": "agents_app.models.AgentStatus",
        "CallOutcomeEnum": "runs_app.models.CallOutcome",
        "RunOutcomeEnum": "runs_app.models.RunOutcome",
    },
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

if SECURE_PROXY_HEADER_NAME:
    # e.g. X-Forwarded-Proto: requests carrying it with the value `https` count as secure.
    # Trust it only when every request passes a proxy that sets (never forwards) it.
    SECURE_PROXY_SSL_HEADER = (
        "HTTP_" + SECURE_PROXY_HEADER_NAME.upper().replace("-", "_"),
        "https",
    )

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django": {"level": "INFO"},
        "httpx": {"level": "WARNING"},
        "httpx2": {"level": "WARNING"},  # the openai and anthropic SDKs: a line per request
        "daphne": {"level": "WARNING"},
        "mcp.server.streamable_http": {"level": "WARNING"},  # a line per stateless request
    },
}
