"""Querysets that every request runs, compiled to SQL once per database connection.

Building, cloning and compiling a queryset costs far more Python than sending its SQL: the
user-plus-2FA-status query that loads ``request.user`` cost about as many instructions as the
whole rest of a request (``benchmarks/instructions.py``). A ``PreparedQuery`` lets the ORM
write the SQL, the parameters and the column converters once per connection, with recognisable
placeholder values where the request's values go, and afterwards only swaps those values in.
The SQL is the ORM's own, so what runs is exactly what the queryset would have run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connections
from django.db.models import Field, QuerySet


class PreparedQuery:
    """``build(**placeholders)`` compiled per connection; ``rows(using, **values)`` runs it.

    ``placeholders`` maps each argument of ``build`` to the model field it is compared with and
    a placeholder value of that field's type that no real query uses (the value is found among
    the compiled parameters to learn where the request's value goes).
    """

    def __init__(
        self, name: str, build: Callable[..., QuerySet], placeholders: dict[str, tuple[Field, Any]]
    ) -> None:
        self.attribute = f"_prepared_query_{name}"
        self.build = build
        self.placeholders = placeholders

    def rows(self, using: str, **values: Any) -> list[tuple]:
        """The rows for ``values``, converted as the queryset would convert them."""
        connection = connections[using]
        compiled = connection.__dict__.get(self.attribute)
        if compiled is None:
            compiled = connection.__dict__[self.attribute] = _Compiled(self, connection)
        return compiled.rows(connection, values)


class _Compiled:
    def __init__(self, query: PreparedQuery, connection) -> None:
        queryset = query.build(**{name: value for name, (_, value) in query.placeholders.items()})
        self.compiler = queryset.query.get_compiler(connection=connection)
        self.sql, params = self.compiler.as_sql()
        self.params = list(params)
        self.slots: list[tuple[str, Field, list[int]]] = []
        for name, (field, placeholder) in query.placeholders.items():
            prepared = field.get_db_prep_value(placeholder, connection)
            where = [i for i, param in enumerate(self.params) if _same(param, prepared)]
            if not where:
                raise ValueError(f"placeholder {name!r} is not among the query's parameters")
            self.slots.append((name, field, where))
        self.converters = self.compiler.get_converters(
            [column for column, _, _ in self.compiler.select]
        )

    def rows(self, connection, values: dict[str, Any]) -> list[tuple]:
        params = list(self.params)
        for name, field, where in self.slots:
            prepared = field.get_db_prep_value(values[name], connection)
            for index in where:
                params[index] = prepared
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if rows and self.converters:
            rows = list(self.compiler.apply_converters(rows, self.converters))
        return rows


def _same(param: Any, placeholder: Any) -> bool:
    # ``True == 1``: a boolean parameter must never be taken for an integer placeholder.
    return type(param) is type(placeholder) and param == placeholder
