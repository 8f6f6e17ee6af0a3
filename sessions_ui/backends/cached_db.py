"""The tracked store with a cache in front (Django's ``cached_db`` semantics).

Reads come from the cache; the database stays the truth. Three rules keep a revoked session
from coming back through the cache:

* revocation writes a short-lived tombstone over the entry (many keys in one round-trip);
* a read that missed the cache fills it with ``add``, which never overwrites a tombstone;
* a write drops the entry instead of replacing it, so the next read takes the row from the
  database.

When the cache is unreachable every operation falls back to the database with a logged warning.
"""

from __future__ import annotations

import logging
import time
from typing import Iterable

from django.conf import settings
from django.core.cache import caches
from django.utils import timezone

from sessions_ui.backends import db

logger = logging.getLogger("sessions_ui.cache")

KEY_PREFIX = "pu.session."
TOMBSTONE = "revoked"
_last_warning = 0.0


def cache_key(key_hash: str) -> str:
    return KEY_PREFIX + key_hash


def _cache():
    return caches[settings.SESSION_CACHE_ALIAS]


def _ttl() -> int:
    return int(getattr(settings, "SESSION_CACHE_TTL", 300))


def _warn(action: str, exc: Exception) -> None:
    """One warning a minute at most: an outage must not flood the log."""
    global _last_warning
    now = time.monotonic()
    if now - _last_warning > 60:
        _last_warning = now
        logger.warning("Session cache unavailable (%s): %s; using the database.", action, exc)


class SessionStore(db.SessionStore):
    def _row_fetch(self, key_hash: str) -> dict | None:
        key = cache_key(key_hash)
        try:
            cached = _cache().get(key)
        except Exception as exc:  # noqa: BLE001 - any cache failure means "ask the database"
            _warn("read", exc)
            return super()._row_fetch(key_hash)
        if cached == TOMBSTONE:
            return None
        if cached is not None:
            return cached
        row = super()._row_fetch(key_hash)
        if row is not None:
            remaining = int((row["expire_date"] - timezone.now()).total_seconds())
            try:
                _cache().add(key, row, timeout=max(1, min(_ttl(), remaining)))
            except Exception as exc:  # noqa: BLE001
                _warn("fill", exc)
        return row

    def _row_written(self, key_hash: str) -> None:
        try:
            _cache().delete(cache_key(key_hash))
        except Exception as exc:  # noqa: BLE001
            _warn("invalidate", exc)

    @classmethod
    def forget(cls, key_hashes: Iterable[str]) -> None:
        entries = {cache_key(h): TOMBSTONE for h in key_hashes}
        if not entries:
            return
        try:
            _cache().set_many(entries, timeout=_ttl())
        except Exception as exc:  # noqa: BLE001
            _warn("revoke", exc)
