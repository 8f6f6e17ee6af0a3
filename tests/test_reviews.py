"""account_security.reviews: "Det var jag" (confirm_session) and "Det var inte jag"
(disown_session), only on the user's own live sessions, with a fixed clock."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from account_security.models import SignInReview, Verdict
from account_security.reviews import confirm_session, disown_session
from accounts.models import EventKind, SecurityEvent
from sessions_ui.client import ClientInfo
from sessions_ui.models import ClientKind, Session
from sessions_ui.revocation import EndedSession, SessionNotFound
from sessions_ui.signin import start_session
from tests import agents

pytestmark = pytest.mark.django_db

T0 = datetime(2025, 9, 15, 8, 0, tzinfo=UTC)
LAPTOP = ClientInfo(agents.IP_STOCKHOLM, agents.CHROME_WINDOWS)
IPHONE = ClientInfo(agents.IP_GERMANY, agents.SAFARI_IPHONE)

MALFORMED = ["not-a-uuid", "", "' OR 1=1 --", None, 7]


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def answers(user) -> list[tuple[uuid.UUID, str, datetime]]:
    return list(
        SignInReview.objects.filter(user=user)
        .order_by("id")
        .values_list("session_public_id", "verdict", "reviewed_at")
    )


def alive(public_id) -> bool:
    return Session.objects.filter(public_id=public_id).exists()


class TestConfirmSession:
    def test_the_answer_is_stored_and_the_session_stays(self, clock, user):
        phone = start_session(user, IPHONE, kind=ClientKind.WEB)
        assert confirm_session(user, phone.public_id) is None
        assert answers(user) == [(phone.public_id, Verdict.MINE, T0)]
        assert alive(phone.public_id)

    def test_the_id_as_the_url_has_it(self, clock, user):
        phone = start_session(user, IPHONE, kind=ClientKind.WEB)
        confirm_session(user, str(phone.public_id))
        assert answers(user) == [(phone.public_id, Verdict.MINE, T0)]

    def test_answering_again_updates_the_one_answer(self, clock, user):
        phone = start_session(user, IPHONE, kind=ClientKind.WEB)
        confirm_session(user, phone.public_id)
        clock.shift(timedelta(hours=2))
        confirm_session(user, phone.public_id)
        assert answers(user) == [(phone.public_id, Verdict.MINE, T0 + timedelta(hours=2))]

    def test_each_session_has_its_own_answer(self, clock, user):
        laptop = start_session(user, LAPTOP, kind=ClientKind.WEB)
        phone = start_session(user, IPHONE, kind=ClientKind.WEB)
        confirm_session(user, laptop.public_id)
        confirm_session(user, phone.public_id)
        assert {pid for pid, _, _ in answers(user)} == {laptop.public_id, phone.public_id}

    def test_another_users_session_is_not_found_and_unanswered(self, clock, user, other_user):
        theirs = start_session(other_user, IPHONE, kind=ClientKind.WEB)
        with pytest.raises(SessionNotFound):
            confirm_session(user, theirs.public_id)
        assert SignInReview.objects.count() == 0
        assert alive(theirs.public_id)

    def test_an_unknown_session_is_not_found(self, clock, user):
        start_session(user, LAPTOP, kind=ClientKind.WEB)
        with pytest.raises(SessionNotFound):
            confirm_session(user, uuid.uuid4())
        assert answers(user) == []

    def test_an_expired_session_is_not_found(self, clock, user):
        phone = start_session(user, IPHONE, kind=ClientKind.WEB)
        clock.shift(timedelta(days=15))  # past the 14-day idle timeout; the row is still there
        assert alive(phone.public_id)
        with pytest.raises(SessionNotFound):
            confirm_session(user, phone.public_id)
        assert answers(user) == []

    @pytest.mark.parametrize("value", MALFORMED)
    def test_a_malformed_id_is_not_found_without_a_query(
        self, user, value, django_assert_num_queries
    ):
        with django_assert_num_queries(0), pytest.raises(SessionNotFound):
            confirm_session(user, value)
        assert answers(user) == []


class TestDisownSession:
    def test_the_session_ends_and_the_answer_is_stored(self, clock, user):
        laptop = start_session(user, LAPTOP, kind=ClientKind.WEB)
        phone = start_session(user, IPHONE, kind=ClientKind.WEB)
        disown_session(user, phone.public_id, by_session=laptop.public_id)
        assert not alive(phone.public_id)
        assert alive(laptop.public_id)
        assert answers(user) == [(phone.public_id, Verdict.NOT_MINE, T0)]

    def test_returns_what_ended(self, clock, user):
        phone = start_session(user, IPHONE, kind=ClientKind.WEB)
        ended = disown_session(user, str(phone.public_id))
        assert isinstance(ended, EndedSession)
        assert (ended.public_id, ended.user_id, ended.client) == (
            phone.public_id,
            user.pk,
            ClientKind.WEB,
        )
        assert (ended.browser, ended.device_model, ended.country_code) == ("Safari", "iPhone", "DE")

    def test_the_security_log_says_the_user_ended_it_and_from_where(self, clock, user):
        laptop = start_session(user, LAPTOP, kind=ClientKind.WEB)
        phone = start_session(user, IPHONE, kind=ClientKind.WEB)
        disown_session(user, phone.public_id, by_session=laptop.public_id)
        event = SecurityEvent.objects.get(user=user, kind=EventKind.SESSION_ENDED)
        assert event.session_public_id == phone.public_id
        assert event.details["reason"] == "user"
        assert event.details["by_session"] == str(laptop.public_id)
        assert event.device_model == "iPhone"

    def test_a_confirmed_session_can_still_be_disowned(self, clock, user):
        phone = start_session(user, IPHONE, kind=ClientKind.WEB)
        confirm_session(user, phone.public_id)
        clock.shift(timedelta(minutes=5))
        disown_session(user, phone.public_id)
        assert answers(user) == [(phone.public_id, Verdict.NOT_MINE, T0 + timedelta(minutes=5))]
        assert not alive(phone.public_id)

    def test_another_users_session_is_not_found_and_stays(self, clock, user, other_user):
        theirs = start_session(other_user, IPHONE, kind=ClientKind.WEB)
        with pytest.raises(SessionNotFound):
            disown_session(user, theirs.public_id)
        assert alive(theirs.public_id)
        assert SignInReview.objects.count() == 0
        assert not SecurityEvent.objects.filter(kind=EventKind.SESSION_ENDED).exists()

    def test_an_ended_session_cannot_be_disowned_again(self, clock, user):
        phone = start_session(user, IPHONE, kind=ClientKind.WEB)
        disown_session(user, phone.public_id)
        clock.shift(timedelta(minutes=1))
        with pytest.raises(SessionNotFound):
            disown_session(user, phone.public_id)
        assert answers(user) == [(phone.public_id, Verdict.NOT_MINE, T0)]
        assert SecurityEvent.objects.filter(kind=EventKind.SESSION_ENDED).count() == 1

    @pytest.mark.parametrize("value", MALFORMED)
    def test_a_malformed_id_is_not_found_without_a_query(
        self, user, value, django_assert_num_queries
    ):
        phone = start_session(user, IPHONE, kind=ClientKind.WEB)
        with django_assert_num_queries(0), pytest.raises(SessionNotFound):
            disown_session(user, value)
        assert alive(phone.public_id)
        assert answers(user) == []
