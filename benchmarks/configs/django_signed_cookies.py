"""Django's signed-cookie sessions: no server state at all (and no revocation)."""

from benchmarks.configs.base import *  # noqa: F403

CONFIG = "django_signed_cookies"
INSTALLED_APPS = [*INSTALLED_APPS, "django.contrib.sessions"]  # noqa: F405
SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
MIDDLEWARE = middleware(SESSION_MIDDLEWARE)  # noqa: F405
