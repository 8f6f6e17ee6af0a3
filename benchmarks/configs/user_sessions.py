"""django-user-sessions (Jazzband): tracks IP/UA, last activity only when a session is saved."""

from benchmarks.configs.base import *  # noqa: F403

CONFIG = "user_sessions"
INSTALLED_APPS = [*INSTALLED_APPS, "user_sessions"]  # noqa: F405
SESSION_ENGINE = "user_sessions.backends.db"
MIDDLEWARE = middleware("user_sessions.middleware.SessionMiddleware")  # noqa: F405
