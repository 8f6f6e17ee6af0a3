"""The durable revocation debt (``sessions_ui.revoked_keys``): every way a session ends is
remembered in the database, a process that never heard of the sign-out refuses the key even
when the cache hands back the old entry, and the cost is one query per process per interval.

"Another process" is this one after ``revoked_keys.reset()``: what a process knows of revoked
keys is exactly that module's state, and the real multi-process runs (gunicorn workers, Redis
restarted from its dump, workers that exit, an app server cut off) are in tests/test_faults.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sessions_ui import revoked_keys
from sessions_ui.backends import cached_db
from sessions_ui.backends.session_cache import cache_key
from sessions_ui.keys import hash_key
from sessions_ui.models import RevokedKey, Session
from sessions_ui.revocation import revoke_other_sessions, revoke_session, revoke_sessions_by_id
from tests import agents
from tests.conftest import sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_rate_limits")]

HUB = "account_security"


def key_hash_of(browser) -> str:
    return hash_key(browser.cookies["sessionid"].value)


def public_id_of(browser):
    return Session.objects.get(key_hash=key_hash_of(browser)).public_id


def revoked_table(sql: list[str]) -> list[str]:
    return [q for q in sql if RevokedKey._meta.db_table in q]


def test_a_cache_back_with_its_old_data_cannot_serve_a_signed_out_session(any_cache, user):
    """The cache comes back holding the entry it had before the sign-out (a Redis restarted
    from its dump, a promoted replica) and the process asked never saw the sign-out."""
    browser = sign_in(user.email)
    phone = sign_in(user.email, user_agent=agents.SAFARI_IPHONE, ip=agents.IP_GERMANY)
    assert phone.get(reverse(HUB)).status_code == 200
    key = cache_key(key_hash_of(phone))
    old_entry = any_cache.get(key)
    assert isinstance(old_entry, tuple)

    victim = public_id_of(phone)
    assert browser.post(reverse("account_security:sign_out", args=[victim])).status_code == 302
    any_cache.set(key, old_entry)  # the tombstone is lost, the old entry is back
    revoked_keys.reset()  # another process: nothing in its memory

    response = phone.get(reverse(HUB))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    # The owner's own session is untouched.
    assert browser.get(reverse(HUB)).status_code == 200


def test_the_same_for_an_app_token(locmem_sessions, user):
    from django.test import Client

    from sessions_ui.client import ClientInfo
    from sessions_ui.signin import start_session

    app = start_session(user, ClientInfo(ip=agents.IP_GERMANY, user_agent=agents.IMMICH_ANDROID))
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {app.session_key}"}
    assert Client().get(reverse("api:sessions"), **bearer).status_code == 200
    key = cache_key(hash_key(app.session_key))
    old_entry = locmem_sessions.get(key)
    revoke_session(user, app.public_id)
    locmem_sessions.set(key, old_entry)
    revoked_keys.reset()
    assert Client().get(reverse("api:sessions"), **bearer).status_code == 401


def _browser_and_phone(user):
    browser = sign_in(user.email)
    phone = sign_in(user.email, user_agent=agents.SAFARI_IPHONE, ip=agents.IP_GERMANY)
    return browser, phone


def end_one(user, browser, phone) -> None:
    revoke_session(user, public_id_of(phone))


def end_others(user, browser, phone) -> None:
    revoke_other_sessions(user, public_id_of(browser))


def end_by_staff(user, browser, phone) -> None:
    revoke_sessions_by_id([Session.objects.get(key_hash=key_hash_of(phone)).pk])


def sign_out_itself(user, browser, phone) -> None:
    assert phone.post(reverse("account_logout")).status_code == 302


@pytest.mark.parametrize("end", [end_one, end_others, end_by_staff, sign_out_itself])
def test_every_way_a_session_ends_is_remembered(locmem_sessions, user, end):
    browser, phone = _browser_and_phone(user)
    victim = key_hash_of(phone)
    end(user, browser, phone)
    assert list(RevokedKey.objects.values_list("key_hash", flat=True)) == [victim]


def test_a_rotated_key_is_remembered(locmem_sessions, user):
    """cycle_key (sign-in, OTP, password change): the old key is dead everywhere at once."""
    store = cached_db.SessionStore()
    store["x"] = 1
    store.create()
    old = hash_key(store.session_key)
    store.cycle_key()
    assert list(RevokedKey.objects.values_list("key_hash", flat=True)) == [old]
    revoked_keys.reset()
    assert cached_db.SessionStore(store.session_key).load() == {"x": 1}


def test_expired_sessions_are_not_written_down(locmem_sessions, user):
    """Every cached entry carries its expiry and is checked against it: no debt needed."""
    browser = sign_in(user.email)
    Session.objects.filter(key_hash=key_hash_of(browser)).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    cached_db.SessionStore.clear_expired()
    assert not Session.objects.exists() and not RevokedKey.objects.exists()


def test_a_rolled_back_revocation_is_not_remembered(locmem_sessions, user):
    browser, phone = _browser_and_phone(user)
    with pytest.raises(RuntimeError), transaction.atomic():
        revoke_session(user, public_id_of(phone))
        raise RuntimeError("the caller failed after the delete")
    assert not RevokedKey.objects.exists()
    assert not revoked_keys.is_revoked(key_hash_of(phone))  # nor in this process's memory
    assert Session.objects.filter(key_hash=key_hash_of(phone)).exists()


def test_one_query_per_interval_and_none_inside_it(locmem_sessions, user, settings):
    browser = sign_in(user.email)
    browser.get(reverse(HUB))  # warm, and this process has had its first look
    key = browser.cookies["sessionid"].value
    with CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            assert cached_db.SessionStore(key).load()
    assert queries.captured_queries == []

    settings.SESSION_REVOCATION_CHECK_INTERVAL = 0  # every load is "an interval later"
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            assert cached_db.SessionStore(key).load()
    sql = [q["sql"] for q in queries.captured_queries]
    assert len(sql) == 3 and revoked_table(sql) == sql


def test_a_new_process_reads_only_what_a_cache_can_still_hold(locmem_sessions, settings):
    """The first look takes the horizon (cache TTL + the longest request); older rows are
    neither read nor kept, and clearsessions drops them from the table."""
    settings.SESSION_CACHE_TTL = 300
    now = timezone.now()
    old = RevokedKey.objects.create(key_hash="a" * 64, revoked_at=now - timedelta(seconds=400))
    recent = RevokedKey.objects.create(key_hash="b" * 64, revoked_at=now - timedelta(seconds=300))
    revoked_keys.reset()
    assert revoked_keys.is_revoked(recent.key_hash)
    assert not revoked_keys.is_revoked(old.key_hash)

    cached_db.SessionStore.clear_expired()
    assert list(RevokedKey.objects.values_list("key_hash", flat=True)) == [recent.key_hash]


def test_later_looks_read_only_new_rows(locmem_sessions, settings):
    settings.SESSION_REVOCATION_CHECK_INTERVAL = 0
    first = RevokedKey.objects.create(key_hash="c" * 64, revoked_at=timezone.now())
    assert revoked_keys.is_revoked(first.key_hash)
    second = RevokedKey.objects.create(key_hash="d" * 64, revoked_at=timezone.now())
    with CaptureQueriesContext(connection) as queries:
        assert revoked_keys.is_revoked(second.key_hash)
    (query,) = queries.captured_queries
    assert '"id" >' in query["sql"] and "revoked_at" not in query["sql"].split("WHERE")[1]
    assert revoked_keys.is_revoked(first.key_hash)
