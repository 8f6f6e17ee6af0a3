"""POST /api/auth/login: the token, the refusals, allauth's rate limits and two-factor codes."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from sessions_ui.keys import hash_key
from sessions_ui.models import Session
from tests import agents
from tests.api_support import (
    LOGIN,
    SESSIONS,
    app_client,
    assert_error,
    bearer,
    confirmed_totp,
    current_code,
    login,
    token_for,
)
from tests.conftest import make_account

pytestmark = pytest.mark.django_db

T0 = datetime(2025, 3, 3, 9, 0, 10, tzinfo=UTC)


def test_login_answers_a_token_that_is_a_new_app_session(user):
    response = login(app_client(), user.email)

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"accessToken", "userId", "userEmail", "name"}
    assert (body["userId"], body["userEmail"], body["name"]) == (str(user.pk), user.email, "anna")
    token = body["accessToken"]
    assert re.fullmatch(r"[a-z0-9]{32}", token)
    row = Session.objects.get(key_hash=hash_key(token))
    assert (row.user_id, row.client, row.device_kind) == (user.pk, "app", "app")
    assert (row.os, row.device_model, row.app_version) == ("Android", "Pixel 8", "1.132.3")
    assert (row.ip, row.country_code, row.city) == (agents.IP_STOCKHOLM, "SE", "Stockholm")
    # Stored hashed, like every key: the token appears nowhere in the table.
    assert not Session.objects.filter(key_hash=token).exists()
    assert token not in row.session_data
    user.refresh_from_db()
    assert user.last_login is not None


def test_login_sets_no_cookie_and_is_not_cached(user):
    response = login(app_client(), user.email)
    assert response.status_code == 201
    assert not response.cookies
    assert "Set-Cookie" not in response
    assert "no-store" in response["Cache-Control"]


def test_email_is_case_insensitive(user):
    assert login(app_client(), "ANNA@Example.com").status_code == 201


def test_every_login_is_a_session_of_its_own(user):
    first, second = token_for(app_client(), user.email), token_for(app_client(), user.email)
    assert first != second
    assert Session.objects.filter(user=user, client="app").count() == 2


def test_wrong_password_and_unknown_account_are_the_same_401(user):
    wrong = assert_error(login(app_client(), user.email, "not the password"), 401)
    unknown = assert_error(login(app_client(), "nobody@example.com"), 401)
    assert wrong["message"] == unknown["message"]
    assert Session.objects.count() == 0


def test_unverified_email_is_refused(db):
    from allauth.account.models import EmailAddress

    account = make_account("cecilia@example.com")
    EmailAddress.objects.filter(user=account).update(verified=False)
    assert_error(login(app_client(), account.email), 401)
    assert Session.objects.count() == 0


def test_inactive_account_is_refused(user):
    user.is_active = False
    user.save()
    assert_error(login(app_client(), user.email), 401)


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"{",
        b"not json",
        b"[]",
        b'"anna@example.com"',
        b"null",
        b'{"email": "anna@example.com"}',
        b'{"password": "x"}',
        b'{"email": 1, "password": 2}',
        b'{"email": ["anna@example.com"], "password": "x"}',
        b'{"email": "", "password": "x"}',
        b'{"email": "anna\\u0000@example.com", "password": "x"}',
        b'{"email": "anna\\ud800@example.com", "password": "x"}',
        b'{"email": "anna@example.com", "password": "\\udc00"}',
        b'{"email": NaN, "password": "x"}',
        b'{"email": "anna@example.com", "password": "x", "totpCode": "12\\u000034"}',
        b'{"email": "anna@example.com", "password": "x", "totpCode": 123456}',
        b"\xff\xfe\x00{",
        b"[" * 50_000 + b"]" * 50_000,
    ],
)
def test_malformed_json_or_fields_are_400(user, raw):
    response = Client().post(LOGIN, raw, content_type="application/json")
    assert_error(response, 400)
    assert Session.objects.count() == 0


def test_overlong_fields_are_400(user):
    assert_error(login(app_client(), "a" * 250 + "@example.com"), 400)
    assert_error(login(app_client(), user.email, "x" * 5000), 400)


def test_oversized_body_is_400(user, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 16_384
    body = json.dumps({"email": user.email, "password": "x", "padding": "y" * 20_000})
    response = Client().post(LOGIN, body, content_type="application/json")
    assert_error(response, 400)


def test_get_on_login_is_a_json_405(user):
    response = Client().get(LOGIN)
    assert_error(response, 405)
    assert response["Allow"] == "POST"


# --- allauth's rate limits (login_failed: 10/m/ip, 5/5m/key) ------------------------------------


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(user):
    app = app_client()
    for _ in range(5):
        assert_error(login(app, user.email, "wrong"), 401)
    response = login(app_client(ip=agents.IP_GERMANY), user.email)
    assert_error(response, 429)
    assert 0 < int(response["Retry-After"]) <= 300
    assert Session.objects.count() == 0
    # Another account is not affected.
    make_account("bertil@example.com")
    assert login(app_client(ip=agents.IP_BRITAIN), "bertil@example.com").status_code == 201


def test_ten_failures_from_one_address_lock_that_address(user):
    app = app_client()
    for i in range(10):
        assert_error(login(app, f"nobody{i}@example.com", "wrong"), 401)
    response = login(app, user.email)
    assert_error(response, 429)
    assert 0 < int(response["Retry-After"]) <= 60
    # The same account from another address still signs in.
    assert login(app_client(ip=agents.IP_GERMANY), user.email).status_code == 201


def test_the_lock_lifts_when_the_window_has_passed(user):
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(5):
            login(app_client(), user.email, "wrong")
        response = login(app_client(), user.email)
        assert_error(response, 429)
        clock.shift(timedelta(seconds=int(response["Retry-After"]) + 1))
        assert login(app_client(), user.email).status_code == 201


def test_web_form_and_api_share_one_budget(user):
    browser = Client(REMOTE_ADDR=agents.IP_GERMANY)
    for _ in range(5):
        browser.post("/accounts/login/", {"login": user.email, "password": "wrong"})
    assert_error(login(app_client(), user.email), 429)


def test_successful_logins_use_no_budget(user):
    for _ in range(7):
        assert login(app_client(), user.email).status_code == 201


# --- two-factor authentication ------------------------------------------------------------------


def test_account_with_2fa_gets_no_token_without_a_code(user):
    confirmed_totp(user)
    body = assert_error(login(app_client(), user.email), 401)
    assert "code" in body["message"].lower() or "kod" in body["message"].lower()
    assert Session.objects.count() == 0


def test_account_with_2fa_gets_no_token_with_a_wrong_code(user):
    device = confirmed_totp(user)
    with time_machine.travel(T0, tick=False):
        wrong = str((int(current_code(device)) + 1) % 1_000_000).zfill(6)
        assert_error(login(app_client(), user.email, totpCode=wrong), 401)
    assert Session.objects.count() == 0


def test_right_code_gives_a_token_verified_for_django_otp(user):
    device = confirmed_totp(user)
    with time_machine.travel(T0, tick=False):
        token = token_for(app_client(), user.email, totpCode=current_code(device))
        from django_otp import DEVICE_ID_SESSION_KEY

        row = Session.objects.get(key_hash=hash_key(token))
        from sessions_ui.backends.db import SessionStore

        assert SessionStore().decode(row.session_data)[DEVICE_ID_SESSION_KEY] == (
            device.persistent_id
        )
        assert app_client().get(SESSIONS, **bearer(token)).status_code == 200


def test_a_totp_code_works_once(user):
    device = confirmed_totp(user)
    with time_machine.travel(T0, tick=False) as clock:
        code = current_code(device)
        assert login(app_client(), user.email, totpCode=code).status_code == 201
        clock.shift(timedelta(seconds=5))  # same 30 s step, past any throttle
        assert_error(login(app_client(), user.email, totpCode=code), 401)


def test_backup_code_signs_in_once(user):
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    confirmed_totp(user)
    static = StaticDevice.objects.create(user=user, name="backup codes", confirmed=True)
    StaticToken.objects.create(device=static, token="abcd2345")
    token = token_for(app_client(), user.email, totpCode="abcd 2345")
    assert app_client().get(SESSIONS, **bearer(token)).status_code == 200
    assert not StaticToken.objects.filter(device=static).exists()


def test_wrong_codes_are_throttled_with_retry_after(user):
    device = confirmed_totp(user)
    with time_machine.travel(T0, tick=False) as clock:
        assert_error(login(app_client(), user.email, totpCode="000000"), 401)
        response = login(app_client(), user.email, totpCode=current_code(device))
        assert_error(response, 429)
        assert int(response["Retry-After"]) >= 1
        clock.shift(timedelta(seconds=int(response["Retry-After"]) + 1))
        assert login(app_client(), user.email, totpCode=current_code(device)).status_code == 201


def test_token_from_before_2fa_was_turned_on_owes_a_code(user):
    token = token_for(app_client(), user.email)
    assert app_client().get(SESSIONS, **bearer(token)).status_code == 200
    confirmed_totp(user)
    assert_error(app_client().get(SESSIONS, **bearer(token)), 401)


# --- security log -------------------------------------------------------------------------------


def test_app_sign_in_and_failures_are_in_the_security_log(user):
    from accounts.models import EventKind, SecurityEvent

    login(app_client(), user.email, "wrong")
    token = token_for(app_client(), user.email)
    row = Session.objects.get(key_hash=hash_key(token))
    events = SecurityEvent.objects.filter(user=user).order_by("id")
    kinds = [e.kind for e in events]
    assert kinds == [EventKind.SIGN_IN_FAILED, EventKind.SIGN_IN]
    sign_in = events.last()
    assert sign_in.session_public_id == row.public_id
    assert (sign_in.device_kind, sign_in.device_model, sign_in.ip) == (
        "app",
        "Pixel 8",
        agents.IP_STOCKHOLM,
    )
    assert sign_in.details["client"] == "app"
    assert token not in json.dumps(sign_in.details)
