"""Django's session-backend contract, adapted from Django's own suite (``tests/sessions_tests``,
``SessionTestsMixin``), run on both stores (the tracked database store, and the cached store on
a local-memory cache and on Redis), each operation through its sync method and its async twin,
on SQLite and (in ``make test``'s PostgreSQL pass) PostgreSQL.

Adapted where the project's rules differ on purpose, each said at the test: keys are exactly
32 characters of ``[a-z0-9]`` (others are invalid rather than saved), ``exists`` asks the
database (the truth), and the session's own expiry (``set_expiry``) is honoured on the server
together with the idle timeout and absolute lifetime: the shorter wins.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings as django_settings
from django.contrib.sessions.backends.base import UpdateError
from django.core.management import call_command
from django.utils import timezone

from sessions_ui.backends import cached_db, db
from sessions_ui.keys import hash_key, new_key
from sessions_ui.models import Session

pytestmark = pytest.mark.django_db

SECOND = timedelta(seconds=1)


@pytest.fixture(params=["db", "cached-locmem", pytest.param("cached-redis", marks=pytest.mark.redis)])
def backend(request, settings):
    """The store class, with the settings that make it the engine."""
    if request.param == "db":
        settings.SESSION_ENGINE = "sessions_ui.backends.db"
        return db.SessionStore
    request.getfixturevalue("locmem_sessions" if request.param == "cached-locmem" else "redis_sessions")
    return cached_db.SessionStore


@pytest.fixture(params=["sync", "async"])
def run(request):
    """``run(store, "save")`` calls ``store.save()`` or awaits ``store.asave()``."""

    sync_names = {"set": "__setitem__", "has_key": "__contains__"}

    def call(target, name: str, *args):
        if request.param == "sync":
            return getattr(target, sync_names.get(name, name))(*args)
        return async_to_sync(getattr(target, f"a{name}"))(*args)

    return call


def row(store) -> Session:
    return Session.objects.get(key_hash=hash_key(store.session_key))


# --- the mapping ------------------------------------------------------------------------------
def test_new_session(backend):
    session = backend()
    assert not session.modified and not session.accessed


def test_store_pop_setdefault_update_and_clear(backend, run):
    session = backend()
    run(session, "set", "cat", "dog")
    assert session.modified
    assert run(session, "pop", "cat") == "dog"
    assert run(session, "pop", "some key", "does not exist") == "does not exist"
    assert run(session, "setdefault", "foo", "bar") == "bar"
    assert run(session, "setdefault", "foo", "baz") == "bar"
    run(session, "update", {"update key": 1})
    assert run(session, "get", "update key") == 1
    assert run(session, "has_key", "foo")
    assert sorted(run(session, "keys")) == ["foo", "update key"]
    session.clear()
    assert list(run(session, "items")) == [] and session.modified


# --- save, load, exists, delete -----------------------------------------------------------------
def test_save_then_exists_and_load(backend, run):
    session = backend()
    session["x"] = 1
    run(session, "save")
    assert run(session, "exists", session.session_key)
    assert run(backend(session.session_key), "load") == {"x": 1}


def test_save_doesnt_clear_data(backend, run):
    session = backend()
    session["a"] = "b"
    run(session, "save")
    assert session["a"] == "b"


def test_create_gives_a_new_saved_key(backend, run):
    session = backend()
    run(session, "create")
    assert session.modified and run(session, "exists", session.session_key)


def test_delete(backend, run):
    session = backend()
    run(session, "save")
    key = session.session_key
    run(session, "delete", key)
    assert not run(session, "exists", key)
    assert run(backend(key), "load") == {}


def test_flush(backend, run):
    session = backend()
    session["foo"] = "bar"
    run(session, "save")
    previous = session.session_key
    run(session, "flush")
    assert not run(session, "exists", previous)
    assert session.session_key != previous
    assert session.modified and session.accessed
    assert run(backend(previous), "load") == {}


def test_session_load_does_not_create_record(backend, run):
    session = backend(new_key())
    assert run(session, "load") == {}
    assert session.session_key is None
    assert not Session.objects.exists()


def test_invalid_key_gets_a_new_key_on_save(backend, run):
    session = backend("1")
    run(session, "save")
    assert session.session_key != "1" and session.get("cat") is None
    assert Session.objects.count() == 1


@pytest.mark.parametrize("key", ["", "1234567", "a" * 31, "A" * 32, "a" * 33, "a" * 300])
def test_malformed_keys_are_invalid(backend, key):
    """Django: the empty string and too-short keys are invalid; here every key that is not 32
    characters of [a-z0-9] is (an overlong one included: Django's cached_db loads it as {})."""
    session = backend(key)
    assert session.session_key is None
    assert session.load() == {}


def test_a_valid_key_is_kept(backend):
    key = new_key()
    assert backend(key).session_key == key


def test_session_key_is_read_only(backend):
    session = backend()
    with pytest.raises(AttributeError):
        session.session_key = new_key()


def test_save_does_not_resurrect_a_session_signed_out_elsewhere(backend, run):
    session = backend()
    session["hello"] = "world"
    run(session, "save")
    other = backend(session.session_key)
    run(other, "delete")
    session["more"] = "data"
    with pytest.raises(UpdateError):
        run(session, "save")
    assert not Session.objects.exists()


# --- cycle_key ------------------------------------------------------------------------------------
def test_cycle_key(backend, run):
    session = backend()
    session["a"], session["b"] = "c", "d"
    run(session, "save")
    previous, data = session.session_key, dict(session.items())
    run(session, "cycle_key")
    assert session.session_key != previous
    assert dict(session.items()) == data
    assert not run(session, "exists", previous)
    assert run(backend(session.session_key), "load") == data


def test_cycle_key_with_no_session_cache(backend, run):
    session = backend()
    session["a"] = "b"
    run(session, "save")
    again = backend(session.session_key)
    run(again, "cycle_key")
    assert again["a"] == "b"


def test_cycle_key_of_a_session_deleted_meanwhile_ends_anonymous(backend, run, user):
    """Signed out from another device during the request, then the request rotates the key
    (an OTP step, a password change): it must not come back under a new key."""
    session = backend()
    session["_auth_user_id"] = str(user.pk)
    run(session, "save")
    request_store = backend(session.session_key)
    assert run(request_store, "get", "_auth_user_id") == str(user.pk)  # the request reads it
    run(backend(session.session_key), "delete")  # the other device
    run(request_store, "cycle_key")
    assert request_store.session_key is None
    assert dict(request_store.items()) == {}
    assert not Session.objects.exists()


# --- expiry -------------------------------------------------------------------------------------
def test_default_expiry(backend):
    session = backend()
    assert session.get_expiry_age() == django_settings.SESSION_COOKIE_AGE
    session.set_expiry(0)  # until the browser closes: the cookie age still
    assert session.get_expiry_age() == django_settings.SESSION_COOKIE_AGE


@pytest.mark.parametrize(
    "expiry", [-10, -timedelta(seconds=10), "past-moment"], ids=["seconds", "timedelta", "moment"]
)
def test_an_expiry_in_the_past_expires_at_once(backend, run, expiry):
    if expiry == "past-moment":
        expiry = timezone.now() - timedelta(seconds=10)
    session = backend()
    session["foo"] = "bar"
    run(session, "set_expiry", expiry)
    run(session, "save")
    fresh = backend(session.session_key)
    assert "foo" not in fresh and fresh.session_key is None
    call_command("clearsessions")
    assert not Session.objects.exists()


def test_a_short_expiry_in_seconds_is_stored(backend, run):
    session = backend()
    session["foo"] = "bar"
    run(session, "set_expiry", 2)
    before = timezone.now()
    run(session, "save")
    assert before + 2 * SECOND <= row(session).expire_date <= timezone.now() + 2 * SECOND


def test_the_shorter_of_own_expiry_and_the_limits_wins(backend, run, settings):
    settings.SESSION_IDLE_TIMEOUT = 3600
    long = backend()
    run(long, "set_expiry", timedelta(days=30))
    run(long, "save")
    assert row(long).expire_date <= timezone.now() + timedelta(seconds=3600)
    for no_own_expiry in (0, None):
        plain = backend()
        plain["x"] = 1
        run(plain, "set_expiry", no_own_expiry)
        run(plain, "save")
        expire = row(plain).expire_date
        assert timezone.now() + timedelta(seconds=3590) < expire <= timezone.now() + 3600 * SECOND


def test_activity_never_extends_a_session_past_its_own_expiry(backend, run, settings):
    settings.SESSION_ACTIVITY_INTERVAL = 0  # every request is news
    session = backend()
    session["foo"] = "bar"
    own = timezone.now() + timedelta(hours=1)
    run(session, "set_expiry", own)
    run(session, "save")
    later = backend(session.session_key)
    assert run(later, "load") == {"foo": "bar", "_session_expiry": own.isoformat()}
    assert run(later, "record_activity")
    stored = row(session)
    assert stored.expire_date == own
    assert stored.last_activity > stored.created_at


def test_clear_expired(backend, run):
    future = backend()
    future["foo"] = "bar"
    run(future, "set_expiry", 3600)
    run(future, "save")
    past = backend()
    past["foo"] = "bar"
    run(past, "set_expiry", -3600)
    run(past, "save")
    assert Session.objects.count() == 2
    run(backend, "clear_expired")
    assert list(Session.objects.values_list("key_hash", flat=True)) == [hash_key(future.session_key)]


# --- encoding -----------------------------------------------------------------------------------
def test_decode(backend):
    session = backend()
    data = {"a test key": "a test value"}
    assert session.decode(session.encode(data)) == data


def test_decode_failure_is_logged_to_security(backend, caplog):
    caplog.set_level(logging.WARNING, logger="django.security.SuspiciousSession")
    assert backend().decode("flaskdj:alkdjf") == {}
    assert [r.getMessage() for r in caplog.records] == ["Session data corrupted"]
