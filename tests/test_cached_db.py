"""The cached store (``sessions_ui.backends.cached_db`` + ``session_cache``) on the real Redis.

What is measured: the session SQL of a page view (none on a warm cache, one SELECT without a
cache), the writes inside the activity window (none), and the interleavings in which a revoked
session could come back through the cache, each played step by step in the order that would
resurrect it.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime, timedelta

import pytest
import redis
import time_machine
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sessions_ui.backends import cached_db, db, session_cache
from sessions_ui.backends.session_cache import TOMBSTONE, cache_key
from sessions_ui.client import ClientInfo
from sessions_ui.keys import hash_key
from sessions_ui.models import ClientKind, Session
from sessions_ui.revocation import revoke_session
from sessions_ui.signin import start_session
from tests import agents
from tests.cache_support import (
    REDIS_TEST_URL,
    TcpProxy,
    redis_answers,
    session_sql,
    session_writes,
    use_redis_sessions,
)
from tests.conftest import sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_rate_limits")]

CLIENT = ClientInfo(ip=agents.IP_STOCKHOLM, user_agent=agents.FIREFOX_LINUX)
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def page() -> str:
    """An authenticated page that does not itself list sessions (allauth's e-mail page)."""
    return reverse("account_email")


def key_hash_of(browser: Client) -> str:
    return hash_key(browser.cookies["sessionid"].value)


def reader_fill(key_hash: str, row: dict) -> None:
    """The second half of a cache miss, exactly as ``cached_db.SessionStore._row_fetch`` does it."""
    entry = cached_db.cache_entry(row, cached_db.SessionStore().decode(row["session_data"]))
    session_cache.fill(key_hash, entry, row["expire_date"])


# --- the fast path --------------------------------------------------------------------------------
@pytest.mark.redis
def test_warm_cache_page_view_reads_and_writes_no_session_row(redis_sessions, user):
    browser = sign_in(user.email)
    assert browser.get(page()).status_code == 200  # fills the cache
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(page())
    assert response.status_code == 200
    assert session_sql(queries) == []
    assert isinstance(redis_sessions.get(cache_key(key_hash_of(browser))), tuple)


def test_without_cache_a_page_view_costs_one_session_select(user):
    browser = sign_in(user.email)  # tests run without REDIS_URL: the plain db store
    browser.get(page())
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(page())
    assert response.status_code == 200
    sql = session_sql(queries)
    assert len(sql) == 1
    assert sql[0].lstrip().upper().startswith("SELECT")


@pytest.mark.redis
def test_the_cache_saves_exactly_the_session_select(settings, user, django_assert_num_queries):
    if not redis_answers():
        pytest.skip("Redis not answering")
    browser = sign_in(user.email)
    browser.get(page())
    with CaptureQueriesContext(connection) as without_cache:
        assert browser.get(page()).status_code == 200
    # Read it now: the next request resets the connection's query log.
    without_cache_count = len(without_cache.captured_queries)
    assert len(session_sql(without_cache)) == 1

    use_redis_sessions(settings)
    try:
        cached = Client(HTTP_USER_AGENT=agents.CHROME_WINDOWS, REMOTE_ADDR=agents.IP_STOCKHOLM)
        cached.cookies = browser.cookies
        cached.get(page())  # miss: SELECT, fill
        with django_assert_num_queries(without_cache_count - 1):
            assert cached.get(page()).status_code == 200
    finally:
        from django.core.cache import caches

        caches["sessions"].delete_pattern("*")


@pytest.mark.redis
def test_no_session_write_inside_the_activity_window_then_one(redis_sessions, user):
    with time_machine.travel(T0, tick=False) as clock:
        browser = sign_in(user.email)
        browser.get(page())
        for _ in range(5):  # 50 seconds of requests, every 10 s
            clock.shift(10)
            with CaptureQueriesContext(connection) as queries:
                browser.get(page())
            assert session_sql(queries) == []

        clock.shift(15)  # 65 s after the last write: the activity is news now
        with CaptureQueriesContext(connection) as queries:
            browser.get(page())
        writes = session_writes(queries)
        assert len(writes) == 1 and writes[0].lstrip().upper().startswith("UPDATE")
        row = Session.objects.get(key_hash=key_hash_of(browser))
        assert row.last_activity == timezone.now()

        clock.shift(1)
        with CaptureQueriesContext(connection) as queries:
            browser.get(page())  # the write dropped the entry: one SELECT refills it
        assert len(session_sql(queries)) == 1 and session_writes(queries) == []
        with CaptureQueriesContext(connection) as queries:
            browser.get(page())
        assert session_sql(queries) == []


@pytest.mark.redis
@pytest.mark.parametrize(
    ("user_agent", "ip", "column", "expected"),
    [
        (agents.CHROME_WINDOWS, agents.IP_GERMANY, "ip", agents.IP_GERMANY),
        (agents.FIREFOX_LINUX, agents.IP_STOCKHOLM, "browser", "Firefox"),
    ],
    ids=["new IP", "new user agent"],
)
def test_a_changed_client_is_written_at_once_even_on_a_warm_cache(
    redis_sessions, user, user_agent, ip, column, expected
):
    browser = sign_in(user.email)
    browser.get(page())
    moved = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)
    moved.cookies = browser.cookies
    with CaptureQueriesContext(connection) as queries:
        moved.get(page())
    assert len(session_writes(queries)) == 1
    assert getattr(Session.objects.get(key_hash=key_hash_of(browser)), column) == expected


