"""Django's own cached_db backend inside this project's settings and apps: separates what the
project's environment (its apps, allauth's middleware, a bigger process) costs from what its
session backend costs."""

from benchmarks.configs.project_base import *  # noqa: F403

CONFIG = "project_env_django_cached_db"
INSTALLED_APPS = [*INSTALLED_APPS, "django.contrib.sessions"]  # noqa: F405
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
CACHES = {  # noqa: F405
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "sessions": bench.redis_cache(CONFIG),  # noqa: F405
}
SESSION_CACHE_ALIAS = "sessions"
MIDDLEWARE = bench.middleware(  # noqa: F405
    "django.contrib.sessions.middleware.SessionMiddleware",
    ["allauth.account.middleware.AccountMiddleware"],
)
