"""Session rows in the cache: reads, fills, invalidations and revocation tombstones.

The database is the truth; the cache only saves reads. What keeps a revoked session from
coming back through the cache:

* revocation *sets* a tombstone over each entry (many keys in one round-trip), for
  ``SESSION_CACHE_TTL`` seconds, longer than any request can sit between its read of the
  database and its fill of the cache (gunicorn kills a worker after 30 s);
* a read that missed fills the cache with ``add``, which never replaces a tombstone;
* a write to a row drops the cache entry, *unless it is a tombstone*. Without that guard a
  request whose UPDATE landed just before the revocation's DELETE would delete the tombstone,
  and a third request that read the row before the DELETE could then fill it back in. On Redis
  the check-and-delete is one Lua script (atomic); other caches get a get-then-delete, whose
  window is as wide as one local call.

When the cache fails, callers read the database; the store then skips the cache for
``SESSION_CACHE_RETRY_AFTER`` seconds (a black-holed Redis must not cost every request a
connect timeout). A warning is logged when an outage starts (and at most once a minute while it
lasts). Revocations always try the cache; tombstones and invalidations that could not be written
are kept and written by this process at its next cache access, so a short Redis outage cannot
leave a revoked session readable in the cache once Redis is back.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import timezone

from sessions_ui.outage import Breaker

logger = logging.getLogger("sessions_ui.cache")

KEY_PREFIX = "session."
TOMBSTONE = "revoked"
MISS = object()
_TOMBSTONE_ACTION, _INVALIDATE_ACTION = "tombstone", "invalidate"

# KEYS: cache keys to drop; ARGV[1]: the tombstone as the cache client encodes it.
_DELETE_UNLESS_TOMBSTONE = """
local dropped = 0
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) ~= ARGV[1] then dropped = dropped + redis.call('DEL', key) end
end
return dropped
"""


class _Health(Breaker):
    """Per-process view of the cache: up or down, and the writes it still owes."""

    def __init__(self) -> None:
        super().__init__(
            logger,
            retry_after=lambda: int(getattr(settings, "SESSION_CACHE_RETRY_AFTER", 5)),
            back_message="Session cache is reachable again.",
            warn_every=60,
        )
        self.pending: dict[str, str] = {}
        self.lock = threading.Lock()


_health = _Health()
# This thread's cache object for the sessions alias. Django's ``caches[alias]`` costs a few
# microseconds (an asgiref Local and a settings lookup), every request; the object it returns
# is the same for the thread's life anyway.
_local = threading.local()


@receiver(setting_changed)
def _reset_on_settings_change(*, setting: str, **kwargs: Any) -> None:
    """A different cache configuration (tests, mostly) starts with a clean slate."""
    global _health, _local
    if setting in {"CACHES", "SESSION_CACHE_ALIAS", "SESSION_CACHE_RETRY_AFTER"}:
        _health = _Health()
        _local = threading.local()


def cache_key(key_hash: str) -> str:
    return KEY_PREFIX + key_hash


def _cache():
    try:
        return _local.cache
    except AttributeError:
        _local.cache = caches[settings.SESSION_CACHE_ALIAS]
        return _local.cache


def ttl() -> int:
    return int(getattr(settings, "SESSION_CACHE_TTL", 300))


def _redis_client(cache) -> Any | None:
    """django-redis' client when the alias is Redis through django-redis, else None."""
    try:
        from django_redis.client import DefaultClient
    except ImportError:  # pragma: no cover - django-redis is a dependency
        return None
    client = getattr(cache, "client", None)
    return client if isinstance(client, DefaultClient) else None


def _failed(action: str, exc: Exception) -> None:
    _health.failed(
        "Session cache unavailable (%s: %s); sessions are read from the database.",
        action,
        exc.__class__.__name__,
    )


def _owe(key_hashes: Iterable[str], action: str) -> None:
    health = _health
    with health.lock:
        for key_hash in key_hashes:
            if health.pending.get(key_hash) != _TOMBSTONE_ACTION:
                health.pending[key_hash] = action