def test_saved_data_is_not_served_stale_from_the_cache(any_cache, user):
    store = start_session(user, CLIENT, kind=ClientKind.WEB)
    key = store.session_key
    cached_db.SessionStore(key).load()  # warm
    writer = cached_db.SessionStore(key)
    writer["theme"] = "dark"
    writer.save()
    assert cached_db.SessionStore(key).load()["theme"] == "dark"


# --- revocation against the cache, interleaving by interleaving -----------------------------------
def test_fill_after_revocation_cannot_resurrect(any_cache, user):
    """Reader: cache miss, SELECT (row still there) … revocation … reader fills the cache."""
    store = start_session(user, CLIENT, kind=ClientKind.WEB)
    key, key_hash = store.session_key, hash_key(store.session_key)
    row_seen_by_reader = db.SessionStore(key)._row_fetch(key_hash)
    assert row_seen_by_reader is not None

    revoke_session(user, store.public_id)
    reader_fill(key_hash, row_seen_by_reader)

    assert any_cache.get(cache_key(key_hash)) == TOMBSTONE
    assert cached_db.SessionStore(key).load() == {}


def test_write_landing_before_revocation_keeps_the_tombstone(any_cache, user):
    """Three requests of one session: a reader SELECTs, a writer's UPDATE lands, the session is
    revoked, the writer drops "its" cache entry, the reader fills. A plain delete would remove
    the tombstone and let the reader's stale row back in."""
    store = start_session(user, CLIENT, kind=ClientKind.WEB)
    key, key_hash = store.session_key, hash_key(store.session_key)
    cached_db.SessionStore(key).load()  # warm
    row_seen_by_reader = db.SessionStore(key)._row_fetch(key_hash)
    assert Session.objects.filter(key_hash=key_hash).update(last_activity=timezone.now()) == 1

    revoke_session(user, store.public_id)
    cached_db.SessionStore(key)._row_written(key_hash)  # the writer's invalidation, late
    reader_fill(key_hash, row_seen_by_reader)

    assert any_cache.get(cache_key(key_hash)) == TOMBSTONE
    assert cached_db.SessionStore(key).load() == {}
    assert not Session.objects.filter(key_hash=key_hash).exists()


def test_save_after_revocation_is_refused_and_not_cached(any_cache, user):
    store = start_session(user, CLIENT, kind=ClientKind.WEB)
    key = store.session_key
    late = cached_db.SessionStore(key, client=CLIENT)
    assert late.get("_auth_user_id") == str(user.pk)  # loaded before the revocation
    revoke_session(user, store.public_id)
    late["x"] = 1
    from django.contrib.sessions.backends.base import UpdateError

    with pytest.raises(UpdateError):
        late.save()
    assert any_cache.get(cache_key(hash_key(key))) == TOMBSTONE
    assert not Session.objects.filter(key_hash=hash_key(key)).exists()


def test_cycle_key_tombstones_the_old_key(any_cache, user):
    store = start_session(user, CLIENT, kind=ClientKind.WEB)
    old = store.session_key
    cached_db.SessionStore(old).load()  # warm the old key
    rotating = cached_db.SessionStore(old, client=CLIENT)
    rotating.load()
    rotating.cycle_key()
    rotating.save()
    assert any_cache.get(cache_key(hash_key(old))) == TOMBSTONE
    assert cached_db.SessionStore(old).load() == {}
    assert cached_db.SessionStore(rotating.session_key).load() != {}


def test_tombstones_for_many_sessions_in_one_call(any_cache, user):
    stores = [start_session(user, CLIENT, kind=ClientKind.WEB) for _ in range(3)]
    for store in stores:
        cached_db.SessionStore(store.session_key).load()
    cached_db.SessionStore.forget(hash_key(s.session_key) for s in stores)
    entries = any_cache.get_many([cache_key(hash_key(s.session_key)) for s in stores])
    assert set(entries.values()) == {TOMBSTONE} and len(entries) == 3


