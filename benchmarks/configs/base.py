"""What every benchmark configuration shares: one tiny authenticated view, PostgreSQL `bench`,
Redis database 7, DEBUG off. A configuration changes only the session parts."""

import os

SECRET_KEY = "benchmark-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
ROOT_URLCONF = "benchmarks.urls"
USE_TZ = True
TIME_ZONE = "UTC"
USE_I18N = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SESSION_COOKIE_SECURE = False
TEMPLATES = []

BENCH_PG = os.environ.get("BENCH_DATABASE", "bench")
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": BENCH_PG,
        "USER": os.environ.get("BENCH_PG_USER", "postgres"),
        "HOST": os.environ.get("BENCH_PG_HOST", "127.0.0.1"),
        "PORT": os.environ.get("BENCH_PG_PORT", "5432"),
        # Persistent connections, as any production deployment has.
        "CONN_MAX_AGE": 600,
    }
}
REDIS_BENCH_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
CONFIG = "base"

INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes"]
SESSION_MIDDLEWARE = "django.contrib.sessions.middleware.SessionMiddleware"
EXTRA_MIDDLEWARE: list[str] = []
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The project's own settings (harmless for the others).
SESSION_IDLE_TIMEOUT = 14 * 24 * 3600
SESSION_ABSOLUTE_LIFETIME = 90 * 24 * 3600
APP_SESSION_IDLE_TIMEOUT = 90 * 24 * 3600
APP_SESSION_ABSOLUTE_LIFETIME = 365 * 24 * 3600
SESSION_ACTIVITY_INTERVAL = 60
SESSION_CACHE_TTL = 300
SESSION_CACHE_RETRY_AFTER = 5
TRUSTED_PROXIES: list[str] = []
GEOIP_DB = ""
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_LIFETIME


def redis_cache(prefix: str) -> dict:
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_BENCH_URL,
        "KEY_PREFIX": f"bench-{prefix}",
        "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
    }


def middleware(session: str, extra: list[str] | None = None) -> list[str]:
    return [
        session,
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        *(extra or []),
    ]