def _pay_debts() -> bool:
    """Write what earlier failures left owing; False if the cache failed again."""
    health = _health
    with health.lock:
        owed, health.pending = health.pending, {}
    tombstones = [h for h, action in owed.items() if action == _TOMBSTONE_ACTION]
    stale = [h for h, action in owed.items() if action == _INVALIDATE_ACTION]
    try:
        _write_tombstones(tombstones)
        _drop_unless_tombstone(stale)
    except Exception as exc:  # noqa: BLE001
        _owe(stale, _INVALIDATE_ACTION)
        _owe(tombstones, _TOMBSTONE_ACTION)
        _failed("retry", exc)
        return False
    return True


def _usable() -> bool:
    """Whether to talk to the cache at all right now (settling old debts first)."""
    health = _health
    if not health.may_try():
        return False
    if health.pending:
        return _pay_debts()
    return True


# --- the operations -------------------------------------------------------------------------------
def read(key_hash: str) -> Any:
    """The cached entry, ``TOMBSTONE``, or ``MISS`` (not cached, or cache down)."""
    if not _usable():
        return MISS
    try:
        value = _cache().get(cache_key(key_hash), MISS)
    except Exception as exc:  # noqa: BLE001 - any cache failure means "ask the database"
        _failed("read", exc)
        return MISS
    _health.succeeded()
    return value


def fill(key_hash: str, entry: Any, expire_date: datetime) -> None:
    """Offer an entry read from the database to the cache; never replaces a tombstone."""
    if not _usable():
        return
    remaining = int((expire_date - timezone.now()).total_seconds())
    try:
        _cache().add(cache_key(key_hash), entry, timeout=max(1, min(ttl(), remaining)))
    except Exception as exc:  # noqa: BLE001
        _failed("fill", exc)


def invalidate(key_hashes: Iterable[str]) -> None:
    """Rows changed in the database: drop their entries (tombstones stay)."""
    key_hashes = list(key_hashes)
    if not key_hashes:
        return
    if not _usable():
        _owe(key_hashes, _INVALIDATE_ACTION)
        return
    try:
        _drop_unless_tombstone(key_hashes)
    except Exception as exc:  # noqa: BLE001
        _owe(key_hashes, _INVALIDATE_ACTION)
        _failed("invalidate", exc)


def tombstone(key_hashes: Iterable[str]) -> None:
    """Rows were deleted: tombstone their entries in one round-trip, even if the cache
    seemed down a moment ago (a revocation is worth one more try)."""
    key_hashes = list(key_hashes)
    if not key_hashes:
        return
    try:
        _write_tombstones(key_hashes)
    except Exception as exc:  # noqa: BLE001
        _owe(key_hashes, _TOMBSTONE_ACTION)
        _failed("revoke", exc)


# --- cache-specific writes ----------------------------------------------------------------------
def _write_tombstones(key_hashes: list[str]) -> None:
    if not key_hashes:
        return
    cache = _cache()
    client = _redis_client(cache)
    if client is None:
        cache.set_many({cache_key(h): TOMBSTONE for h in key_hashes}, timeout=ttl())
        return
    # The raw pipeline: one round-trip, and the tombstone is encoded once, not 10,000 times.
    raw = client.get_client(write=True)
    encoded = client.encode(TOMBSTONE)
    seconds = ttl()
    pipe = raw.pipeline(transaction=False)
    for key_hash in key_hashes:
        pipe.set(client.make_key(cache_key(key_hash)), encoded, ex=seconds)
    pipe.execute()


def _drop_unless_tombstone(key_hashes: list[str]) -> None:
    if not key_hashes:
        return
    cache = _cache()
    client = _redis_client(cache)
    if client is None:
        for key_hash in key_hashes:
            key = cache_key(key_hash)
            if cache.get(key) != TOMBSTONE:
                cache.delete(key)
        return
    raw = client.get_client(write=True)
    script = raw.register_script(_DELETE_UNLESS_TOMBSTONE)
    script(
        keys=[str(client.make_key(cache_key(h))) for h in key_hashes],
        args=[client.encode(TOMBSTONE)],
    )