# --- Redis down -------------------------------------------------------------------------------------
@pytest.mark.redis
def test_redis_down_requests_use_the_database_and_warn(dead_redis_sessions, user, caplog):
    caplog.set_level(logging.WARNING, logger="sessions_ui.cache")
    browser = sign_in(user.email)
    phone = sign_in(user.email, user_agent=agents.SAFARI_IPHONE, ip=agents.IP_GERMANY)
    for path in (page(), reverse("account_security"), reverse("account_security:devices")):
        assert browser.get(path).status_code == 200
    response = browser.post(reverse("account_security:sign_out_others"))
    assert response.status_code == 302
    assert Session.objects.filter(user=user).count() == 1
    assert phone.get(reverse("account_security")).status_code == 302  # signed out: login page
    assert any("Session cache unavailable" in r.getMessage() for r in caplog.records)


@pytest.mark.redis
def test_revocation_during_an_outage_reaches_redis_when_it_is_back(settings, user, caplog):
    """Tombstones that could not be written are owed, and paid at the next cache access: a
    short outage must not leave a revoked session readable in Redis afterwards."""
    if not redis_answers():
        pytest.skip("Redis not answering")
    caplog.set_level(logging.WARNING, logger="sessions_ui.cache")
    proxy = TcpProxy()
    proxy.start()
    try:
        use_redis_sessions(settings, location=proxy.url)
        settings.SESSION_CACHE_RETRY_AFTER = 0
        cache = caches["sessions"]
        store = start_session(user, CLIENT, kind=ClientKind.WEB)
        key, key_hash = store.session_key, hash_key(store.session_key)
        cached_db.SessionStore(key).load()  # warm, through the proxy
        redis_key = cache.make_key(cache_key(key_hash))
        direct = redis.Redis.from_url(REDIS_TEST_URL)

        proxy.stop()  # Redis is "down"
        revoke_session(user, store.public_id)
        assert any("Session cache unavailable" in r.getMessage() for r in caplog.records)
        assert direct.get(redis_key) is not None  # the stale row is still in Redis …
        assert cached_db.SessionStore(key).load() == {}  # … but reads use the database

        proxy.start()  # Redis is back
        assert cached_db.SessionStore(key).load() == {}
        assert cache.get(cache_key(key_hash)) == TOMBSTONE
        cache.delete_pattern("*")
        direct.close()
    finally:
        proxy.stop()


# --- the warm path: what is checked on the cache entry itself ------------------------------------
def warm(user, kind: str = ClientKind.WEB) -> str:
    """A session whose entry is in the cache (filled by a first load); returns its key."""
    key = start_session(user, CLIENT, kind=kind).session_key
    cached_db.SessionStore(key, client_kind=kind).load()
    assert isinstance(caches["sessions"].get(cache_key(hash_key(key))), tuple)
    return key


@pytest.mark.parametrize("setting", ["SESSION_IDLE_TIMEOUT", "SESSION_ABSOLUTE_LIFETIME"])
def test_a_shortened_timeout_applies_to_sessions_in_the_cache(any_cache, user, settings, setting):
    """The entry still says "expires in 14 days"; the timeouts are checked again on every load,
    with the setting as it is now."""
    key = warm(user)
    setattr(settings, setting, 60)
    with time_machine.travel(timezone.now() + timedelta(seconds=61), tick=False):
        assert cached_db.SessionStore(key, client=CLIENT).load() == {}
    assert cached_db.SessionStore(key, client=CLIENT).load() != {}


def test_an_app_token_in_the_cache_is_still_no_browser_cookie(any_cache, user):
    key = warm(user, kind=ClientKind.APP)
    assert cached_db.SessionStore(key, strict_kind=True).load() == {}
    assert cached_db.SessionStore(key, client_kind=ClientKind.APP, strict_kind=True).load() != {}


def test_the_row_of_a_cached_session_is_the_database_row(any_cache, user):
    key = warm(user)
    from_cache = cached_db.SessionStore(key, client=CLIENT)
    from_database = db.SessionStore(key, client=CLIENT)
    assert from_cache.load() == from_database.load()
    cached_row, database_row = from_cache.row, from_database.row
    assert dataclasses.replace(cached_row, session_data="") == dataclasses.replace(
        database_row, session_data=""
    )
    assert from_cache.public_id == Session.objects.get(key_hash=hash_key(key)).public_id
