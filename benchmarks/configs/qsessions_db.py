"""django-qsessions, database backend."""

from benchmarks.configs.base import *  # noqa: F403

CONFIG = "qsessions_db"
INSTALLED_APPS = [*INSTALLED_APPS, "qsessions"]  # noqa: F405
SESSION_ENGINE = "qsessions.backends.db"
MIDDLEWARE = middleware("qsessions.middleware.SessionMiddleware")  # noqa: F405
