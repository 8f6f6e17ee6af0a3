"""django-qsessions, cached_db backend on Redis."""

from benchmarks.configs.base import *  # noqa: F403

CONFIG = "qsessions_cached_db"
INSTALLED_APPS = [*INSTALLED_APPS, "qsessions"]  # noqa: F405
SESSION_ENGINE = "qsessions.backends.cached_db"
CACHES = {"default": redis_cache(CONFIG)}  # noqa: F405
MIDDLEWARE = middleware("qsessions.middleware.SessionMiddleware")  # noqa: F405
