"""All settings, read from the environment (django-environ).

Every setting has a default that runs the embedded mode (SQLite, locmem cache, eager Celery, console email),
except the secrets that matter in production: with DEBUG off, a missing secret stops start-up.
"""

import os
from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# The file of settings to read besides the environment: `.env` unless ENV_FILE names another; ENV_FILE="" reads
# none. `make run` and `make test` set it empty, so a production `.env` (copied from .env.example for
# docker-compose) never turns the embedded demo or the test suite into a half-configured production site.
ENV_FILE = os.environ.get("ENV_FILE", str(BASE_DIR / ".env"))
if ENV_FILE and Path(ENV_FILE).is_file():
    env.read_env(ENV_FILE)


def secret(name: str, *, dev_default: str | None = None) -> str:
    """A secret from `NAME` or from the file named by `NAME_FILE` (Docker/Kubernetes secrets).

    The development default is used only while DEBUG is on; otherwise a missing secret is fatal.
    """
    file_path = env.str(f"{name}_FILE", default="")
    if file_path:
        return Path(file_path).read_text().strip()
    value = env.str(name, default="")
    if value:
        return value
    if DEBUG and dev_default is not None:
        return dev_default
    raise ImproperlyConfigured(
        f"{name} is not set. Set it (or {name}_FILE) in the environment; "
        "development defaults apply only when DJANGO_DEBUG=true."
    )


# --- Core -------------------------------------------------------------------------------------------
# DEBUG defaults to on so that a fresh clone runs with `make run`; every deployment sets DJANGO_DEBUG=false
# (docker-compose.yml and .env.example do), which also turns on the fail-fast checks for secrets.
DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = secret("DJANGO_SECRET_KEY", dev_default="dev-only-insecure-secret-key-change-me")
ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"]
)
# Proxies whose X-Forwarded-For is believed (addresses or CIDR ranges). Anyone else's header is ignored.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

INSTALLED_APPS = [
    "accounts.admin_config.AdminConfig",  # django.contrib.admin, its default site behind 2FA
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "corsheaders",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc served from our own static files (no CDN)
    "django_countries",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",  # 2FA recovery codes
    "allauth",
    "allauth.account",
    "allauth.headless",
    "allauth.usersessions",
    # Project apps
    "accounts",
    "activities",
    "conditions",
    "fees",
    "ledger",
    "trading",
    "apikeys",
    "gateway",
    "web",  # the customer web app at / (static ES modules on the JSON API)
]
# Demo data and the demo market maker (`seed_demo`, `market_maker`) exist for the embedded mode only: with DEBUG
# off the app is not installed, so neither command exists in production.
if DEBUG:
    INSTALLED_APPS.append("demo")

