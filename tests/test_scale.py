"""Costs that must not grow with the number of sessions: the device list, and signing out
every other device (queries, and round-trips to Redis)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sessions_ui.backends import cached_db
from sessions_ui.backends.session_cache import TOMBSTONE, cache_key
from sessions_ui.keys import hash_key, new_key
from sessions_ui.models import Session
from sessions_ui.revocation import revoke_other_sessions
from tests import agents
from tests.cache_support import CountingConnection
from tests.conftest import sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_rate_limits")]


def add_sessions(user, count: int) -> list[str]:
    """``count`` more signed-in devices for ``user``, straight into the table; their keys."""
    now = timezone.now()
    keys = [new_key() for _ in range(count)]
    Session.objects.bulk_create(
        [
            Session(
                key_hash=hash_key(key),
                session_data="",
                user=user,
                client="app" if i % 3 == 0 else "web",
                created_at=now - timedelta(days=1),
                last_activity=now - timedelta(minutes=i % 900),
                expire_date=now + timedelta(days=7),
                ip=agents.IP_GERMANY,
                user_agent=agents.FIREFOX_LINUX,
                device_kind="desktop",
                browser="Firefox",
                os="Linux",
                country_code="DE",
                city="Nürnberg",
            )
            for i, key in enumerate(keys)
        ],
        batch_size=500,
    )
    return keys


def current_public_id(browser: Client):
    return Session.objects.get(key_hash=hash_key(browser.cookies["sessionid"].value)).public_id


@pytest.mark.parametrize("path", ["account_security:devices", "account_security"])
def test_device_pages_cost_the_same_for_1_and_1000_sessions(user, path, django_assert_num_queries):
    browser = sign_in(user.email)
    url = reverse(path)
    browser.get(url)
    with CaptureQueriesContext(connection) as one:
        assert browser.get(url).status_code == 200
    queries_for_one = len(one.captured_queries)

    add_sessions(user, 999)
    with django_assert_num_queries(queries_for_one):
        response = browser.get(url)
    assert response.status_code == 200
    if path == "account_security:devices":
        assert response.content.count(b"data-session=") == 1000


@pytest.mark.redis
def test_sign_out_others_with_10000_sessions(counted_redis_sessions, user):
    """One DELETE … RETURNING, one pipeline of tombstones: the same at 10 and at 10,000."""
    browser = sign_in(user.email)
    keep = current_public_id(browser)
    measured = {}
    for count in (10, 10_000):
        keys = add_sessions(user, count)
        for key in keys[:3]:
            cached_db.SessionStore(key).load()  # a few warm entries
        CountingConnection.round_trips = 0
        with CaptureQueriesContext(connection) as queries:
            ended = revoke_other_sessions(user, keep)
        measured[count] = (len(queries.captured_queries), CountingConnection.round_trips)
        assert len(ended) == count
        entries = counted_redis_sessions.get_many([cache_key(hash_key(k)) for k in keys])
        assert len(entries) == count and set(entries.values()) == {TOMBSTONE}
    assert measured[10] == measured[10_000]
    assert measured[10_000][1] == 1
    assert Session.objects.filter(user=user).count() == 1


@pytest.mark.redis
def test_sign_out_others_page_with_10000_sessions(counted_redis_sessions, user):
    browser = sign_in(user.email)
    url = reverse("account_security:sign_out_others")
    measured = {}
    for count in (10, 10_000):
        add_sessions(user, count)
        browser.get(reverse("account_security:devices"))  # the session's own entry is warm
        CountingConnection.round_trips = 0
        with CaptureQueriesContext(connection) as queries:
            response = browser.post(url)
        assert response.status_code == 302
        measured[count] = (len(queries.captured_queries), CountingConnection.round_trips)
        assert Session.objects.filter(user=user).count() == 1
    assert measured[10] == measured[10_000]
