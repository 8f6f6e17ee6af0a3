"""The tracked session store: Django's database backend semantics plus who, where and when.

Kept from Django's ``db`` backend: saving to a key that was deleted meanwhile raises
``UpdateError`` (the middleware turns it into ``SessionInterrupted``), so a revoked session is
never written back; an unknown key never creates a row. Added: the key is stored hashed, the
row carries the client as last seen, last activity is written at most once per
``SESSION_ACTIVITY_INTERVAL``, idle timeout and absolute lifetime are enforced here, and a
database error stays a database error (Django turns it into "session deleted").
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.base import CreateError, SessionBase, UpdateError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from sessions_ui import places
from sessions_ui.backends.limits import activity_interval, expiry
from sessions_ui.backends.row_query import fetch_row
from sessions_ui.client import ClientInfo
from sessions_ui.keys import hash_key, is_valid_key, new_key
from sessions_ui.models import ClientKind, Session
from sessions_ui.revocation import revoke_expired_sessions
from sessions_ui.tracking import client_fields

# Where Django's ``set_expiry`` keeps the session's own expiry in its data.
EXPIRY_KEY = "_session_expiry"

# Columns the store keeps in memory (and in the cache) for the loaded session.
ROW_FIELDS = (
    "id",
    "public_id",
    "user_id",
    "client",
    "created_at",
    "last_activity",
    "expire_date",
    "ip",
    "user_agent",
    "session_data",
)


@dataclasses.dataclass(frozen=True, slots=True)
class Row:
    """What the store knows about its session row, as last read or written."""

    id: int
    public_id: Any
    user_id: int | None
    client: str
    created_at: datetime
    last_activity: datetime
    expire_date: datetime
    ip: str | None
    user_agent: str
    session_data: str


@functools.cache
def _serializer(path: str) -> type:
    return import_string(path)


def is_alive(row: Row, now: datetime) -> bool:
    """Re-check both timeouts, so shortening a setting takes effect on stored rows too."""
    return row.expire_date > now and expiry(row.client, row.created_at, row.last_activity) > now


class SessionStore(SessionBase):
    """One store per request; subclasses that cache rows override the storage hooks."""

    # Set by ``for_key_hash``: a store for a credential we know only the hash of.
    _key_hash: str | None = None
    # Set by a load that met a revocation tombstone (the cached store): ended here, recently.
    revoked = False

    def __init__(
        self,
        session_key: str | None = None,
        *,
        client: ClientInfo | None = None,
        client_kind: str = ClientKind.WEB,
        strict_kind: bool = False,
    ) -> None:
        # SessionBase.__init__ without its import of SESSION_SERIALIZER, which it repeats for
        # every store, i.e. every request; see ``serializer`` (tests/test_backends_db.py checks
        # that this sets everything SessionBase.__init__ sets).
        self._session_key = session_key
        self.accessed = False
        self.modified = False
        self.client = client
        self.client_kind = client_kind
        # With strict_kind, a key of another client kind loads as unknown: an API request
        # (client_kind=app) cannot use a browser's cookie value as its token.
        self.strict_kind = strict_kind
        self.row: Row | None = None

    @property
    def serializer(self) -> type:
        return _serializer(settings.SESSION_SERIALIZER)

    # --- key handling --------------------------------------------------------------------------
    def _validate_session_key(self, key: object) -> bool:
        return is_valid_key(key)

    def _get_new_session_key(self) -> str:
        # Uniqueness is enforced by the table's constraint (CreateError → retry), so the
        # extra EXISTS query Django's base class makes would buy nothing.
        return new_key()

    async def _aget_new_session_key(self) -> str:
        return new_key()

    @classmethod
    def for_key_hash(
        cls, key_hash: str, *, client: ClientInfo | None = None, client_kind: str
    ) -> SessionStore:
        """A store that loads the row keyed by ``key_hash`` and records its activity, for a
        credential that is not one of our keys (an Immich token: immich/gate.py). Only
        ``load`` and ``record_activity`` are meant for it; the kind must match."""
        store = cls(client=client, client_kind=client_kind, strict_kind=True)
        store._key_hash = key_hash
        return store

    def current_key_hash(self) -> str | None:
        """The hash that keys this store's row: the given one, or the hash of the key."""
        if self._key_hash is not None:
            return self._key_hash
        return hash_key(self.session_key) if self.session_key is not None else None

    def has_row(self) -> bool:
        """Whether the last load found a live session."""
        return self.row is not None

    @property
    def public_id(self):
        """The session's public UUID, once it is stored; never the key."""
        return self.row.public_id if self.row else None

    # --- storage hooks (overridden by the cached store) ---------------------------------------
    def _row_fetch(self, key_hash: str) -> dict | Row | None:
        # The ORM's own query, compiled once per connection (see row_query: the hot path).
        return fetch_row(ROW_FIELDS, key_hash, timezone.now())

    def _decode_row(self, row: Row) -> dict:
        """The session data of a row just loaded (the cached store may already have it)."""
        return self.decode(row.session_data)

    def _row_written(self, key_hash: str) -> None:
        """Called after the row behind ``key_hash`` changed in the database."""

    @classmethod
    def forget(cls, key_hashes: Iterable[str]) -> None:
        """Called after rows were deleted; the cached store drops its copies."""

    @classmethod
    def remember_revoked(cls, key_hashes: Iterable[str]) -> None:
        """Called inside the transaction that deletes (or rekeys) rows; the cached store
        records them durably, so no process serves them from the cache afterwards."""

    # --- load ----------------------------------------------------------------------------------
    def load(self) -> dict:
        key_hash = self.current_key_hash()
        if key_hash is None:
            return {}
        return self._load(key_hash)

    def _load(self, key_hash: str) -> dict:
        """The data of the live session behind ``key_hash`` (the cached store reads its cache
        first), or ``{}`` with the key dropped."""
        data = self._row_fetch(key_hash)
        row = data if isinstance(data, Row) or data is None else Row(**data)
        if row is None or not is_alive(row, timezone.now()) or not self._kind_fits(row.client):
            return self._unknown()
        self.row = row
        return self._decode_row(row)

    def _kind_fits(self, client: str) -> bool:
        return not self.strict_kind or client == self.client_kind

    def _unknown(self) -> dict:
        """No usable session behind the key: the request goes on without one."""
        self._session_key = None
        self._key_hash = None
        self.row = None
        return {}

    def exists(self, session_key: str) -> bool:
        if not is_valid_key(session_key):
            return False
        return Session.objects.filter(key_hash=hash_key(session_key)).exists()

    # --- create / save -------------------------------------------------------------------------
    def create(self) -> None:
        while True:
            self._session_key = self._get_new_session_key()
            try:
                self.save(must_create=True)
            except CreateError:
                continue
            self.modified = True
            return

    def _user_id(self, data: dict) -> int | None:
        value = data.get(SESSION_KEY)
        try:
            return int(value) if value is not None else None
        except (TypeError, ValueError):
            return None

    def _client_changes(self, now: datetime, *, creating: bool = False) -> dict[str, Any]:
        """Columns to write about the client; a new place is appended to the row's places
        (``sessions_ui.places``) in the same statement, or written as is into a new row."""
        if self.client is None:
            return {}
        changes = client_fields(self.client, previous=self.row, now=now)
        if "places" in changes and not creating:
            changes["places"] = places.appended(changes["places"])
        return changes

    def save(self, must_create: bool = False) -> None:
        if self.session_key is None:
            return self.create()
        data = self._get_session(no_load=must_create)
        now = timezone.now()
        key_hash = hash_key(self.session_key)
        user_id = self._user_id(data)
        values: dict[str, Any] = {
            "session_data": self.encode(data),
            "user_id": user_id,
            "last_activity": now,
            **self._client_changes(now, creating=must_create),
        }
        row = self.row
        if must_create or row is None:
            values["created_at"] = now
            client = self.client_kind
        else:
            # "Signed in since" is the moment an anonymous session became a user's.
            values["created_at"] = now if (row.user_id is None and user_id) else row.created_at
            client = row.client
        values["expire_date"] = self._expire_date(client, values["created_at"], now, data)

        if must_create:
            try:
                with transaction.atomic():
                    obj = Session.objects.create(key_hash=key_hash, client=client, **values)
            except IntegrityError:
                raise CreateError from None
            self.row = Row(**{field: getattr(obj, field) for field in ROW_FIELDS})
        else:
            if not Session.objects.filter(key_hash=key_hash).update(**values):
                raise UpdateError
            self._refresh_row(values)
        self._row_written(key_hash)

    def _expire_date(
        self, client: str, created_at: datetime, now: datetime, data: dict
    ) -> datetime:
        """The shorter of the idle/absolute limit and the session's own expiry (``set_expiry``:
        seconds from this save, or a moment). ``set_expiry(0)`` (until the browser closes)
        and no expiry leave the limit alone: the cookie handles the browser."""
        limit = expiry(client, created_at, now)
        own = data.get(EXPIRY_KEY)
        if not own:
            return limit
        try:
            chosen = self.get_expiry_date(modification=now, expiry=own)
        except (TypeError, ValueError, OverflowError):
            return limit  # not something set_expiry writes: the limit holds
        if timezone.is_naive(chosen):
            chosen = timezone.make_aware(chosen, timezone.get_default_timezone())
        return min(limit, chosen)

    def _refresh_row(self, values: dict[str, Any]) -> None:
        if self.row is not None:
            known = {k: v for k, v in values.items() if k in Row.__slots__}
            self.row = dataclasses.replace(self.row, **known)

    # --- activity ------------------------------------------------------------------------------
    def _own_expiry(self, row) -> bool:
        """Whether the session set its own expiry (``set_expiry``), from the data already at
        hand: a store loaded with ``load()`` alone has no data cache, and a second load of the
        row only to read one key would cost a query on every activity write."""
        data = getattr(self, "_session_cache", None)
        if data is None:
            data = self.decode(row.session_data)
        return bool(data.get(EXPIRY_KEY))

    def record_activity(self) -> bool:
        """Note a request on an unmodified session; writes only when something is news.

        News is: the IP or user agent changed, or the last recorded activity is older than
        the activity interval. Returns whether a write happened.
        """
        row = self.row
        key_hash = self.current_key_hash()
        if row is None or key_hash is None:
            return False
        now = timezone.now()
        changes = self._client_changes(now)
        if not changes and now - row.last_activity < activity_interval():
            return False
        values = {
            "last_activity": now,
            # Activity moves the idle limit, never past an expiry the session set itself.
            "expire_date": (
                min(row.expire_date, expiry(row.client, row.created_at, now))
                if self._own_expiry(row)
                else expiry(row.client, row.created_at, now)
            ),
            **changes,
        }
        # A session revoked meanwhile matches nothing here and stays gone.
        target = Session.objects.filter(key_hash=key_hash)
        if not changes:
            # Only the clock moved: write only if no other request (another worker, the same
            # second) wrote since this one read the row, so the interval holds under load.
            target = target.filter(last_activity=row.last_activity)
        if not target.update(**values):
            return False
        self._refresh_row(values)
        self._row_written(key_hash)
        return True

    # --- rotation, deletion -------------------------------------------------------------------
    def cycle_key(self) -> None:
        """New key, same row: the client metadata, public id and history stay; the old key
        is dead the moment this returns."""
        data = self._session
        old_key = self.session_key
        if old_key is None or self.row is None:
            self.create()
            self._session_cache = data
            return
        old_hash = hash_key(old_key)
        while True:
            key = self._get_new_session_key()
            try:
                updated = self.rekey(old_hash, hash_key(key))
            except IntegrityError:
                continue
            break
        if not updated:
            # Ended meanwhile (signed out from another device): like any other save of a
            # deleted session, it is not brought back, under this key or a new one. The
            # request goes on anonymous, with no data; what is stored next is a new session.
            self._session_key = None
            self.row = None
            self._session_cache = {}
            self.modified = True
            return
        self._session_key = key
        self.modified = True

    @classmethod
    def rekey(cls, old_hash: str, new_hash: str) -> bool:
        """Key the row behind ``old_hash`` by ``new_hash`` instead: same row, client metadata and
        public id; the old key is dead the moment this returns. False if there was no such row
        (revoked meanwhile); ``IntegrityError`` if ``new_hash`` already keys another row."""
        with transaction.atomic():
            updated = Session.objects.filter(key_hash=old_hash).update(key_hash=new_hash)
            if updated:
                cls.remember_revoked([old_hash])
        cls.forget([old_hash])
        return bool(updated)

    def delete(self, session_key: str | None = None) -> None:
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        if not is_valid_key(session_key):
            return
        key_hash = hash_key(session_key)
        with transaction.atomic():
            deleted, _ = Session.objects.filter(key_hash=key_hash).delete()
            if deleted:
                self.remember_revoked([key_hash])
        self.forget([key_hash])
        if session_key == self.session_key:
            self.row = None

    @classmethod
    def clear_expired(cls) -> None:
        # Through revocation, so listeners hear of it (an Immich session ends with its row).
        revoke_expired_sessions()

    # --- async twins: the very same code, so both paths store user, IP and UA alike ----------
    async def aload(self) -> dict:
        return await sync_to_async(self.load)()

    async def aexists(self, session_key: str) -> bool:
        return await sync_to_async(self.exists)(session_key)

    async def acreate(self) -> None:
        await sync_to_async(self.create)()

    async def asave(self, must_create: bool = False) -> None:
        await sync_to_async(self.save)(must_create)

    async def adelete(self, session_key: str | None = None) -> None:
        await sync_to_async(self.delete)(session_key)

    async def acycle_key(self) -> None:
        await sync_to_async(self.cycle_key)()

    async def arecord_activity(self) -> bool:
        return await sync_to_async(self.record_activity)()

    @classmethod
    async def aclear_expired(cls) -> None:
        await sync_to_async(cls.clear_expired)()