MIDDLEWARE = [
    "common.request_id.RequestIdMiddleware",
    # Before SecurityMiddleware: X-Forwarded-Proto is dropped unless the peer is one of TRUSTED_PROXIES.
    "common.client_ip.TrustedProxyHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Keeps each session's last-seen time, IP and user agent (the sessions list) and drops ended sessions.
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

# --- Database ---------------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so concurrent writers queue on busy_timeout
    # instead of failing with "database is locked" when a read transaction upgrades to a write.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA busy_timeout=5000; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
# Off on purpose: a request-wide transaction would roll back the activity rows written for refused calls.
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# --- Cache and Celery -------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
# Redis is optional at call time (common/cache.py): every client connects and answers within this many seconds
# (at most 0.25) and never retries; after a failure a process leaves Redis alone for REDIS_RETRY_S seconds.
REDIS_TIMEOUT_S = env.float("REDIS_TIMEOUT_S", default=0.25)
if not 0 < REDIS_TIMEOUT_S <= 0.25:
    raise ImproperlyConfigured("REDIS_TIMEOUT_S must be above 0 and at most 0.25 seconds.")
REDIS_RETRY_S = env.float("REDIS_RETRY_S", default=2.0)
if REDIS_URL:
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    CACHES = {
        "default": {
            "BACKEND": "common.cache.RedisCache",  # Django's, reusing its client (common/cache.py)
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="exch"),
            "OPTIONS": {
                "socket_connect_timeout": REDIS_TIMEOUT_S,
                "socket_timeout": REDIS_TIMEOUT_S,
                "retry_on_timeout": False,
                "retry": Retry(NoBackoff(), 0),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Channel layer of the WebSocket pushes (gateway/push.py): Redis shared by every process in production, the
# in-memory layer (one process) in the embedded mode. The pub/sub layer sends a group message to Redis once and
# each process fans it out to its own sockets; the list-based core layer makes one Redis entry, and one
# round trip to receive it, per socket (bench/ws.py measured p50 3.3 s for 500 book subscribers with it).
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                # Bounded like every other Redis client. The receiver's reads pass their own 0.1 s timeout to
                # get_message, so the socket timeout only bounds publishes and subscribes.
                "hosts": [
                    {
                        "address": env.str("CHANNEL_LAYER_URL", default=REDIS_URL),
                        "socket_connect_timeout": REDIS_TIMEOUT_S,
                        "socket_timeout": REDIS_TIMEOUT_S,
                    }
                ],
                "prefix": env.str("CHANNEL_LAYER_PREFIX", default="exch-ws"),
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
# A request that queues a task (after commit) must not hang on a broker that is away: bounded connects and
# reads, one publish attempt. The caller logs the failure (e.g. an activation e-mail can be asked for again).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_timeout": REDIS_TIMEOUT_S,
    "socket_connect_timeout": REDIS_TIMEOUT_S,
    "retry_on_timeout": False,
    "max_retries": 0,
}
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_TIMEOUT_S
CELERY_TASK_PUBLISH_RETRY = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=120)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"

# --- Auth, sessions, security -----------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Exchange")

# Failed logins and TOTP codes: at most N failures per window, per user and per client IP.
LOGIN_FAILURES_PER_USER = env.int("LOGIN_FAILURES_PER_USER", default=5)
LOGIN_FAILURES_PER_IP = env.int("LOGIN_FAILURES_PER_IP", default=20)
TOTP_FAILURES_PER_USER = env.int("TOTP_FAILURES_PER_USER", default=5)
TOTP_FAILURES_PER_IP = env.int("TOTP_FAILURES_PER_IP", default=20)
AUTH_FAILURE_WINDOW_S = env.int("AUTH_FAILURE_WINDOW_S", default=900)
# Activity rows the system writes (source=system: fills on the resting side, expiries, the demo market maker) are
# pruned after this many days by `activities_prune` (hourly Celery beat, or by hand); 0 keeps them forever.
ACTIVITIES_SYSTEM_RETENTION_DAYS = env.int("ACTIVITIES_SYSTEM_RETENTION_DAYS", default=90)

# --- Self-service: sign-up, e-mail verification, passwords, sessions (django-allauth) ---------------
# allauth serves sign-up, e-mail verification and password reset as JSON ("headless", browser client, under
# /api/v1/auth/); the one login door stays accounts' own (POST /api/v1/auth/login/, with the TOTP step and the
# lock-out). accounts/allauth.py adapts allauth to the accounts services (README: "Self-service").
SIGNUP_OPEN = env.bool("SIGNUP_OPEN", default=True)
# The frontend's pages the e-mails link to ({key} is what the page posts back to the API).
FRONTEND_URL = env.str("FRONTEND_URL", default="http://127.0.0.1:8000").rstrip("/")
HEADLESS_ONLY = True
HEADLESS_CLIENTS = ("browser",)
HEADLESS_FRONTEND_URLS = {
    "account_confirm_email": f"{FRONTEND_URL}/account/verify-email/{{key}}",
    "account_reset_password": f"{FRONTEND_URL}/account/password/reset",
    "account_reset_password_from_key": f"{FRONTEND_URL}/account/password/reset/{{key}}",
    "account_signup": f"{FRONTEND_URL}/account/signup",
}
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
ACCOUNT_ADAPTER = "accounts.allauth.AccountAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.allauth.SignupExtraForm"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
# Verification by a signed key (in a link, or pasted): it does not depend on the browser session that signed up.
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = env.int(
    "ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS", default=3
)
# Verifying never logs in: the login door (password, TOTP, lock-out) is the only way into a session.
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
# An e-mail already in use gets the same answer as a new one; its owner is told by e-mail instead.
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = env.str("ACCOUNT_EMAIL_SUBJECT_PREFIX", default="[Exchange] ")
ACCOUNT_RATE_LIMITS = {
    # per client IP (allauth's own counters, in the shared cache)
    "signup": env.str("SIGNUP_RATE_LIMIT", default="10/h/ip"),
    "confirm_email": "1/3m/key",
    "reset_password": env.str("PASSWORD_RESET_RATE_LIMIT", default="20/m/ip,5/h/key"),
    "reset_password_from_key": "20/m/ip",
}
# Password reset keys expire after this many seconds (and work once: the key signs the password hash).
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3600)
USERSESSIONS_TRACK_ACTIVITY = True
# 2FA recovery codes handed out when 2FA is confirmed (or regenerated).
RECOVERY_CODES_COUNT = env.int("RECOVERY_CODES_COUNT", default=10)

