"""Test settings: the same stack as production, made fast and hermetic.

DATABASE_URL selects the database (SQLite in memory by default, PostgreSQL in CI).
"""

from config.settings.base import *  # noqa: F403
from config.settings.base import DATABASES, TASKS

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
POVCENSUS_ALLOW_FLUSH = True
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
TASKS = {
    "default": {**TASKS["default"], "BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AXES_ENABLED = True
LANGUAGE_CODE = "zh-hans"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not ":memory:": the live server's threads (browser tests) then each get their
    # own connection instead of sharing one in-memory connection across threads.
    from config.env import VAR_DIR

    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
