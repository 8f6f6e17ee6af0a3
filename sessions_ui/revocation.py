"""Ending sessions: one function per user-level operation, shared by pages, API, admin, signals.

Each operation is a single ``DELETE … RETURNING`` (PostgreSQL and SQLite ≥ 3.35 both have it):
the rows that were really deleted come back from the same statement, so the cache tombstones
and the security log speak of exactly those, and there is no window in which a half-done
revocation could be seen.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from importlib import import_module
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from sessions_ui.models import SNAPSHOT_FIELDS, Session
from sessions_ui.signals import sessions_ended

# What the caller needs to describe the ended sessions (message, security log).
RETURNED = (
    "public_id",
    "key_hash",
    "user_id",
    "client",
    *SNAPSHOT_FIELDS,
)


class Reason(enum.StrEnum):
    """Who ended a session, for the security log."""

    USER = "user"  # the user, from another of their sessions
    OTHERS = "others"  # "sign out all other devices"
    STAFF = "staff"  # support, in the admin
    PASSWORD = "password"  # password change or reset
    SIGN_OUT = "sign_out"  # the session signed itself out
    EXPIRED = "expired"  # idle timeout or absolute lifetime passed (``clearsessions``)


@dataclass(frozen=True, slots=True)
class EndedSession:
    public_id: uuid.UUID
    user_id: int | None
    client: str
    device_kind: str
    browser: str
    os: str
    device_model: str
    app_version: str
    ip: str | None
    country_code: str
    city: str


class SessionNotFound(LookupError):
    """No such session among the caller's own: the page answers 404 and nothing changed."""


def session_store_class():
    return import_module(settings.SESSION_ENGINE).SessionStore


def _delete_returning(
    where: str, params: Sequence[Any], *, remember: bool = True
) -> list[EndedSession]:
    """Delete the rows matching ``where``; ``remember``: record their keys as revoked (not
    needed for expired rows: every cached entry carries its expiry and is checked against it)."""
    table = connection.ops.quote_name(Session._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in RETURNED)
    sql = f"DELETE FROM {table} WHERE {where} RETURNING {columns}"  # noqa: S608 - fixed identifiers, values are parameters
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = [dict(zip(RETURNED, row, strict=True)) for row in cursor.fetchall()]
        # The debt a cache may owe (sessions_ui.revoked_keys), in the same transaction.
        if remember:
            session_store_class().remember_revoked(row["key_hash"] for row in rows)
    if not rows:
        return []
    session_store_class().forget([row.pop("key_hash") for row in rows])
    public_id_field = Session._meta.get_field("public_id")
    for row in rows:
        row["public_id"] = public_id_field.to_python(row["public_id"])
    return [EndedSession(**row) for row in rows]


def _db_value(field: str, value: Any) -> Any:
    """``value`` as the database takes it for the session column ``field``."""
    return Session._meta.get_field(field).get_db_prep_value(value, connection)


def parse_public_id(value: object) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        raise SessionNotFound(value) from None


def revoke_session(
    user, public_id: object, *, reason: Reason = Reason.USER, by_session: object | None = None
) -> EndedSession:
    """End one of ``user``'s own sessions. Anything else raises ``SessionNotFound``.

    ``by_session`` is the public id of the session the user acted from, for the log.
    """
    pid = parse_public_id(public_id)
    ended = _delete_returning('"user_id" = %s AND "public_id" = %s', [user.pk, _db_value("public_id", pid)])
    if not ended:
        raise SessionNotFound(pid)
    _record(user, ended, reason, by_session)
    return ended[0]


def revoke_other_sessions(
    user, keep_public_id: object | None, *, reason: Reason = Reason.OTHERS
) -> list[EndedSession]:
    """End every session of ``user`` except the one named (the caller's own; None: all)."""
    if keep_public_id is None:
        ended = _delete_returning('"user_id" = %s', [user.pk])
    else:
        pid = parse_public_id(keep_public_id)
        ended = _delete_returning(
            '"user_id" = %s AND "public_id" <> %s', [user.pk, _db_value("public_id", pid)]
        )
    _record(user, ended, reason, keep_public_id)
    return ended


def revoke_sessions_by_id(
    ids: Iterable[int], *, reason: Reason = Reason.STAFF
) -> list[EndedSession]:
    """End the given rows whoever they belong to (staff, in the admin)."""
    ids = [int(i) for i in ids]
    if not ids:
        return []
    placeholders = ", ".join(["%s"] * len(ids))
    ended = _delete_returning(f'"id" IN ({placeholders})', ids)
    _record(None, ended, reason)
    return ended


def revoke_expired_sessions(now: datetime | None = None) -> list[EndedSession]:
    """End every session whose idle timeout or absolute lifetime has passed (``clearsessions``).

    Expired rows were never served (every load filters on ``expire_date``); ending them
    through here rather than a plain delete tells the listeners too, so a session that lives
    on in another system (an Immich session) ends there when it ends here.
    """
    ended = _delete_returning(
        '"expire_date" < %s', [_db_value("expire_date", now or timezone.now())], remember=False
    )
    _record(None, ended, Reason.EXPIRED)
    return ended


def _record(
    user, ended: list[EndedSession], reason: Reason, by_session: object | None = None
) -> None:
    """Tell listeners (the security log) exactly which sessions ended, and why."""
    if ended:
        sessions_ended.send(
            sender=Session, user=user, ended=ended, reason=reason, by_session=by_session
        )
