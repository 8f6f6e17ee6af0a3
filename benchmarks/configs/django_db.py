"""Django's own database backend: no tracking, the floor without a cache."""

from benchmarks.configs.base import *  # noqa: F403

CONFIG = "django_db"
INSTALLED_APPS = [*INSTALLED_APPS, "django.contrib.sessions"]  # noqa: F405
SESSION_ENGINE = "django.contrib.sessions.backends.db"
MIDDLEWARE = middleware(SESSION_MIDDLEWARE)  # noqa: F405
