"""The tracked store with a cache in front (Django's ``cached_db`` semantics).

Reads come from the cache (``SESSION_CACHE_ALIAS``; with ``REDIS_URL`` a Redis alias of its
own); the database stays the truth. On a warm cache an authenticated request costs no session
query, and within ``SESSION_ACTIVITY_INTERVAL`` no session write either. The rules that keep a
revoked session from coming back through the cache, and the fallback to the database when the
cache is down, live in :mod:`sessions_ui.backends.session_cache`.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sessions_ui import revoked_keys
from sessions_ui.backends import db, limits, session_cache
from sessions_ui.backends.session_cache import TOMBSTONE, cache_key  # noqa: F401 (re-exported)
from sessions_ui.tracking import is_same_client

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
# Positions in a cache entry (see cache_entry).
_CLIENT, _CREATED, _LAST, _EXPIRES, _IP, _USER_AGENT, _DATA = 3, 4, 5, 6, 7, 8, 9


def entry_is_alive(entry: tuple, now_us: int) -> bool:
    """``db.is_alive`` on a cache entry's plain integers: both timeouts re-checked, so a
    shortened setting applies to cached sessions too."""
    idle, absolute = limits.lifetimes_us(entry[_CLIENT])
    return (
        entry[_EXPIRES] > now_us
        and entry[_LAST] + idle > now_us
        and entry[_CREATED] + absolute > now_us
    )


class SessionStore(db.SessionStore):
    """A warm request reads one cache entry and checks it with integer arithmetic: the row
    (UUID, datetimes) is built only if something asks for it (a page that lists sessions, a
    write), and the session data comes decoded with the entry."""

    # The session data decoded along with the row just fetched from the database.
    _decoded: dict | None = None
    # The cache entry the session was loaded from, while no row has been built from it.
    _entry: tuple | None = None
    _row: db.Row | None = None

    @property
    def row(self) -> db.Row | None:
        if self._row is None and self._entry is not None:
            self._row = _row_from_entry(self._entry)
        return self._row

    @row.setter
    def row(self, value: db.Row | None) -> None:
        self._row, self._entry = value, None

    def _load(self, key_hash: str) -> dict:
        if revoked_keys.is_revoked(key_hash):
            # Ended on some app server lately: whatever the cache holds (a Redis back with its
            # old data, a promoted replica), and the database has no row either.
            self.revoked = True
            return self._unknown()
        cached = session_cache.read(key_hash)
        if type(cached) is tuple and len(cached) == _ENTRY_LENGTH:
            if not entry_is_alive(cached, time.time_ns() // 1000) or not self._kind_fits(
                cached[_CLIENT]
            ):
                return self._unknown()
            self._row, self._entry = None, cached
            return cached[_DATA]
        if cached == TOMBSTONE:
            self.revoked = True
            return self._unknown()  # revoked: no session, and no database query either
        # A miss (or an entry this version does not know): the database decides.
        return super()._load(key_hash)

    def _row_fetch(self, key_hash: str) -> dict | db.Row | None:
        self._decoded = None
        row = super()._row_fetch(key_hash)
        if row is not None:
            self._decoded = self.decode(row["session_data"])
            session_cache.fill(key_hash, cache_entry(row, self._decoded), row["expire_date"])
        return row

    def _decode_row(self, row: db.Row) -> dict:
        decoded, self._decoded = self._decoded, None
        return decoded if decoded is not None else super()._decode_row(row)

    def record_activity(self) -> bool:
        entry = self._entry
        if entry is not None and self.current_key_hash() is not None:
            # Loaded from the cache and untouched since: decide "no news" on the entry.
            client = self.client
            if (
                client is None or is_same_client(client, entry[_IP], entry[_USER_AGENT])
            ) and time.time_ns() // 1000 - entry[_LAST] < limits.activity_interval_us():
                return False
        return super().record_activity()

    def has_row(self) -> bool:
        return self._entry is not None or self._row is not None

    def _row_written(self, key_hash: str) -> None:
        session_cache.invalidate([key_hash])

    @classmethod
    def forget(cls, key_hashes: Iterable[str]) -> None:
        session_cache.tombstone(key_hashes)

    @classmethod
    def remember_revoked(cls, key_hashes: Iterable[str]) -> None:
        revoked_keys.record(key_hashes)

    @classmethod
    def clear_expired(cls) -> None:
        super().clear_expired()
        revoked_keys.prune()
