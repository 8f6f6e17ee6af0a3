"""The one query every request without a warm cache makes, compiled once per connection.

``Session.objects.filter(...).values(...).first()`` builds, clones and compiles a query on every
request; profiling the store without Redis showed that costing more than Django's own ``db``
backend spends on its whole session load. The SQL and the column converters (dates on SQLite,
UUIDs) are those the ORM itself produces, made once per database connection and reused.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

from sessions_ui.models import Session

_KEY_SENTINEL = "\x00key-hash\x00"
_NOW_SENTINEL = datetime(1999, 12, 31, 23, 59, 58, tzinfo=UTC)
_ATTRIBUTE = "_sessions_ui_row_query"


class _Compiled:
    def __init__(self, fields: tuple[str, ...], connection) -> None:
        query = (
            Session.objects.using(connection.alias)
            .filter(key_hash=_KEY_SENTINEL, expire_date__gt=_NOW_SENTINEL)
            .values_list(*fields)[:1]
            .query
        )
        self.compiler = query.get_compiler(connection=connection)
        self.sql, params = self.compiler.as_sql()
        self.fields = fields
        self.key_at = params.index(_KEY_SENTINEL)
        self.prepared_sentinel = Session._meta.get_field("expire_date").get_db_prep_value(
            _NOW_SENTINEL, connection
        )
        self.now_at = params.index(self.prepared_sentinel)
        self.params = list(params)
        self.expire_field = Session._meta.get_field("expire_date")
        self.converters = self.compiler.get_converters(
            [column for column, _, _ in self.compiler.select]
        )

    def fetch(self, connection, key_hash: str, now: datetime) -> dict[str, Any] | None:
        params = list(self.params)
        params[self.key_at] = key_hash
        params[self.now_at] = self.expire_field.get_db_prep_value(now, connection)
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        if self.converters:
            row = next(iter(self.compiler.apply_converters([row], self.converters)))
        return dict(zip(self.fields, row, strict=True))


def fetch_row(fields: tuple[str, ...], key_hash: str, now: datetime) -> dict[str, Any] | None:
    """``fields`` of the live row with ``key_hash`` (expiring after ``now``), or None."""
    connection = connections[DEFAULT_DB_ALIAS]
    compiled = connection.__dict__.get(_ATTRIBUTE)
    if compiled is None or compiled.fields != fields:
        compiled = _Compiled(fields, connection)
        connection.__dict__[_ATTRIBUTE] = compiled
    return compiled.fetch(connection, key_hash, now)
