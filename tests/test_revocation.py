"""sessions_ui.revocation: one DELETE … RETURNING per operation, only on the user's own rows, and
exactly the rows it deleted told to the cache and to ``sessions_ended`` listeners."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import SecurityEvent
from sessions_ui.backends import cached_db, db
from sessions_ui.backends.session_cache import TOMBSTONE, cache_key
from sessions_ui.client import ClientInfo
from sessions_ui.keys import hash_key
from sessions_ui.models import ClientKind, Session
from sessions_ui.revocation import (
    EndedSession,
    Reason,
    SessionNotFound,
    parse_public_id,
    revoke_expired_sessions,
    revoke_other_sessions,
    revoke_session,
    revoke_sessions_by_id,
    session_store_class,
)
from sessions_ui.signals import sessions_ended
from sessions_ui.signin import start_session
from tests import agents

pytestmark = pytest.mark.django_db

LAPTOP = ClientInfo(agents.IP_STOCKHOLM, agents.CHROME_WINDOWS)
IPHONE = ClientInfo(agents.IP_GERMANY, agents.SAFARI_IPHONE)
PIXEL = ClientInfo(agents.IP_BRITAIN, agents.IMMICH_ANDROID, "Pixel 8", "android")

MALFORMED = ["not-a-uuid", "", "1234", "' OR 1=1 --", None, 42, 3.5, object()]


@pytest.fixture
def sent():
    """What ``sessions_ended`` was sent with, once per send (the real signal, a real receiver)."""
    calls: list[dict] = []

    def receiver(sender, **kwargs):
        calls.append({"sender": sender, **kwargs})

    sessions_ended.connect(receiver, weak=False)
    yield calls
    sessions_ended.disconnect(receiver)


def public_ids(user) -> set[uuid.UUID]:
    return set(Session.objects.filter(user=user).values_list("public_id", flat=True))


def deletes(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().startswith("DELETE")]


# A revocation that finds nothing: the ended-key marks and the DELETE … RETURNING in their
# savepoint, and nothing else (no cache, no signal, no security log).
NOTHING_FOUND_QUERIES = 4  # SAVEPOINT, INSERT … SELECT of the ended keys, DELETE … RETURNING, RELEASE


class TestParsePublicId:
    def test_a_uuid_is_returned_as_it_is(self):
        pid = uuid.uuid4()
        assert parse_public_id(pid) is pid

    @pytest.mark.parametrize("spelling", [str, lambda u: u.hex, lambda u: str(u).upper()])
    def test_the_spellings_of_a_uuid_are_read(self, spelling):
        pid = uuid.uuid4()
        assert parse_public_id(spelling(pid)) == pid

    @pytest.mark.parametrize("value", MALFORMED)
    def test_anything_else_is_not_found(self, value):
        with pytest.raises(SessionNotFound):
            parse_public_id(value)


class TestRevokeSession:
    def test_ends_that_session_and_no_other(self, user):
        laptop = start_session(user, LAPTOP, kind=ClientKind.WEB)
        phone = start_session(user, IPHONE, kind=ClientKind.WEB)
        ended = revoke_session(user, phone.public_id)
        assert public_ids(user) == {laptop.public_id}
        assert ended.public_id == phone.public_id
        assert isinstance(ended.public_id, uuid.UUID)

    def test_returns_the_ended_row_as_it_was(self, user):
        app = start_session(user, PIXEL)
        row = Session.objects.get(public_id=app.public_id)
        assert revoke_session(user, str(app.public_id)) == EndedSession(
            public_id=app.public_id,
            user_id=user.pk,
            client=ClientKind.APP,
            device_kind="app",
            browser="Immich",
            os="Android",
            device_model="Pixel 8",
            app_version="1.132.3",
            ip=agents.IP_BRITAIN,
            country_code=row.country_code,
            city=row.city,
        )
        assert row.country_code == "GB"

    def test_the_ended_session_cannot_be_changed(self, user):
        ended = revoke_session(user, start_session(user, PIXEL).public_id)
        with pytest.raises(dataclasses.FrozenInstanceError):
            ended.user_id = 0

    def test_another_users_session_is_not_found_and_stays(self, user, other_user, sent):
        theirs = start_session(other_user, IPHONE)
        mine = start_session(user, LAPTOP)
        with pytest.raises(SessionNotFound):
            revoke_session(user, theirs.public_id)
        assert public_ids(other_user) == {theirs.public_id}
        assert public_ids(user) == {mine.public_id}
        assert sent == []

    def test_an_unknown_id_costs_the_one_delete_and_ends_nothing(
        self, user, sent, django_assert_num_queries
    ):
        mine = start_session(user, LAPTOP)
        with django_assert_num_queries(NOTHING_FOUND_QUERIES) as queries:
            with pytest.raises(SessionNotFound):
                revoke_session(user, uuid.uuid4())
        [delete] = deletes(queries)
        assert "RETURNING" in delete
        assert public_ids(user) == {mine.public_id}
        assert sent == []

    @pytest.mark.parametrize("value", MALFORMED)
    def test_a_malformed_id_is_not_found_without_a_query(
        self, user, value, sent, django_assert_num_queries
    ):
        mine = start_session(user, LAPTOP)
        with django_assert_num_queries(0), pytest.raises(SessionNotFound):
            revoke_session(user, value)
        assert public_ids(user) == {mine.public_id}
        assert sent == []

    def test_a_session_ends_once(self, user, sent):
        phone = start_session(user, IPHONE)
        revoke_session(user, phone.public_id)
        with pytest.raises(SessionNotFound):
            revoke_session(user, phone.public_id)
        assert len(sent) == 1

    def test_the_signal_says_which_session_why_and_from_where(self, user, sent):
        laptop = start_session(user, LAPTOP, kind=ClientKind.WEB)
        phone = start_session(user, IPHONE, kind=ClientKind.WEB)
        ended = revoke_session(user, phone.public_id, by_session=laptop.public_id)
        assert sent == [
            {
                "sender": Session,
                "signal": sessions_ended,
                "user": user,
                "ended": [ended],
                "reason": Reason.USER,
                "by_session": laptop.public_id,
            }
        ]

    def test_the_reason_is_the_callers(self, user, sent):
        app = start_session(user, PIXEL)
        revoke_session(user, app.public_id, reason=Reason.SIGN_OUT, by_session=app.public_id)
        assert [call["reason"] for call in sent] == [Reason.SIGN_OUT]


class TestRevokeOtherSessions:
    def test_keeps_exactly_the_named_session(self, user, other_user):
        keep = start_session(user, LAPTOP, kind=ClientKind.WEB)
        others = {start_session(user, client).public_id for client in (IPHONE, PIXEL, PIXEL)}
        theirs = start_session(other_user, LAPTOP)
        with CaptureQueriesContext(connection) as queries:
            ended = revoke_other_sessions(user, keep.public_id)
        assert len(deletes(queries)) == 1  # one statement, however many rows
        assert {e.public_id for e in ended} == others
        assert len(ended) == 3
        assert public_ids(user) == {keep.public_id}
        assert public_ids(other_user) == {theirs.public_id}

    def test_the_kept_id_may_be_text(self, user):
        keep = start_session(user, LAPTOP, kind=ClientKind.WEB)
        start_session(user, PIXEL)
        revoke_other_sessions(user, str(keep.public_id))
        assert public_ids(user) == {keep.public_id}

    def test_none_ends_all_of_the_users_sessions_only(self, user, other_user):
        mine = {start_session(user, client).public_id for client in (LAPTOP, IPHONE)}
        theirs = start_session(other_user, PIXEL)
        ended = revoke_other_sessions(user, None)
        assert {e.public_id for e in ended} == mine
        assert public_ids(user) == set()
        assert public_ids(other_user) == {theirs.public_id}

    def test_another_users_id_keeps_nothing_of_theirs_and_ends_all_of_mine(self, user, other_user):
        theirs = start_session(other_user, PIXEL)
        start_session(user, LAPTOP)
        assert len(revoke_other_sessions(user, theirs.public_id)) == 1
        assert public_ids(user) == set()
        assert public_ids(other_user) == {theirs.public_id}

    @pytest.mark.parametrize("value", MALFORMED[:4])
    def test_a_malformed_kept_id_ends_nothing_without_a_query(
        self, user, value, django_assert_num_queries
    ):
        mine = {start_session(user, client).public_id for client in (LAPTOP, IPHONE)}
        with django_assert_num_queries(0), pytest.raises(SessionNotFound):
            revoke_other_sessions(user, value)
        assert public_ids(user) == mine

    def test_nothing_to_end_is_one_delete_and_no_signal(
        self, user, sent, django_assert_num_queries
    ):
        keep = start_session(user, LAPTOP)
        with django_assert_num_queries(NOTHING_FOUND_QUERIES) as queries:
            assert revoke_other_sessions(user, keep.public_id) == []
        assert len(deletes(queries)) == 1
        assert sent == []
        assert public_ids(user) == {keep.public_id}

    def test_the_signal_carries_exactly_the_ended_rows(self, user, other_user, sent):
        keep = start_session(user, LAPTOP, kind=ClientKind.WEB)
        phone, app = start_session(user, IPHONE), start_session(user, PIXEL)
        start_session(other_user, IPHONE)
        ended = revoke_other_sessions(user, keep.public_id)
        [call] = sent
        assert call["ended"] == ended
        assert {e.public_id for e in call["ended"]} == {phone.public_id, app.public_id}
        assert {e.user_id for e in call["ended"]} == {user.pk}
        assert call["user"] == user
        assert call["reason"] == Reason.OTHERS
        assert call["by_session"] == keep.public_id

    def test_a_password_change_says_so(self, user, sent):
        start_session(user, PIXEL)
        revoke_other_sessions(user, None, reason=Reason.PASSWORD)
        assert [(call["reason"], call["by_session"]) for call in sent] == [(Reason.PASSWORD, None)]


class TestRevokeSessionsById:
    def test_no_ids_do_nothing(self, user, sent, django_assert_num_queries):
        start_session(user, LAPTOP)
        with django_assert_num_queries(0):
            assert revoke_sessions_by_id([]) == []
        assert Session.objects.filter(user=user).count() == 1
        assert sent == []

    def test_ends_the_given_rows_whoever_they_belong_to(self, user, other_user, sent):
        mine, keep = start_session(user, LAPTOP), start_session(user, IPHONE)
        theirs = start_session(other_user, PIXEL)
        rows = Session.objects.filter(public_id__in=[mine.public_id, theirs.public_id])
        ids = (row.pk for row in rows)  # any iterable
        ended = revoke_sessions_by_id(ids)
        assert {(e.public_id, e.user_id) for e in ended} == {
            (mine.public_id, user.pk),
            (theirs.public_id, other_user.pk),
        }
        assert public_ids(user) == {keep.public_id}
        assert public_ids(other_user) == set()
        [call] = sent
        assert call["user"] is None
        assert call["reason"] == Reason.STAFF
        assert call["by_session"] is None
        assert call["ended"] == ended

    def test_ids_as_the_admin_posts_them(self, user):
        store = start_session(user, LAPTOP)
        pk = Session.objects.get(public_id=store.public_id).pk
        assert [e.public_id for e in revoke_sessions_by_id([str(pk)])] == [store.public_id]
        assert public_ids(user) == set()

    def test_unknown_ids_end_nothing(self, user, sent, django_assert_num_queries):
        store = start_session(user, LAPTOP)
        missing = Session.objects.get(public_id=store.public_id).pk + 1000
        with django_assert_num_queries(NOTHING_FOUND_QUERIES) as queries:
            assert revoke_sessions_by_id([missing, missing + 1]) == []
        assert len(deletes(queries)) == 1
        assert public_ids(user) == {store.public_id}
        assert sent == []


class TestRevokeExpiredSessions:
    def test_ends_only_what_ran_out_of_time_and_says_so(self, user, other_user, sent):
        kept = start_session(user, LAPTOP)
        late = [start_session(user, IPHONE), start_session(other_user, PIXEL)]
        Session.objects.filter(public_id__in=[s.public_id for s in late]).update(
            expire_date=timezone.now() - timedelta(seconds=1)
        )
        ended = revoke_expired_sessions()
        assert {e.public_id for e in ended} == {s.public_id for s in late}
        assert public_ids(user) == {kept.public_id} and public_ids(other_user) == set()
        [call] = sent
        assert (call["user"], call["reason"], call["ended"]) == (None, Reason.EXPIRED, ended)

    def test_nothing_expired_sends_nothing(self, user, sent):
        start_session(user, LAPTOP)
        assert revoke_expired_sessions() == []
        assert sent == []

    def test_clearsessions_goes_through_it_and_leaves_the_log_alone(self, user, sent):
        store = start_session(user, LAPTOP)
        Session.objects.filter(public_id=store.public_id).update(
            expire_date=timezone.now() - timedelta(seconds=1)
        )
        events = SecurityEvent.objects.filter(user=user).count()
        call_command("clearsessions")
        assert public_ids(user) == set()
        assert [call["reason"] for call in sent] == [Reason.EXPIRED]
        assert SecurityEvent.objects.filter(user=user).count() == events


class TestReason:
    @pytest.mark.parametrize(
        ("reason", "stored"),
        [
            (Reason.USER, "user"),
            (Reason.OTHERS, "others"),
            (Reason.STAFF, "staff"),
            (Reason.PASSWORD, "password"),
            (Reason.SIGN_OUT, "sign_out"),
            (Reason.EXPIRED, "expired"),
        ],
    )
    def test_the_words_the_security_log_keeps(self, reason, stored):
        assert str(reason) == stored
        assert Reason(stored) is reason


# --- the session store is told ------------------------------------------------------------------
class TestTheStoreIsTold:
    def test_without_a_cache_a_revoked_key_loads_nothing(self, user, settings):
        settings.SESSION_ENGINE = "sessions_ui.backends.db"
        assert session_store_class() is db.SessionStore
        store = start_session(user, LAPTOP, kind=ClientKind.WEB)
        assert db.SessionStore(store.session_key).load() != {}
        revoke_session(user, store.public_id)
        assert db.SessionStore(store.session_key).load() == {}

    def test_a_revoked_key_is_tombstoned_and_loads_without_a_query(
        self, locmem_sessions, user, django_assert_num_queries
    ):
        assert session_store_class() is cached_db.SessionStore
        store = start_session(user, LAPTOP, kind=ClientKind.WEB)
        key = store.session_key
        assert cached_db.SessionStore(key).load() != {}  # the entry is in the cache now
        assert isinstance(locmem_sessions.get(cache_key(hash_key(key))), tuple)
        revoke_session(user, store.public_id)
        assert locmem_sessions.get(cache_key(hash_key(key))) == TOMBSTONE
        with django_assert_num_queries(0):
            assert cached_db.SessionStore(key).load() == {}

    def test_all_other_keys_are_tombstoned_and_the_kept_one_still_loads(
        self, locmem_sessions, user
    ):
        keep = start_session(user, LAPTOP, kind=ClientKind.WEB)
        others = [start_session(user, PIXEL).session_key for _ in range(3)]
        for key in [keep.session_key, *others]:
            cached_db.SessionStore(key, client_kind=ClientKind.APP).load()
        revoke_other_sessions(user, keep.public_id)
        entries = locmem_sessions.get_many([cache_key(hash_key(key)) for key in others])
        assert list(entries.values()) == [TOMBSTONE] * 3
        assert all(cached_db.SessionStore(key).load() == {} for key in others)
        assert cached_db.SessionStore(keep.session_key).load()["_auth_user_id"] == str(user.pk)

    def test_staff_revocations_are_tombstoned_too(self, locmem_sessions, user, other_user):
        stores = [start_session(user, LAPTOP), start_session(other_user, IPHONE)]
        ids = Session.objects.values_list("pk", flat=True)
        revoke_sessions_by_id(list(ids))
        for store in stores:
            assert locmem_sessions.get(cache_key(hash_key(store.session_key))) == TOMBSTONE
            assert cached_db.SessionStore(store.session_key).load() == {}

    def test_an_unknown_id_tombstones_nothing(self, locmem_sessions, user):
        store = start_session(user, LAPTOP, kind=ClientKind.WEB)
        cached_db.SessionStore(store.session_key).load()
        with pytest.raises(SessionNotFound):
            revoke_session(user, uuid.uuid4())
        assert isinstance(locmem_sessions.get(cache_key(hash_key(store.session_key))), tuple)
        assert cached_db.SessionStore(store.session_key).load() != {}