# Verification levels: the lowest level that may do each thing (none < basic < verified < advanced).
VERIFICATION_LEVEL_REQUIRED = {
    "trade": env.str("VERIFICATION_LEVEL_TRADE", default="basic"),
    "transfer_internal": env.str("VERIFICATION_LEVEL_TRANSFER_INTERNAL", default="basic"),
    "transfer_wallet": env.str("VERIFICATION_LEVEL_TRANSFER_WALLET", default="verified"),
}
for _capability, _level in VERIFICATION_LEVEL_REQUIRED.items():
    if _level not in ("none", "basic", "verified", "advanced"):
        raise ImproperlyConfigured(
            f"VERIFICATION_LEVEL_{_capability.upper()} must be none, basic, verified or advanced."
        )

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = env.str("SESSION_COOKIE_SAMESITE", default="Lax")
CSRF_COOKIE_SAMESITE = SESSION_COOKIE_SAMESITE
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# A CSRF refusal answers in the frontend API's JSON error envelope (403 `csrf_failed`), not Django's HTML page.
CSRF_FAILURE_VIEW = "common.api.csrf_failure"
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_ALLOW_CREDENTIALS = True
CORS_URLS_REGEX = r"^/api/.*$"
CORS_EXPOSE_HEADERS = ["X-Request-ID", "Retry-After"]

if not DEBUG:
    # Believed only from TRUSTED_PROXIES: common.client_ip.TrustedProxyHeadersMiddleware drops it from others.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 30)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_CONTENT_TYPE_NOSNIFF = True

# --- Email ------------------------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Exchange <no-reply@localhost>")

# --- Internationalisation and static files ---------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
# `collectstatic` writes here (the Docker image does it at build time); whitenoise serves it from every web
# process, so no volume is shared with the proxy.
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
if not DEBUG:
    # Served by each web process (no volume shared with the proxy), right after SecurityMiddleware. With DEBUG
    # on, runserver serves them from the apps.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )
    # Hashed, compressed file names with far-future caching; needs `collectstatic` (its manifest) first.
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

