"""Django's cached_db backend on Redis: the headline's 1.00×."""

from benchmarks.configs.base import *  # noqa: F403

CONFIG = "django_cached_db"
INSTALLED_APPS = [*INSTALLED_APPS, "django.contrib.sessions"]  # noqa: F405
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
CACHES = {"default": redis_cache(CONFIG)}  # noqa: F405
MIDDLEWARE = middleware(SESSION_MIDDLEWARE)  # noqa: F405
