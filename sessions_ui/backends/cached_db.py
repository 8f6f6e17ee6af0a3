"""The tracked store with a cache in front (Django's ``cached_db`` semantics).

Reads come from the cache (``SESSION_CACHE_ALIAS``; with ``REDIS_URL`` a Redis alias of its
own); the database stays the truth. On a warm cache an authenticated request costs no session
query, and within ``SESSION_ACTIVITY_INTERVAL`` no session write either. The rules that keep a
revoked session from coming back through the cache, and the fallback to the database when the
cache is down, live in :mod:`sessions_ui.backends.session_cache`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sessions_ui.backends import db, session_cache
from sessions_ui.backends.session_cache import TOMBSTONE, cache_key  # noqa: F401 (re-exported)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def cache_entry(row: dict, decoded: dict) -> tuple:
    """What the cache holds for a session: its columns as plain numbers and strings (a third of
    the pickled size of the row, and cheaper to load on every request) and its data, decoded."""
    return (
        row["id"],
        row["public_id"].bytes,
        row["user_id"],
        row["client"],
        (row["created_at"] - _EPOCH) // _MICROSECOND,
        (row["last_activity"] - _EPOCH) // _MICROSECOND,
        (row["expire_date"] - _EPOCH) // _MICROSECOND,
        row["ip"],
        row["user_agent"],
        decoded,
    )


def _row_from_entry(entry: tuple) -> db.Row:
    pk, public_id, user_id, client, created, last, expires, ip, user_agent, _ = entry
    return db.Row(
        pk,
        uuid.UUID(bytes=public_id),
        user_id,
        client,
        _EPOCH + created * _MICROSECOND,
        _EPOCH + last * _MICROSECOND,
        _EPOCH + expires * _MICROSECOND,
        ip,
        user_agent,
        "",  # the data comes decoded with the entry
    )


_ENTRY_LENGTH = 10


class SessionStore(db.SessionStore):
    # The session data decoded along with the row just fetched: a warm request never pays for
    # the signature check and JSON parsing of the stored data (the cache holds it decoded).
    _decoded: dict | None = None

    def _row_fetch(self, key_hash: str) -> dict | db.Row | None:
        self._decoded = None
        cached = session_cache.read(key_hash)
        if cached == TOMBSTONE:
            return None  # revoked: no session, and no database query either
        if isinstance(cached, tuple) and len(cached) == _ENTRY_LENGTH:
            self._decoded = cached[-1]
            return _row_from_entry(cached)
        # A miss (or an entry this version does not know): the database decides.
        row = super()._row_fetch(key_hash)
        if row is not None:
            self._decoded = self.decode(row["session_data"])
            session_cache.fill(key_hash, cache_entry(row, self._decoded), row["expire_date"])
        return row

    def _decode_row(self, row: db.Row) -> dict:
        decoded, self._decoded = self._decoded, None
        return decoded if decoded is not None else super()._decode_row(row)

    def _row_written(self, key_hash: str) -> None:
        session_cache.invalidate([key_hash])

    @classmethod
    def forget(cls, key_hashes: Iterable[str]) -> None:
        session_cache.tombstone(key_hashes)
