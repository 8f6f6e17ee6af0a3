"""The tracked store keeps Django's session-backend contract (adapted from Django's own
tests/sessions_tests) and adds hashing, client metadata, activity throttling and timeouts."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.base import UpdateError
from django.core.management import call_command
from django.utils import timezone

from sessions_ui.backends.db import SessionStore
from sessions_ui.client import ClientInfo
from sessions_ui.models import ClientKind, Session
from tests import agents

pytestmark = pytest.mark.django_db

CHROME = ClientInfo(agents.IP_STOCKHOLM, agents.CHROME_WINDOWS)
IPHONE = ClientInfo(agents.IP_GERMANY, agents.SAFARI_IPHONE)


def stored(store: SessionStore) -> Session:
    return Session.objects.get(key_hash=hashlib.sha256(store.session_key.encode()).hexdigest())


# --- Django's contract ------------------------------------------------------------------------
def test_new_session_is_empty_and_unmodified():
    session = SessionStore()
    assert session.modified is False
    assert session.accessed is False
    assert session.get("cat") is None
    assert list(session.keys()) == []


def test_store_and_reload():
    session = SessionStore(client=CHROME)
    session["cat"] = "dog"
    session.save()
    again = SessionStore(session.session_key)
    assert again["cat"] == "dog"


def test_pop_setdefault_update_clear():
    session = SessionStore()
    session["some key"] = "exists"
    assert session.pop("some key") == "exists"
    assert session.pop("missing", "default") == "default"
    assert session.setdefault("foo", "bar") == "bar"
    assert session.setdefault("foo", "baz") == "bar"
    session.update({"update key": 1})
    assert session.get("update key") == 1
    session.clear()
    assert list(session.items()) == []


def test_save_doesnt_clear_data():
    session = SessionStore()
    session["a"] = "b"
    session.save()
    assert session["a"] == "b"


def test_delete():
    session = SessionStore()
    session.save()
    session.delete(session.session_key)
    assert not session.exists(session.session_key)


def test_flush_deletes_row_and_key():
    session = SessionStore()
    session["foo"] = "bar"
    session.save()
    prev_key = session.session_key
    session.flush()
    assert not session.exists(prev_key)
    assert session.session_key is None
    assert session.modified
    assert session.accessed


def test_cycle_keeps_data_and_kills_old_key():
    session = SessionStore(client=CHROME)
    session["a"], session["b"] = "c", "d"
    session.save()
    prev_key = session.session_key
    prev_data = list(session.items())
    session.cycle_key()
    assert session.session_key != prev_key
    assert list(session.items()) == prev_data
    assert not session.exists(prev_key)
    assert SessionStore(prev_key).load() == {}


def test_cycle_with_no_session_cache():
    session = SessionStore()
    session["a"] = "c"
    session.save()
    prev_data = session.items()
    session = SessionStore(session.session_key)
    assert not hasattr(session, "_session_cache")
    session.cycle_key()
    assert session.items() == prev_data


def test_cycle_key_keeps_client_metadata_and_public_id():
    session = SessionStore(client=IPHONE)
    session["x"] = 1
    session.save()
    before = stored(session)
    session.cycle_key()
    session.save()
    after = stored(session)
    assert after.pk == before.pk and after.public_id == before.public_id
    assert (after.ip, after.user_agent, after.device_kind, after.country_code) == (
        agents.IP_GERMANY,
        agents.SAFARI_IPHONE,
        "mobile",
        "DE",
    )
    assert after.key_hash != before.key_hash


def test_session_load_does_not_create_record():
    session = SessionStore("someunknownkey1234567890abcdefgh")
    session.load()
    assert session.session_key is None
    assert not Session.objects.exists()


def test_unknown_key_gets_a_fresh_key_on_save():
    unknown = "0123456789abcdefghijklmnopqrstuv"
    session = SessionStore(unknown)
    session["x"] = 1
    session.save()
    assert session.session_key != unknown
    assert Session.objects.count() == 1


@pytest.mark.parametrize(
    "key",
    [
        "",
        "short",
        "12345678",
        "A" * 32,
        "0123456789abcdefghijklmnopqrstu!",
        "å" * 32,
        "a" * 33,
        None,
    ],
)
def test_malformed_keys_are_invalid_and_never_queried(key, django_assert_num_queries):
    session = SessionStore(key)
    assert session.session_key is None
    with django_assert_num_queries(0):
        assert session.load() == {} if key is not None else True
        assert session.exists(key or "") is False


def test_session_key_is_read_only():
    session = SessionStore()
    with pytest.raises(AttributeError):
        session.session_key = "0123456789abcdefghijklmnopqrstuv"


def test_save_does_not_resurrect_session_deleted_elsewhere():
    """Django's test_session_save_does_not_resurrect_session_logged_out_in_other_context."""
    s1 = SessionStore()
    s1["test_data"] = "value1"
    s1.save(must_create=True)
    s2 = SessionStore(s1.session_key)
    s2.delete()
    s1["test_data"] = "value2"
    with pytest.raises(UpdateError):
        s1.save()
    assert not Session.objects.exists()


