"""The default cache: Redis, with Django's database cache standing in while Redis is down.

django-redis' ``IGNORE_EXCEPTIONS`` is not enough for the default cache: allauth's rate limiter
takes a lock with ``cache.add``, and an ignored error reads as "lock busy", so every sign-in
would end in 429 for as long as Redis is away. Falling back to the database cache (the table
``pixelunion_cache``, the one used without Redis at all) keeps sign-in working and its rate
limits shared by every worker and app server (a per-process stand-in would give each worker a
budget of its own); a warning is logged when Redis goes away and when it is back, and Redis is
retried after ``RETRY_AFTER`` seconds. Sessions do not use this alias: their
store has its own fallback, to the database (``sessions_ui.backends.session_cache``).
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache.backends.db import DatabaseCache
from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError

from sessions_ui.outage import Breaker

logger = logging.getLogger("pixelunion.cache")

RETRY_AFTER = 5.0
FALLBACK_TABLE = "pixelunion_cache"  # made by migration accounts.0004_shared_cache_table
_FAILOVER_METHODS = (
    "get",
    "set",
    "add",
    "delete",
    "get_many",
    "set_many",
    "delete_many",
    "has_key",
    "incr",
    "decr",
    "touch",
    "clear",
)


class FailoverRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        params = {**params, "OPTIONS": {**params.get("OPTIONS", {}), "IGNORE_EXCEPTIONS": False}}
        super().__init__(server, params)
        self._fallback = DatabaseCache(
            FALLBACK_TABLE,
            {"TIMEOUT": params.get("TIMEOUT", 300), "KEY_PREFIX": params.get("KEY_PREFIX", "")},
        )
        self._breaker = Breaker(
            logger,
            retry_after=lambda: RETRY_AFTER,
            back_message="Cache (Redis) is reachable again.",
        )


def _failover(name: str):
    redis_method = getattr(RedisCache, name)
    local_method = getattr(DatabaseCache, name)

    def method(self: FailoverRedisCache, *args: Any, **kwargs: Any) -> Any:
        if self._breaker.may_try():
            try:
                result = redis_method(self, *args, **kwargs)
            except (ConnectionInterrupted, RedisError, OSError) as exc:
                self._breaker.failed(
                    "Cache (Redis) unavailable (%s); using the database cache meanwhile.",
                    exc.__class__.__name__,
                )
            else:
                self._breaker.succeeded()
                return result
        return local_method(self._fallback, *args, **kwargs)

    method.__name__ = name
    method.__doc__ = redis_method.__doc__
    return method


for _name in _FAILOVER_METHODS:
    setattr(FailoverRedisCache, _name, _failover(_name))
