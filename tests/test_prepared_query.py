"""sessions_ui.prepared_query: the ORM's SQL, compiled once per connection, re-run with new values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from sessions_ui.client import ClientInfo
from sessions_ui.models import ClientKind, Session
from sessions_ui.prepared_query import PreparedQuery
from sessions_ui.signin import start_session
from tests import agents
from tests.conftest import make_account

pytestmark = pytest.mark.django_db

User = get_user_model()
PK = User._meta.pk
NEVER = datetime(1999, 12, 31, 23, 59, 58, tzinfo=UTC)


def test_rows_are_what_the_queryset_returns_with_its_converters(user):
    """Datetimes come back as aware datetimes on SQLite too, UUIDs as UUIDs: the ORM's own
    converters, applied to the prepared query's rows."""
    for _ in range(3):
        start_session(user, ClientInfo(ip=agents.IP_STOCKHOLM, user_agent=agents.FIREFOX_LINUX))
    fields = ("public_id", "created_at", "expire_date", "client")

    def build(after):
        return Session.objects.filter(expire_date__gt=after).order_by("id").values_list(*fields)

    query = PreparedQuery(
        "test_sessions_after", build, {"after": (Session._meta.get_field("expire_date"), NEVER)}
    )
    for after in (timezone.now(), timezone.now() + timedelta(days=400), NEVER):
        assert [tuple(row) for row in query.rows(DEFAULT_DB_ALIAS, after=after)] == list(
            build(after)
        )
    row = query.rows(DEFAULT_DB_ALIAS, after=timezone.now())[0]
    assert row[0] == Session.objects.order_by("id").first().public_id
    assert row[1].tzinfo is not None and row[3] == ClientKind.APP


def test_the_queryset_is_built_once_per_connection(user, other_user):
    built = []

    def build(pk):
        built.append(pk)
        return User.objects.filter(pk=pk).values_list("email")

    query = PreparedQuery("test_built_once", build, {"pk": (PK, -1_000_003)})
    assert query.rows(DEFAULT_DB_ALIAS, pk=user.pk) == [(user.email,)]
    assert query.rows(DEFAULT_DB_ALIAS, pk=other_user.pk) == [(other_user.email,)]
    assert query.rows(DEFAULT_DB_ALIAS, pk=-7) == []
    assert built == [-1_000_003]


def test_a_placeholder_used_twice_is_replaced_everywhere(user, other_user):
    query = PreparedQuery(
        "test_twice",
        # Were either occurrence left at the placeholder, no row would match.
        lambda pk: User.objects.filter(pk=pk, id__lte=pk).values_list("email"),
        {"pk": (PK, -1_000_005)},
    )
    assert query.rows(DEFAULT_DB_ALIAS, pk=user.pk) == [(user.email,)]
    assert query.rows(DEFAULT_DB_ALIAS, pk=other_user.pk) == [(other_user.email,)]
    assert len(connections[DEFAULT_DB_ALIAS].__dict__["_prepared_query_test_twice"].params) == 2


def test_a_boolean_parameter_is_never_taken_for_the_placeholder(user):
    """``True == 1``: with 1 as the placeholder, the ``is_active = True`` parameter (earlier in
    the SQL) must stay a boolean and the pk parameter must get the value."""
    inactive = make_account("inaktiv@example.com")
    User.objects.filter(pk=inactive.pk).update(is_active=False)
    query = PreparedQuery(
        "test_boolean",
        lambda pk: User.objects.filter(is_active=True, pk=pk).values_list("email"),
        {"pk": (PK, 1)},
    )
    assert query.rows(DEFAULT_DB_ALIAS, pk=user.pk) == [(user.email,)]
    assert query.rows(DEFAULT_DB_ALIAS, pk=inactive.pk) == []


def test_a_placeholder_missing_from_the_sql_is_an_error(user):
    query = PreparedQuery(
        "test_missing",
        lambda pk: User.objects.filter(pk=user.pk).values_list("email"),
        {"pk": (PK, -1_000_009)},
    )
    with pytest.raises(ValueError, match="placeholder 'pk'"):
        query.rows(DEFAULT_DB_ALIAS, pk=user.pk)
