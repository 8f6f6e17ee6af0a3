"""The project's apps and settings (pixelunion.settings), with the benchmark's database, cache,
URLs and middleware: the same two middleware as every other configuration."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-secret-key-0123456789abcdefghijklmnop")
# Debug is off and no host is allowed from the environment: the passkeys' relying party needs a site.
os.environ.setdefault("SITE_URL", "http://localhost:8000")
os.environ.setdefault("DJANGO_SSL_REDIRECT", "0")
if not os.environ.get("OIDC_PRIVATE_KEY"):  # the provider's signing key (required, debug off)
    from pathlib import Path

    from pixelunion.dev_key import development_key

    os.environ["OIDC_PRIVATE_KEY"] = development_key(
        Path(__file__).resolve().parents[2] / ".oidc-dev-key.pem"
    )

from benchmarks.configs import base as bench  # noqa: E402
from pixelunion.settings import *  # noqa: E402,F403

# The benchmark's own database, URLs and neutral settings win over the product's.
ALLOWED_HOSTS = bench.ALLOWED_HOSTS
DATABASES = bench.DATABASES
PASSWORD_HASHERS = bench.PASSWORD_HASHERS
ROOT_URLCONF = bench.ROOT_URLCONF
SECRET_KEY = bench.SECRET_KEY
SESSION_COOKIE_SECURE = bench.SESSION_COOKIE_SECURE
TIME_ZONE = bench.TIME_ZONE
USE_I18N = bench.USE_I18N
middleware, redis_cache = bench.middleware, bench.redis_cache

INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "django.contrib.admin"]  # noqa: F405
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SECURE_SSL_REDIRECT = False
LOGGING = {"version": 1, "disable_existing_loggers": False}
# allauth (which the project's apps use) refuses to start without its middleware; it costs a
# few microseconds a request (a namespace and a context manager).
MIDDLEWARE = bench.middleware(
    "sessions_ui.middleware.TrackedSessionMiddleware",
    ["allauth.account.middleware.AccountMiddleware"],
)
# The product's 2FA middleware is not what is measured here: the view and middleware stack are
# the same two layers for every configuration (the whole product is timed in scale.py).
SILENCED_SYSTEM_CHECKS = ["accounts.E001"]

# Plain HTTP on loopback, like the peers: the same cookie name as theirs (production uses
# __Host-sessionid, which needs HTTPS).
SESSION_COOKIE_NAME = "sessionid"