# --- REST framework and OpenAPI ---------------------------------------------------------------------
# JSON request bodies (both doors): deeper nesting is refused with a 400 before parsing; the frontend API also
# refuses bodies over API_MAX_BODY_BYTES (the gateway has GATEWAY_MAX_BODY_BYTES).
JSON_MAX_DEPTH = env.int("JSON_MAX_DEPTH", default=32)
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=256 * 1024)
REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["common.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's JSONParser with the nesting and size limits checked before parsing (common/parsers.py).
    "DEFAULT_PARSER_CLASSES": ["common.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "config.frontend_errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "common.openapi.AutoSchema",
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append(
        "rest_framework.renderers.BrowsableAPIRenderer"
    )

SPECTACULAR_SETTINGS = {
    "TITLE": "Exchange account API",
    "DESCRIPTION": (
        "Frontend JSON API (session authentication with CSRF). Errors use "
        '`{"error": {"code", "message", "details"}, "request_id"}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {"ApiKeyStatusEnum": ["active", "inactive"]},
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        # allauth's headless views (sign-up, e-mail verification, password reset) are not DRF views.
        "accounts.openapi.add_allauth_paths",
        "common.openapi.postprocess_error_codes",
        "common.openapi.postprocess_examples",
    ],
}

# --- Logging and error reporting -------------------------------------------------------------------
# Every line carries the request id ("-" outside a request). LOG_FORMAT=json writes one JSON object a line.
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured("LOG_FORMAT must be text or json.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "common.request_id.RequestIdFilter"}},
    "formatters": {
        "text": {
            "format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s",
        },
        "json": {"()": "common.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
    },
}
# Celery workers keep this configuration instead of installing their own root handler.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Sentry, only when a DSN is set. No personal data is sent (no cookies, bodies, user e-mails or IPs).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        send_default_pii=False,
    )

# --- App settings -----------------------------------------------------------------------------------
# Each app's tunables live in its own section below, namespaced by the app (read at call time through
# django.conf.settings, so tests can override them).

# --- API keys (apikeys) -----------------------------------------------------------------------------
# AES-GCM keys for API secrets at rest: comma-separated base64 of 32 random bytes each; the first encrypts,
# all decrypt (rotation: prepend a new key, run `manage.py apikey_reencrypt`, then drop the old one).
# Make one with: python -c "import base64, os; print(base64.b64encode(os.urandom(32)).decode())"


def _aes_keys(value: str) -> list[str]:
    import base64

    keys = [part.strip() for part in value.split(",") if part.strip()]
    try:
        valid = bool(keys) and all(len(base64.b64decode(key, validate=True)) == 32 for key in keys)
    except ValueError:
        valid = False
    if not valid:
        raise ImproperlyConfigured(
            "API_KEY_ENCRYPTION_KEYS must be comma-separated base64 encodings of 32 random bytes each."
        )
    return keys


# The fixed development key is used only while DEBUG is on; never for real secrets.
API_KEY_ENCRYPTION_KEYS = _aes_keys(
    secret("API_KEY_ENCRYPTION_KEYS", dev_default="ZGV2LW9ubHktYXBpLWtleS1lbmNyeXB0aW9uLWtleSE=")
)
API_KEY_MAX_PER_USER = env.int("API_KEY_MAX_PER_USER", default=20)
API_KEY_WHITELIST_MAX = env.int("API_KEY_WHITELIST_MAX", default=30)
API_KEY_ACTIVATION_CODE_TTL_S = env.int("API_KEY_ACTIVATION_CODE_TTL_S", default=600)
API_KEY_ACTIVATION_MAX_ATTEMPTS = env.int("API_KEY_ACTIVATION_MAX_ATTEMPTS", default=5)
# Activation e-mails per key and per user, and wrong codes per key across all its challenges, per window.
API_KEY_ACTIVATION_REQUESTS_PER_KEY = env.int("API_KEY_ACTIVATION_REQUESTS_PER_KEY", default=3)
API_KEY_ACTIVATION_REQUESTS_PER_USER = env.int("API_KEY_ACTIVATION_REQUESTS_PER_USER", default=10)
API_KEY_ACTIVATION_MAX_TRIES_TOTAL = env.int("API_KEY_ACTIVATION_MAX_TRIES_TOTAL", default=10)
API_KEY_ACTIVATION_WINDOW_S = env.int("API_KEY_ACTIVATION_WINDOW_S", default=3600)
# The gateway's key lookup cache (shared by every process through the cache): how long a key's state is kept,
# how long a change forces readers to the database, how long an unknown key id is remembered.
API_KEY_AUTH_CACHE_TTL_S = env.int("API_KEY_AUTH_CACHE_TTL_S", default=300)
API_KEY_AUTH_CACHE_TOMBSTONE_S = env.int("API_KEY_AUTH_CACHE_TOMBSTONE_S", default=30)
API_KEY_AUTH_CACHE_UNKNOWN_S = env.int("API_KEY_AUTH_CACHE_UNKNOWN_S", default=5)
# The file-based email backend (EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend) writes here.
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / "sent_emails"))

