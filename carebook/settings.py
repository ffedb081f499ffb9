"""Settings for carebook: every deploy-specific value comes from the environment."""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CAREBOOK_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=1 for a development key).")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "ninja",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "carebook.core",
    "carebook.accounts",
    "carebook.clinic",
    "carebook.scheduling",
    "carebook.booking",
    "carebook.api",
    "carebook.fhir",
    "carebook.practice",
    "carebook.reports",
    "carebook.webhooks",
    "carebook.office",
    "carebook.web",
    "carebook.notifications",
    "carebook.billing",
    "carebook.records",
    "carebook.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "carebook.core.limits.RequestLimitsMiddleware",  # before anything reads the body
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "carebook.core.headers.SecurityHeadersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "carebook.accounts.sessions.SessionLimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "carebook.core.read_your_writes.ReadYourWritesMiddleware",  # last: see its docstring
]

ROOT_URLCONF = "carebook.urls"
WSGI_APPLICATION = "carebook.wsgi.application"
ASGI_APPLICATION = "carebook.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "carebook" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "carebook.clinic.context_processors.clinic",
                "carebook.notifications.context_processors.notifications",
                "carebook.core.viewer.viewer",
            ],
        },
    },
]

SQLITE_PATH = VAR_DIR / "carebook.sqlite3"


def postgresql(db: dict) -> dict:
    """Our PostgreSQL backend (Django's, without the health check of a connection that answered
    a moment ago), binding parameters on the server so that psycopg prepares a statement once a
    connection has run it 5 times (Django's own default never prepares). Behind a
    transaction-mode pooler without prepared statements (PgBouncer before 1.21, or without
    max_prepared_statements), set CAREBOOK_DB_SERVER_SIDE_BINDING=0 (docs/operations.md)."""
    db["ENGINE"] = "carebook.core.backends.postgresql"
    if env_bool("CAREBOOK_DB_SERVER_SIDE_BINDING", default=True):
        db.setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)
    return db


DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{SQLITE_PATH}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN,
    # so a booking's check and insert are serialised with every other write.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": ("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"),
    }
    # A file, not memory, so threads in the race tests share it; one per process.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
    VAR_DIR.mkdir(parents=True, exist_ok=True)
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    postgresql(DATABASES["default"])

# A streaming replica for the public directory's and free slots' reads (docs/scaling.md).
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
    if DATABASES["replica"]["ENGINE"] == "django.db.backends.postgresql":
        postgresql(DATABASES["replica"])
        # A replica that does not answer is skipped for the primary, not waited for.
        DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["carebook.core.db_router.ReplicaRouter"]
