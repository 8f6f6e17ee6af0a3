"""This project's tracked store with Redis in front (sessions_ui.backends.cached_db)."""

from benchmarks.configs.project_base import *  # noqa: F403

CONFIG = "project_redis"
SESSION_ENGINE = "sessions_ui.backends.cached_db"
CACHES = {  # the project's layout: a Redis alias of its own for sessions
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "sessions": bench.redis_cache(CONFIG),  # noqa: F405
}
SESSION_CACHE_ALIAS = "sessions"
