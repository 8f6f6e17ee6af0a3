"""Schemathesis against /api/openapi.json: no generated input may produce a server error.

The schema is loaded from the project's own WSGI application, and every case is sent to it in
this process (inside the test's database transaction) with a real, fresh token, so the
operations are exercised past authentication. Both generation modes run: positive (inputs the
schema allows) and negative (inputs it forbids: wrong types, missing fields, bad JSON shapes).
Bounded and derandomised, so the run is fast and the same every time.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
import schemathesis
from django.core.cache import caches
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from sessions_ui.client import ClientInfo
from sessions_ui.models import ClientKind
from sessions_ui.signin import start_session
from tests import agents
from tests.api_support import SESSIONS

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 25  # per operation and generation mode
FUZZ = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
# Filled by the run, read by the report (pytest -s prints it).
GENERATED: Counter[str] = Counter()
STATUSES: Counter[tuple[str, int]] = Counter()


@pytest.fixture
def wsgi_app():
    """Django's WSGI handler, minus the per-request connection closing that would end the
    test's transaction (Django's own test client disconnects it the same way)."""
    handler = WSGIHandler()

    def app(environ, start_response):
        # Every real server sets the peer address; schemathesis' in-process transport does not.
        environ.setdefault("REMOTE_ADDR", "198.51.100.7")
        return handler(environ, start_response)

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield app
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _assert_api_shape(response) -> None:
    """Beyond "no 5xx": every answer is JSON (or an empty 204), errors in the one shape."""
    if response.status_code == 204:
        assert not response.content
        return
    headers = {name.lower(): values for name, values in response.headers.items()}
    assert headers["content-type"][0].startswith("application/json"), response.content[:200]
    assert "set-cookie" not in headers
    if response.status_code >= 400:
        body = json.loads(response.content)
        assert set(body) == {"message", "statusCode", "error"}
        assert body["statusCode"] == response.status_code


def test_no_generated_request_causes_a_server_error(user, wsgi_app):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", wsgi_app)
    client = ClientInfo(agents.IP_STOCKHOLM, agents.IMMICH_ANDROID, "Pixel 8", "android")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 5

    def fuzz(operation, mode: GenerationMode) -> None:
        label = f"{operation.method.upper()} {operation.path} [{mode.value}]"

        @FUZZ
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case):
            caches["default"].clear()  # past allauth's rate limit, into the password check
            token = start_session(user, client, kind=ClientKind.APP).session_key
            response = case.call(headers={"Authorization": f"Bearer {token}"})
            case.validate_response(response, checks=[not_a_server_error])
            _assert_api_shape(response)
            GENERATED[label] += 1
            STATUSES[(label, response.status_code)] += 1

        run()

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fuzz(operation, mode)

    total = sum(GENERATED.values())
    print(f"\nschemathesis: {total} generated cases")
    for label, count in sorted(GENERATED.items()):
        codes = {code: n for (name, code), n in sorted(STATUSES.items()) if name == label}
        print(f"  {count:4d}  {label}  {codes}")
    assert len(GENERATED) == 10  # every operation, both modes, produced cases
    assert total >= 100


@settings(
    max_examples=200,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(
    token=st.text(max_size=80) | st.from_regex(r"[a-z0-9]{32}", fullmatch=True),
    header=st.sampled_from(["HTTP_AUTHORIZATION", "HTTP_X_IMMICH_USER_TOKEN"]),
)
def test_arbitrary_token_headers_are_401_never_5xx(user, token, header):
    value = f"Bearer {token}" if header == "HTTP_AUTHORIZATION" else token
    response = Client().get(SESSIONS, **{header: value})
    assert response.status_code == 401
    assert set(response.json()) == {"message", "statusCode", "error"}