# After a write, the session reads the primary this long: well above the replica's usual lag.
CAREBOOK_REPLICA_PIN_SECONDS = int(os.environ.get("CAREBOOK_REPLICA_PIN_SECONDS", "10"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Emails are compared in one spelling (NFKC, case-folded) at every door: accounts.identity.
AUTHENTICATION_BACKENDS = ["carebook.accounts.backends.EmailBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-in"
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Kolkata")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "carebook" / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "carebook <noreply@carebook.local>")

TASKS = {"default": {"BACKEND": "carebook.core.task_backend.OutboxBackend"}}

# Transport and headers: docs/operations.md, "Production settings". Each is on unless DEBUG
# (runserver speaks plain HTTP) and each can be set from the environment.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD")
if env_bool("CAREBOOK_BEHIND_PROXY"):
    # Trust X-Forwarded-Proto only from a proxy that sets it itself and drops the client's.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline script or style anywhere: JS and CSS are files under carebook/static/.
# The Swagger UI page widens style-src for itself (carebook.core.headers.swagger_csp).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # An outage is logged once a minute by carebook.core.outage, not once per request.
    "filters": {"not_an_outage": {"()": "carebook.core.outage.NotAnOutage"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"filters": ["not_an_outage"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# The proxies in front of carebook whose X-Forwarded-For is believed: a hop count ("1") or
# their networks ("10.0.0.0/8,fd00::/8"). Empty: the client is the connection's address.
CAREBOOK_TRUSTED_PROXIES = os.environ.get("CAREBOOK_TRUSTED_PROXIES", "")
# Phone numbers without a country code are read in this region and stored in E.164.
CAREBOOK_PHONE_REGION = os.environ.get("CAREBOOK_PHONE_REGION", "IN")
# Video visits: rooms on this Jitsi Meet server (or another provider, docs/operations.md).
CAREBOOK_JITSI_SERVER = os.environ.get("CAREBOOK_JITSI_SERVER", "https://meet.jit.si")
CAREBOOK_VIDEO_PROVIDER = os.environ.get(
    "CAREBOOK_VIDEO_PROVIDER", "carebook.booking.video.JitsiMeet"
)
# How long an email-verification link stays valid.
CAREBOOK_EMAIL_VERIFY_DAYS = int(os.environ.get("CAREBOOK_EMAIL_VERIFY_DAYS", "7"))

# Webhooks to loopback, private or link-local addresses (development and tests only: in a
# clinic this would let anyone who registers an endpoint reach its internal network).
CAREBOOK_WEBHOOKS_ALLOW_PRIVATE = env_bool("CAREBOOK_WEBHOOKS_ALLOW_PRIVATE")

# How long an API hold (FHIR Appointment/$hold) keeps a slot before it is released.
CAREBOOK_HOLD_MINUTES = int(os.environ.get("CAREBOOK_HOLD_MINUTES", "10"))

# Fernet keys that encrypt uploaded medical documents at rest, comma-separated: the first
# encrypts, every one decrypts (rotation: docs/records.md). In DEBUG, without keys, a
# development key is derived from SECRET_KEY (with a warning).
CAREBOOK_DOCUMENT_KEYS = env_list("CAREBOOK_DOCUMENT_KEYS")
if not CAREBOOK_DOCUMENT_KEYS and not DEBUG:
    raise ImproperlyConfigured("Set CAREBOOK_DOCUMENT_KEYS (or DEBUG=1 for a development key).")
CAREBOOK_DOCUMENT_DEVELOPMENT_KEY = not CAREBOOK_DOCUMENT_KEYS  # decided here: tests run DEBUG off

# Sessions end after this long unused (by role) or this long after logging in, whatever the
# activity; the page warns CAREBOOK_SESSION_WARN_SECONDS before (carebook.accounts.sessions).
CAREBOOK_SESSION_IDLE_STAFF_MINUTES = int(
    os.environ.get("CAREBOOK_SESSION_IDLE_STAFF_MINUTES", "15")
)
CAREBOOK_SESSION_IDLE_PRACTITIONER_MINUTES = int(
    os.environ.get("CAREBOOK_SESSION_IDLE_PRACTITIONER_MINUTES", "15")
)
CAREBOOK_SESSION_IDLE_PATIENT_MINUTES = int(
    os.environ.get("CAREBOOK_SESSION_IDLE_PATIENT_MINUTES", "30")
)
CAREBOOK_SESSION_MAX_HOURS = int(os.environ.get("CAREBOOK_SESSION_MAX_HOURS", "12"))
CAREBOOK_SESSION_WARN_SECONDS = int(os.environ.get("CAREBOOK_SESSION_WARN_SECONDS", "120"))
# The cookie (and the stored session) outlive no session's absolute limit.
SESSION_COOKIE_AGE = CAREBOOK_SESSION_MAX_HOURS * 3600

# What one request may cost (carebook.core.limits): bodies over these sizes are refused with 413
# before they are read; an uploaded file stops being read at CAREBOOK_UPLOAD_MAX_BYTES.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", 1024 * 1024))
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024  # larger files go to a temporary file, not memory
CAREBOOK_UPLOAD_MAX_BYTES = 5 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "carebook.core.limits.UploadLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
CAREBOOK_MAX_PARAMS = 50  # distinct query parameters
CAREBOOK_MAX_PARAM_VALUES = 10  # distinct values of one parameter
CAREBOOK_MAX_SLOT_DAYS = 31  # days of slots one search may ask for
CAREBOOK_MAX_SCHEDULES = 10  # schedules one FHIR Slot search or $find computes slots for
