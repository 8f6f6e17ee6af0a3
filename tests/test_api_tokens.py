"""How a token is read and checked: through the session middleware, never through a cookie.

Revocation, timeouts, the activity throttle and the session cache work for tokens because the
token *is* a session key handled by ``TrackedSessionMiddleware``; these tests hold it to that.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sessions_ui.keys import hash_key
from sessions_ui.models import Session
from tests import agents
from tests.api_support import (
    LOGIN,
    LOGOUT,
    SESSIONS,
    app_client,
    assert_error,
    bearer,
    login,
    post_json,
    token_for,
)
from tests.cache_support import session_writes

pytestmark = pytest.mark.django_db

T0 = datetime(2025, 3, 3, 9, 0, 0, tzinfo=UTC)


# --- where the token may come from --------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        lambda t: {"HTTP_AUTHORIZATION": f"Bearer {t}"},
        lambda t: {"HTTP_AUTHORIZATION": f"bearer {t}"},
        lambda t: {"HTTP_AUTHORIZATION": f"Bearer   {t}  "},
        lambda t: {"HTTP_X_IMMICH_USER_TOKEN": t},
    ],
    ids=["bearer", "lowercase-scheme", "spaces", "x-immich-user-token"],
)
def test_token_is_accepted_in_both_headers(user, app, headers):
    client, token = app
    assert Client().get(SESSIONS, **headers(token)).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_AUTHORIZATION": "Bearer"},
        {"HTTP_AUTHORIZATION": "Basic YW5uYTpwYXNzd29yZA=="},
        {"HTTP_AUTHORIZATION": "Bearer " + "0" * 32},
        {"HTTP_X_IMMICH_USER_TOKEN": ""},
    ],
)
def test_missing_or_unknown_tokens_are_401(user, app, headers):
    response = Client().get(SESSIONS, **headers)
    assert_error(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_cookie_alone_never_authenticates_an_api_call(user, browser, phone):
    assert_error(browser.get(SESSIONS), 401)
    assert_error(browser.delete(SESSIONS), 401)
    assert_error(browser.post(LOGOUT), 401)
    assert Session.objects.filter(user=user).count() == 2
    assert browser.get("/account/security/").status_code == 200


def test_a_browsers_key_is_not_a_token(user, browser):
    row = Session.objects.get(user=user)
    key = browser.cookies["sessionid"].value
    response = app_client().get(SESSIONS, **bearer(key))
    assert_error(response, 401)
    # The browser's row was not touched by the app's request.
    assert Session.objects.get(pk=row.pk).user_agent == agents.CHROME_WINDOWS


def test_a_token_is_not_a_browser_cookie_either_way_round(user, app):
    """A token sent as a cookie to the API is ignored; the header decides."""
    _, token = app
    client = Client()
    client.cookies["sessionid"] = token
    assert_error(client.get(SESSIONS), 401)


@pytest.mark.parametrize(
    "token",
    [
        "short",
        "x" * 10_000,
        "ÅÄÖåäö" * 6,
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345",
        "' OR 1=1 --",
        "0123456789abcdefghijklmnopqrstu\x00",
        "0123456789abcdefghijklmnopqrstuv.",
    ],
)
def test_malformed_tokens_never_reach_the_database(user, token, django_assert_num_queries):
    client = Client()
    with django_assert_num_queries(0):
        response = client.get(SESSIONS, HTTP_X_IMMICH_USER_TOKEN=token)
    assert_error(response, 401)


def test_an_unknown_well_formed_token_costs_one_select_and_creates_nothing(
    user, django_assert_num_queries
):
    with django_assert_num_queries(1):
        assert_error(Client().get(SESSIONS, **bearer("0123456789abcdefghijklmnopqrstuv")), 401)
    assert Session.objects.count() == 0


# --- cookies and CSRF -----------------------------------------------------------------------------


def test_no_api_response_sets_or_deletes_a_cookie(user, browser, phone):
    browser_key = browser.cookies["sessionid"].value
    token = token_for(browser, user.email)  # the browser's cookie jar rides along
    phone_id = Session.objects.get(key_hash=hash_key(phone.cookies["sessionid"].value)).public_id
    responses = [
        login(browser, user.email),
        login(browser, user.email, "wrong"),
        browser.get(SESSIONS, **bearer(token)),
        browser.get(SESSIONS),
        browser.get(f"{SESSIONS}/nope", **bearer(token)),
        browser.put(SESSIONS, **bearer(token)),
        browser.get("/api/nowhere"),
        browser.get("/api/openapi.json"),
        browser.delete(f"{SESSIONS}/{phone_id}", **bearer(token)),
        browser.delete(SESSIONS, **bearer(token)),
        browser.post(LOGOUT, **bearer(token)),
    ]
    for response in responses:
        assert "Set-Cookie" not in response, response.request["PATH_INFO"]
        assert not response.cookies
    assert browser.cookies["sessionid"].value == browser_key


def test_csrf_does_not_apply_to_token_requests(user):
    strict = Client(enforce_csrf_checks=True, HTTP_USER_AGENT=agents.IMMICH_ANDROID)
    token = token_for(strict, user.email)
    assert strict.delete(SESSIONS, **bearer(token)).status_code == 204
    assert strict.post(LOGOUT, **bearer(token)).status_code == 200


# --- timeouts and activity ---------------------------------------------------------------------


def test_second_call_within_the_minute_writes_nothing(user, app, django_assert_num_queries):
    client, token = app
    with time_machine.travel(T0, tick=False) as clock:
        token = token_for(client, user.email)
        clock.shift(timedelta(seconds=61))
        with CaptureQueriesContext(connection) as first:
            client.get(SESSIONS, **bearer(token))
        assert len(session_writes(first)) == 1  # a minute has passed: last activity written
        clock.shift(timedelta(seconds=30))
        with django_assert_num_queries(len(first.captured_queries) - 1) as second:
            client.get(SESSIONS, **bearer(token))
        assert session_writes(second) == []  # the same reads as before, minus the write


def test_activity_is_recorded_at_most_once_a_minute(user):
    client = app_client()
    with time_machine.travel(T0, tick=False) as clock:
        token = token_for(client, user.email)
        written = []
        for _ in range(12):  # one call every 10 seconds for two minutes
            clock.shift(timedelta(seconds=10))
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(SESSIONS, **bearer(token)).status_code == 200
            written.append(len(session_writes(ctx)))
        assert sum(written) == 2
        row = Session.objects.get(key_hash=hash_key(token))
        assert row.last_activity == T0 + timedelta(seconds=120)


def test_a_new_ip_is_recorded_on_the_next_call(user, app):
    client, token = app
    client.get(SESSIONS, REMOTE_ADDR=agents.IP_GERMANY, **bearer(token))
    row = Session.objects.get(key_hash=hash_key(token))
    assert (row.ip, row.country_code) == (agents.IP_GERMANY, "DE")


def test_idle_token_expires(user, settings):
    settings.APP_SESSION_IDLE_TIMEOUT = 3600
    client = app_client()
    with time_machine.travel(T0, tick=False) as clock:
        token = token_for(client, user.email)
        clock.shift(timedelta(minutes=59))
        assert client.get(SESSIONS, **bearer(token)).status_code == 200
        clock.shift(timedelta(minutes=61))
        assert_error(client.get(SESSIONS, **bearer(token)), 401)


def test_absolute_lifetime_ends_even_a_busy_token(user, settings):
    settings.APP_SESSION_ABSOLUTE_LIFETIME = 3 * 3600
    client = app_client()
    with time_machine.travel(T0, tick=False) as clock:
        token = token_for(client, user.email)
        for _ in range(5):
            clock.shift(timedelta(minutes=40))
            client.get(SESSIONS, **bearer(token))
        clock.shift(timedelta(minutes=40))  # 3 h 20 min after sign-in
        assert_error(client.get(SESSIONS, **bearer(token)), 401)


# --- with the session cache ---------------------------------------------------------------------


def test_cached_token_is_read_without_a_session_query_and_revoked_at_once(user, any_cache):
    client = app_client()
    token = token_for(client, user.email)
    other = token_for(app_client(ip=agents.IP_GERMANY), user.email)
    client.get(SESSIONS, **bearer(token))  # fills the cache, writes activity if due
    app_client().get(SESSIONS, **bearer(other))
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(SESSIONS, **bearer(token)).status_code == 200
    session_selects = [
        q["sql"]
        for q in ctx.captured_queries
        if "sessions_ui_session" in q["sql"] and "key_hash" in q["sql"]
    ]
    assert session_selects == []  # the token's row came from the cache
    assert client.delete(SESSIONS, **bearer(token)).status_code == 204
    assert_error(app_client().get(SESSIONS, **bearer(other)), 401)


# --- the login endpoint itself is anonymous ----------------------------------------------------


def test_login_with_a_token_of_another_account_still_signs_in_the_named_one(user, other_user):
    stranger = token_for(app_client(), other_user.email)
    response = post_json(
        app_client(),
        LOGIN,
        {"email": user.email, "password": "Rätt häst batteri häftklammer 42"},
        **bearer(stranger),
    )
    assert response.status_code == 201
    assert response.json()["userEmail"] == user.email
