"""django-allauth's usersessions with USERSESSIONS_TRACK_ACTIVITY=True, on Django's db backend."""

from benchmarks.configs.base import *  # noqa: F403

CONFIG = "allauth_usersessions"
INSTALLED_APPS = [  # noqa: F405
    *INSTALLED_APPS,  # noqa: F405
    "django.contrib.sessions",
    "allauth",
    "allauth.account",
    "allauth.usersessions",
]
SESSION_ENGINE = "django.contrib.sessions.backends.db"
USERSESSIONS_TRACK_ACTIVITY = True
MIDDLEWARE = middleware(  # noqa: F405
    SESSION_MIDDLEWARE,  # noqa: F405
    [
        "allauth.account.middleware.AccountMiddleware",
        "allauth.usersessions.middleware.UserSessionsMiddleware",
    ],
)
