"""Production settings: base plus the checks a public deployment needs."""

from config.env import env_bool
from config.settings.base import *  # noqa: F403

DEBUG = False
SESSION_COOKIE_SECURE = env_bool("POVCENSUS_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = 3600 if SESSION_COOKIE_SECURE else 0