def test_record_activity_does_not_resurrect_either():
    s1 = SessionStore(client=CHROME)
    s1["x"] = 1
    s1.save()
    s1.row = s1.row.__class__(
        **{
            **{f: getattr(s1.row, f) for f in s1.row.__slots__},
            "last_activity": timezone.now() - timedelta(hours=1),
        }
    )
    SessionStore(s1.session_key).delete()
    assert s1.record_activity() is False
    assert not Session.objects.exists()


def test_only_the_hash_of_the_key_is_stored():
    session = SessionStore(client=CHROME)
    session["x"] = 1
    session.save()
    row = stored(session)
    assert row.key_hash == hashlib.sha256(session.session_key.encode()).hexdigest()
    values = " ".join(str(v) for v in Session.objects.values_list().get())
    assert session.session_key not in values


def test_user_id_is_read_from_session_data_at_save(user):
    session = SessionStore(client=CHROME)
    session["x"] = 1
    session.save()
    assert stored(session).user_id is None
    session[SESSION_KEY] = str(user.pk)
    session.save()
    assert stored(session).user_id == user.pk


def test_client_metadata_is_recorded_and_parsed():
    session = SessionStore(client=CHROME)
    session["x"] = 1
    session.save()
    row = stored(session)
    assert (row.ip, row.device_kind, row.browser, row.os) == (
        agents.IP_STOCKHOLM,
        "desktop",
        "Chrome",
        "Windows",
    )
    assert (row.country_code, row.city, row.time_zone) == ("SE", "Stockholm", "Europe/Stockholm")
    assert row.latitude and row.longitude
    assert row.client == ClientKind.WEB


def test_user_agent_is_cut_to_512_characters():
    session = SessionStore(client=ClientInfo("127.0.0.1", "x" * 5000))
    session["x"] = 1
    session.save()
    assert len(stored(session).user_agent) == 512


# --- activity throttle -------------------------------------------------------------------------
def _saved(client=CHROME) -> SessionStore:
    session = SessionStore(client=client)
    session["x"] = 1
    session.save()
    return SessionStore(session.session_key, client=client)


def test_activity_inside_the_window_writes_nothing(django_assert_num_queries):
    session = _saved()
    with django_assert_num_queries(1):  # the load
        session.load() if False else session["x"]
        assert session.record_activity() is False


def test_activity_after_the_window_is_one_update(django_assert_num_queries, settings):
    settings.SESSION_ACTIVITY_INTERVAL = 0
    session = _saved()
    session["x"]
    with django_assert_num_queries(1):
        assert session.record_activity() is True


def test_new_ip_is_recorded_at_once():
    session = _saved()
    moved = SessionStore(
        session.session_key, client=ClientInfo(agents.IP_BRITAIN, agents.CHROME_WINDOWS)
    )
    moved["x"]
    assert moved.record_activity() is True
    row = Session.objects.get()
    assert (row.ip, row.country_code) == (agents.IP_BRITAIN, "GB")


