"""The whole product (pixelunion.settings) on the bench database and Redis database 7: for the
device list and "sign out all others" timings (scale.py)."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-secret-key-0123456789abcdefghijklmnop")
# Debug is off and no host is allowed from the environment: the passkeys' relying party needs a site.
os.environ.setdefault("SITE_URL", "http://localhost:8000")
if not os.environ.get("OIDC_PRIVATE_KEY"):  # the provider's signing key (required, debug off)
    from pathlib import Path

    from pixelunion.dev_key import development_key

    os.environ["OIDC_PRIVATE_KEY"] = development_key(
        Path(__file__).resolve().parents[2] / ".oidc-dev-key.pem"
    )
os.environ["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/" + os.environ.get(
    "BENCH_DATABASE", "bench"
)
os.environ["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
os.environ["CACHE_KEY_PREFIX"] = "bench-site-d"
os.environ["SESSION_CACHE_KEY_PREFIX"] = "bench-site-s"
os.environ["DJANGO_SSL_REDIRECT"] = "0"

from pixelunion.settings import *  # noqa: E402,F403

ALLOWED_HOSTS = ["testserver", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Plain HTTP on loopback, like the peers: the same cookie name as theirs (production uses
# __Host-sessionid, which needs HTTPS).
SESSION_COOKIE_NAME = "sessionid"
