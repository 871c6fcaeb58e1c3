"""Settings for every environment; differences come from the environment (config/env.py).

Defaults run a town on one laptop: SQLite in WAL mode, local files, tasks in the database.
A province sets DATABASE_URL (PostgreSQL), POVCENSUS_STORAGE=s3 and a task backend, and
runs several stateless web processes behind a reverse proxy.
"""

from __future__ import annotations

from datetime import timedelta

import dj_database_url
from django.utils.translation import gettext_lazy as _

from config.env import VAR_DIR, env_bool, env_int, env_list, env_str, secret_key

SECRET_KEY = secret_key()
DEBUG = env_bool("POVCENSUS_DEBUG", False)
ALLOWED_HOSTS = env_list("POVCENSUS_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("POVCENSUS_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # Project apps come first so that their templates and management commands
    # (e.g. the audit-aware ``flush``) take precedence over Django's.
    "povcensus.core",
    "povcensus.audit",
    "povcensus.geography",
    "povcensus.accounts",
    "povcensus.campaign",
    "povcensus.team",
    "povcensus.register",
    "povcensus.listing",
    "povcensus.questionnaires",
    "povcensus.assignment",
    "povcensus.collection",
    "povcensus.rules",
    "povcensus.review",
    "povcensus.devtools",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks_db",
    "ninja",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "povcensus.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "povcensus.accounts.middleware.PasswordChangeRequiredMiddleware",
    "povcensus.core.middleware.ApplicationErrorMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "povcensus.accounts.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# SQLite (embedded default): WAL so readers never block the writer, IMMEDIATE transactions
# so two writers queue instead of failing with "database is locked" half-way through.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000; "
        "PRAGMA foreign_keys=ON; PRAGMA cache_size=-64000;"
    ),
}


def _database_from_url(url: str) -> dict:
    config: dict = dj_database_url.parse(  # type: ignore[assignment]
        url, conn_max_age=env_int("POVCENSUS_CONN_MAX_AGE", 60)
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = dict(SQLITE_OPTIONS)
        config["CONN_MAX_AGE"] = 0
    else:
        # A health check costs one extra round trip at the start of every request (measured
        # at about a tenth of a submission's time); a dropped connection fails that request
        # instead, and the client (ODK Collect retries) sends it again.
        config["CONN_HEALTH_CHECKS"] = env_bool("POVCENSUS_CONN_HEALTH_CHECKS", False)
        # Statements run through core.prepared.prepared_cursor are prepared the first time a
        # connection runs them ("none": never, for a pooler that cannot keep them); Django's
        # own cursors bind on the client and are never prepared.
        threshold = env_str("POVCENSUS_DB_PREPARE_THRESHOLD", "0").strip().lower()
        config.setdefault("OPTIONS", {})["prepare_threshold"] = (
            None if threshold == "none" else int(threshold)
        )
    return config


DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'povcensus.sqlite3'}")
DATABASES = {"default": _database_from_url(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Caches (job progress must be shared by web processes and workers) ---------------------
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env_str("REDIS_URL")}
        if env_str("REDIS_URL")
        # One machine: a file cache is shared by the web processes and the worker and,
        # unlike a database cache, is not held back by a long import transaction.
        # Several machines: set REDIS_URL.
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    )
}

# --- Background tasks (Django's task API) ---------------------------------------------
TASKS = {
    "default": {
        "BACKEND": env_str("POVCENSUS_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "rules", "imports"],
    }
}

# --- Auth -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login throttling (django-axes): lock a username+IP pair after 5 failures for 15 minutes.
AXES_FAILURE_LIMIT = env_int("POVCENSUS_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("POVCENSUS_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "povcensus.accounts.views.login_locked_out"
AXES_VERBOSE = False

# Sessions expire after 8 hours, or when the browser closes.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = env_int("POVCENSUS_SESSION_SECONDS", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("POVCENSUS_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- Internationalisation ------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# Each app keeps its own catalogue in <app>/locale (found through INSTALLED_APPS).
LOCALE_PATHS: list = []
TIME_ZONE = env_str("POVCENSUS_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files -----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
STORAGES = {
    "default": (
        {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": env_str("POVCENSUS_S3_BUCKET"),
                "endpoint_url": env_str("POVCENSUS_S3_ENDPOINT") or None,
                "access_key": env_str("POVCENSUS_S3_ACCESS_KEY") or None,
                "secret_key": env_str("POVCENSUS_S3_SECRET_KEY") or None,
                "region_name": env_str("POVCENSUS_S3_REGION") or None,
                "file_overwrite": False,
                "default_acl": None,
            },
        }
        if env_str("POVCENSUS_STORAGE", "local") == "s3"
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {"BACKEND": "povcensus.core.staticfiles.ManifestStaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

# --- Security headers ------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("POVCENSUS_BEHIND_TLS_PROXY", False) else None
)

# --- Logging ----------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("POVCENSUS_LOG_LEVEL", "WARNING")},
    "loggers": {"povcensus": {"level": env_str("POVCENSUS_LOG_LEVEL", "INFO")}},
}

# --- povcensus ----------------------------------------------------------------------------
# `flush` wipes the append-only audit table too; only allowed where data is disposable.
POVCENSUS_ALLOW_FLUSH = env_bool("POVCENSUS_ALLOW_FLUSH", False)
# OpenRosa Digest realm: part of every stored HA1, so changing it invalidates them.
POVCENSUS_OPENROSA_REALM = env_str("POVCENSUS_OPENROSA_REALM", "povcensus")
# Largest submission POST (bytes) ODK Collect is told to send (it splits larger ones).
POVCENSUS_OPENROSA_MAX_POST = env_int("POVCENSUS_OPENROSA_MAX_POST", 10 * 1024 * 1024)
POVCENSUS_OPENROSA_MAX_ATTACHMENT = env_int("POVCENSUS_OPENROSA_MAX_ATTACHMENT", 8 * 1024 * 1024)
# Parallel audit hash chains on PostgreSQL (decision 0003); SQLite always uses one.
POVCENSUS_AUDIT_CHAINS = env_int("POVCENSUS_AUDIT_CHAINS", 8)
POVCENSUS_SITE_NAME = _("脱贫攻坚调查平台")