# --- timeouts --------------------------------------------------------------------------------------
def test_idle_timeout_is_enforced(settings):
    session = _saved()
    Session.objects.update(
        last_activity=timezone.now() - timedelta(seconds=settings.SESSION_IDLE_TIMEOUT + 1)
    )
    assert SessionStore(session.session_key).load() == {}


def test_absolute_lifetime_is_enforced_even_when_active(settings):
    session = _saved()
    Session.objects.update(
        created_at=timezone.now() - timedelta(seconds=settings.SESSION_ABSOLUTE_LIFETIME + 1)
    )
    assert SessionStore(session.session_key).load() == {}


def test_app_sessions_have_their_own_idle_timeout(settings):
    settings.APP_SESSION_IDLE_TIMEOUT = 30 * 24 * 3600
    settings.SESSION_IDLE_TIMEOUT = 24 * 3600
    app = SessionStore(client=CHROME, client_kind=ClientKind.APP)
    app["x"] = 1
    app.save()
    Session.objects.update(last_activity=timezone.now() - timedelta(days=2))
    assert SessionStore(app.session_key).load() == {"x": 1}


def test_clearsessions_removes_expired_rows_only():
    alive = _saved()
    dead = _saved()
    Session.objects.filter(key_hash=hashlib.sha256(dead.session_key.encode()).hexdigest()).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    call_command("clearsessions")
    assert Session.objects.count() == 1
    assert SessionStore(alive.session_key).load() == {"x": 1}


# --- async twins ------------------------------------------------------------------------------------
def test_async_path_stores_user_ip_and_ua_like_the_sync_path(user):
    async def scenario() -> str:
        session = SessionStore(client=IPHONE)
        await session.aset(SESSION_KEY, str(user.pk))
        await session.asave()
        key = session.session_key
        again = SessionStore(key, client=IPHONE)
        assert await again.aget(SESSION_KEY) == str(user.pk)
        await again.acycle_key()
        await again.asave()
        assert not await again.aexists(key)
        return again.session_key

    key = async_to_sync(scenario)()
    row = Session.objects.get()
    assert (row.user_id, row.ip, row.user_agent, row.device_kind) == (
        user.pk,
        agents.IP_GERMANY,
        agents.SAFARI_IPHONE,
        "mobile",
    )
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()


def test_async_delete_and_clear_expired():
    session = _saved()

    async def scenario():
        await session.adelete()
        await SessionStore.aclear_expired()

    async_to_sync(scenario)()
    assert not Session.objects.exists()


# --- construction: one store per request ----------------------------------------------------------
def test_the_store_sets_everything_sessionbase_sets():
    """The store skips SessionBase.__init__ (its per-request import of the serializer); a Django
    that set more there would leave our stores without it."""
    from django.contrib.sessions.backends.base import SessionBase

    key = "k" * 32
    theirs, ours = SessionBase(key), SessionStore(key)
    assert set(vars(theirs)) - {"serializer"} <= set(vars(ours))
    assert ours.session_key == theirs.session_key == key
    assert (ours.accessed, ours.modified) == (theirs.accessed, theirs.modified)


def test_the_serializer_is_the_setting(settings):
    from django.utils.module_loading import import_string

    assert SessionStore().serializer is import_string(settings.SESSION_SERIALIZER)
    settings.SESSION_SERIALIZER = "tests.test_backends_db.ReversingSerializer"
    store = SessionStore(client=CHROME)
    store["x"] = "abc"
    store.save()
    from django.core.signing import b64_decode

    payload = stored(store).session_data.split(":")[0]
    assert b64_decode(payload.encode()) == b'{"x": "abc"}'[::-1]  # written by the setting's class
    assert SessionStore(store.session_key).load() == {"x": "abc"}


class ReversingSerializer:
    """A serializer of the test's own: JSON written backwards."""

    def dumps(self, obj) -> bytes:
        import json

        return json.dumps(obj).encode()[::-1]

    def loads(self, data: bytes):
        import json

        return json.loads(data[::-1])