# --- Gateway (CEX.IO Spot Trading REST protocol) ------------------------------------------------------
# Allowed skew between X-AGGR-TIMESTAMP and server time, in seconds (either way).
GATEWAY_TIMESTAMP_WINDOW_S = env.int("GATEWAY_TIMESTAMP_WINDOW_S", default=20)
# Points per calendar minute: per API key for signed calls, per client IP for public calls.
GATEWAY_RATE_LIMIT_PRIVATE = env.int("GATEWAY_RATE_LIMIT_PRIVATE", default=200)
GATEWAY_RATE_LIMIT_PUBLIC = env.int("GATEWAY_RATE_LIMIT_PUBLIC", default=100)
# Larger request bodies are refused with 413 before they are read.
GATEWAY_MAX_BODY_BYTES = env.int("GATEWAY_MAX_BODY_BYTES", default=64 * 1024)
# A key's last-used time and IP are written at most this often per key and process.
GATEWAY_TOUCH_INTERVAL_S = env.int("GATEWAY_TOUCH_INTERVAL_S", default=60)
# Wrong signatures (and unknown key ids, per IP) per window: past either limit, 429 until the window ends.
GATEWAY_BAD_SIGNATURES_PER_KEY = env.int("GATEWAY_BAD_SIGNATURES_PER_KEY", default=30)
GATEWAY_BAD_SIGNATURES_PER_IP = env.int("GATEWAY_BAD_SIGNATURES_PER_IP", default=100)
GATEWAY_BAD_SIGNATURE_WINDOW_S = env.int("GATEWAY_BAD_SIGNATURE_WINDOW_S", default=300)
# Identical refusals (key, action, reason, IP) within this many seconds share one activity row with a count.
GATEWAY_REFUSAL_AGGREGATE_S = env.int("GATEWAY_REFUSAL_AGGREGATE_S", default=60)
# WebSocket door (gateway/consumers.py): a socket silent this long is closed (the official client never pings by
# itself; production tolerated ~60 s); a larger inbound frame closes it with 1009; how long an order-book
# increment that arrived ahead of a missing one waits for it before the gap is passed on to the client.
GATEWAY_WS_IDLE_S = env.float("GATEWAY_WS_IDLE_S", default=60.0)
GATEWAY_WS_MAX_FRAME_BYTES = env.int("GATEWAY_WS_MAX_FRAME_BYTES", default=64 * 1024)
GATEWAY_WS_GAP_WAIT_S = env.float("GATEWAY_WS_GAP_WAIT_S", default=2.0)
# A socket that cannot take a market-data frame within this many seconds (its reader does not keep up and the
# server's buffers for it are full) is dropped from the fan-out and closed, so it holds up no other socket.
GATEWAY_WS_SLOW_SEND_S = env.float("GATEWAY_WS_SLOW_SEND_S", default=1.0)
# Open sockets per client IP (public and private together) and per API key (authenticated private sockets),
# counted across every process (gateway/sockets.py: Redis, or this process's memory without it). Past a cap the
# new socket gets an error frame, `disconnected` and is closed. 0: no cap.
GATEWAY_WS_MAX_SOCKETS_PER_IP = env.int("GATEWAY_WS_MAX_SOCKETS_PER_IP", default=50)
GATEWAY_WS_MAX_SOCKETS_PER_KEY = env.int("GATEWAY_WS_MAX_SOCKETS_PER_KEY", default=10)
if GATEWAY_WS_MAX_SOCKETS_PER_IP < 0 or GATEWAY_WS_MAX_SOCKETS_PER_KEY < 0:
    raise ImproperlyConfigured(
        "GATEWAY_WS_MAX_SOCKETS_PER_IP and GATEWAY_WS_MAX_SOCKETS_PER_KEY must be 0 (no cap) or more."
    )

