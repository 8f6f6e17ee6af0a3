"""Settings of the warnings evaluation: the test settings, an in-memory database, the simulated
world's GeoIP files (paths from the environment, written by ``__main__``), no rate limits (a
year of sign-ins happens in seconds of wall time, but not of the fixed clock)."""

import os

from tests.settings import *  # noqa: F403

DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
GEOIP_DB = os.environ["WARNINGS_EVAL_CITY_DB"]
GEOIP_ASN_DB = os.environ["WARNINGS_EVAL_ASN_DB"]
ACCOUNT_RATE_LIMITS = False
SIGN_IN_ALERTS = True
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}
# The new sign-in alert is a background task (account_security.alerts): run it at once, in the
# sign-in's request, so the evaluation counts the emails a worker would send.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
