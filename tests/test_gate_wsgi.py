"""The gate answered in front of Django's handler (immich/gate_wsgi.py), as gunicorn serves it
(pixelunion.wsgi.application): the same answers as inside Django, without Django's request
machinery, and with its connection hygiene kept (connections past their age closed after it)."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth import get_user_model
from django.core.signals import request_started
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from immich.gate import GATE_PATH, token_hash
from immich.models import EndedImmichSession
from pixelunion.wsgi import application
from sessions_ui.client import ClientInfo
from sessions_ui.models import ClientKind, Session
from sessions_ui.signin import bind_credential, start_session
from tests import agents
from tests.cache_support import CountingConnection

SECRET = "gate-secret-for-the-wsgi-tests-0123456789"
TOKEN = "z9Y8xW7vU6tS5rQ4pO3nM2lK1jI0hG9fE8dC7bA6zY5"

# Transactional: like a real request, no test transaction around the gate, which closes a
# database connection that is past its age or unusable after a request that used one.
pytestmark = pytest.mark.django_db(transaction=True)


class Answer:
    def __init__(self, environ: dict) -> None:
        self.status_line, self.headers = "", {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info=None) -> None:
            self.status_line, self.headers = status, dict(headers)

        self.body = b"".join(application(environ, start_response))
        self.status = int(self.status_line.split()[0])


def ask(path: str = GATE_PATH, *, secret: str | None = SECRET, **meta: str) -> Answer:
    environ = RequestFactory().get(path, REMOTE_ADDR="127.0.0.1", HTTP_X_ORIGINAL_URI="/api/users/me", **meta).environ
    if secret is not None:
        environ["HTTP_X_PIXELUNION_GATE"] = secret
    return Answer(environ)


@pytest.fixture
def gate_on(settings):
    settings.IMMICH_GATE_SECRET = SECRET
    settings.TRUSTED_PROXIES = ["127.0.0.0/8"]
    settings.SESSION_ACTIVITY_INTERVAL = 60


@pytest.fixture
def handler_runs():
    """How many requests went through Django's handler (its request_started signal)."""
    seen: list[object] = []

    def receiver(**kwargs):
        seen.append(kwargs.get("environ"))

    request_started.connect(receiver)
    yield seen
    request_started.disconnect(receiver)


def bound_token(token: str = TOKEN) -> Session:
    user = get_user_model().objects.create_user("gate-wsgi", "gate-wsgi@example.com", "x")
    store = start_session(user, ClientInfo(ip=None, user_agent=""), kind=ClientKind.IMMICH)
    assert bind_credential(store.public_id, token_hash(token))
    return Session.objects.get(public_id=store.public_id)


class TestAnsweredInFront:
    def test_without_djangos_handler(self, gate_on, handler_runs):
        answer = ask()
        assert (answer.status_line, answer.body) == ("204 No Content", b"")
        assert answer.headers["Cache-Control"] == "no-store"
        assert handler_runs == []

    def test_every_other_path_goes_to_django(self, gate_on, handler_runs):
        answer = ask("/healthz/live")
        assert answer.status == 200 and len(handler_runs) == 1
        assert ask(GATE_PATH + "/").status == 404 and len(handler_runs) == 2

    @pytest.mark.parametrize(
        ("secret", "meta", "status"),
        [
            (SECRET, {}, "204 No Content"),
            ("wrong", {}, "403 Forbidden"),
            (None, {}, "403 Forbidden"),
            (SECRET, {"HTTP_AUTHORIZATION": "Bearer not-a-token"}, "401 Unauthorized"),
            (SECRET, {"HTTP_X_IMMICH_USER_TOKEN": "A" * 100_000}, "401 Unauthorized"),
        ],
    )
    def test_the_same_answers_as_inside_django(self, gate_on, secret, meta, status):
        assert ask(secret=secret, **meta).status_line == status

    def test_off_without_a_secret(self, settings):
        settings.IMMICH_GATE_SECRET = ""
        assert ask().status_line == "404 Not Found"

    def test_a_failure_is_a_500_for_the_proxy_and_logged(self, gate_on, caplog):
        environ = RequestFactory().get(GATE_PATH).environ
        environ["HTTP_X_PIXELUNION_GATE"] = None  # not text: a broken server or a bug of ours
        with caplog.at_level(logging.ERROR, logger="immich.gate_wsgi"):
            answer = Answer(environ)
        assert answer.status_line == "500 Internal Server Error" and answer.body == b""
        assert "Immich gate: request failed" in caplog.text


class TestTokens:
    def test_a_live_token_passes_and_its_client_is_recorded(self, gate_on):
        row = bound_token()
        answer = ask(HTTP_X_IMMICH_USER_TOKEN=TOKEN, HTTP_X_FORWARDED_FOR=agents.IP_STOCKHOLM,
                     HTTP_USER_AGENT="immich-android/3.2.2")
        assert answer.status == 204
        row.refresh_from_db()
        assert row.ip == agents.IP_STOCKHOLM and row.city

    def test_a_warm_token_costs_no_sql_and_one_round_trip(self, gate_on, counted_redis_sessions):
        bound_token()
        headers = {"HTTP_X_IMMICH_USER_TOKEN": TOKEN, "HTTP_X_FORWARDED_FOR": agents.IP_STOCKHOLM}
        assert ask(**headers).status == 204  # records the client, fills the cache
        assert ask(**headers).status == 204
        CountingConnection.round_trips = 0
        with CaptureQueriesContext(connection) as queries:
            for _ in range(5):
                assert ask(**headers).status == 204
        assert queries.captured_queries == []
        assert CountingConnection.round_trips == 5

    def test_a_connection_past_its_age_is_closed_after_a_request_that_used_it(self, gate_on):
        # What Django's request_finished receiver does; skipped with the handler, kept here.
        if connection.vendor == "sqlite":
            pytest.skip("Django never closes SQLite's in-memory test database: the PostgreSQL pass runs this")
        ended = "m" * 43  # token-shaped, no row: the gate looks it up among ended sessions
        EndedImmichSession.objects.create(token_hash=token_hash(ended))
        max_age = connection.settings_dict["CONN_MAX_AGE"]
        connection.close()
        connection.settings_dict["CONN_MAX_AGE"] = 0  # every connection is past its age at once
        try:
            assert ask(HTTP_X_IMMICH_USER_TOKEN=ended).status == 401
            assert connection.connection is None
        finally:
            connection.settings_dict["CONN_MAX_AGE"] = max_age