# --- Trading conditions and fees (conditions/, fees/) -----------------------------------------------
# The flat fee (percent; "0.25" = 0.25 %) charged while no default fee schedule exists.
FEES_FALLBACK_MAKER_PERCENT = env.str("FEES_FALLBACK_MAKER_PERCENT", default="0.25")
FEES_FALLBACK_TAKER_PERCENT = env.str("FEES_FALLBACK_TAKER_PERCENT", default="0.25")
# The volume that picks a fee tier: the last N UTC days, today included.
FEES_VOLUME_WINDOW_DAYS = env.int("FEES_VOLUME_WINDOW_DAYS", default=30)
# How long a user's cached 30-day volume lives; the beat task (fees.volume_refresh_task) rewrites it sooner.
FEES_VOLUME_CACHE_S = env.int("FEES_VOLUME_CACHE_S", default=3600)
# Daily volume buckets older than this are deleted by the beat task (never fewer than the window).
FEES_VOLUME_RETENTION_DAYS = env.int("FEES_VOLUME_RETENTION_DAYS", default=90)

# --- Ledger (ledger) --------------------------------------------------------------------------------
# Spot accounts per user, the main account included (the protocol's default is 5).
LEDGER_MAX_ACCOUNTS_PER_USER = env.int("LEDGER_MAX_ACCOUNTS_PER_USER", default=5)

# --- Trading (trading) ------------------------------------------------------------------------------
# Open orders per sub-account and pair (the protocol's default limit is 20 active orders).
TRADING_MAX_OPEN_ORDERS = env.int("TRADING_MAX_OPEN_ORDERS", default=20)
# How long a clientOrderId stays bound to its order (a repeat returns that order); reusable afterwards.
TRADING_CLIENT_ORDER_ID_TTL_S = env.int("TRADING_CLIENT_ORDER_ID_TTL_S", default=24 * 3600)
# do_my_new_order's `timestamp` (client time) must be this close to server time, or the order is rejected.
TRADING_CLIENT_TIMESTAMP_WINDOW_S = env.int("TRADING_CLIENT_TIMESTAMP_WINDOW_S", default=30)
# How often each pair's matcher expires due GTD orders and triggers pending stop orders (commands in the pair's
# own sequence; the embedded matcher's ticker runs them under `make run`).
TRADING_EXPIRY_INTERVAL_S = env.float("TRADING_EXPIRY_INTERVAL_S", default=5.0)
# Where each pair's one writer runs: "embedded" (in the web process: `make run`, tests) or "redis" (the
# `manage.py matcher` processes, commands and replies through Redis Streams at TRADING_MATCHER_URL).
TRADING_MATCHER = env.str("TRADING_MATCHER", default="embedded")
if TRADING_MATCHER not in ("embedded", "redis"):
    raise ImproperlyConfigured('TRADING_MATCHER must be "embedded" or "redis".')
TRADING_MATCHER_URL = env.str("TRADING_MATCHER_URL", default=REDIS_URL)
if TRADING_MATCHER == "redis" and not TRADING_MATCHER_URL:
    raise ImproperlyConfigured("TRADING_MATCHER=redis needs TRADING_MATCHER_URL (or REDIS_URL).")
# How long a door waits for its pair's matcher before answering 503 "Trading is temporarily unavailable".
TRADING_MATCHER_WAIT_S = env.float("TRADING_MATCHER_WAIT_S", default=5.0)
# The bound on every lock wait inside a matcher batch (PostgreSQL lock_timeout), in milliseconds.
TRADING_LOCK_TIMEOUT_MS = env.int("TRADING_LOCK_TIMEOUT_MS", default=2000)
# How long the matcher keeps each command's id and reply (its redelivery dedup window), in seconds.
TRADING_COMMAND_RETENTION_S = env.int("TRADING_COMMAND_RETENTION_S", default=7 * 24 * 3600)

# Order book levels per side in the WebSocket book feed (trading/events.py); 0 = the whole book, as
# get_order_book answers.
TRADING_BOOK_FEED_DEPTH = env.int("TRADING_BOOK_FEED_DEPTH", default=0)
