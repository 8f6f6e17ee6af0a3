"""The one query every request without a warm cache makes, compiled once per connection.

``Session.objects.filter(...).values(...).first()`` builds, clones and compiles a query on every
request; profiling the store without Redis showed that costing more than Django's own ``db``
backend spends on its whole session load. The SQL and the column converters (dates on SQLite,
UUIDs) are those the ORM itself produces (:mod:`sessions_ui.prepared_query`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db import DEFAULT_DB_ALIAS

from sessions_ui.models import Session
from sessions_ui.prepared_query import PreparedQuery

_KEY_PLACEHOLDER = "\x00key-hash\x00"
_NOW_PLACEHOLDER = datetime(1999, 12, 31, 23, 59, 58, tzinfo=UTC)
_queries: dict[tuple[str, ...], PreparedQuery] = {}


def _query(fields: tuple[str, ...]) -> PreparedQuery:
    query = _queries.get(fields)
    if query is None:
        query = _queries[fields] = PreparedQuery(
            f"sessions_ui_row_{len(_queries)}",
            lambda key_hash, now: Session.objects.filter(
                key_hash=key_hash, expire_date__gt=now
            ).values_list(*fields)[:1],
            {
                "key_hash": (Session._meta.get_field("key_hash"), _KEY_PLACEHOLDER),
                "now": (Session._meta.get_field("expire_date"), _NOW_PLACEHOLDER),
            },
        )
    return query


def fetch_row(fields: tuple[str, ...], key_hash: str, now: datetime) -> dict[str, Any] | None:
    """``fields`` of the live row with ``key_hash`` (expiring after ``now``), or None."""
    rows = _query(fields).rows(DEFAULT_DB_ALIAS, key_hash=key_hash, now=now)
    return dict(zip(fields, rows[0], strict=True)) if rows else None
