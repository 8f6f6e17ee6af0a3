"""GET/DELETE /api/sessions, DELETE /api/sessions/{id}, POST /api/auth/logout.

The app's token and the browser's cookie are sessions of the same table: they list each other
and end each other, at once, through the same revocation functions.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sessions_ui.keys import hash_key
from sessions_ui.models import Session
from tests import agents
from tests.api_support import (
    LOGOUT,
    SESSIONS,
    app_client,
    assert_error,
    bearer,
    token_for,
)
from tests.conftest import PASSWORD, sign_in

pytestmark = pytest.mark.django_db

DEVICES = "/account/security/devices/"
HUB = "/account/security/"
APP_ICON_PATH = "m8.5 12 2.2-2.2 1.6 1.6 1.2-1.2 2 2"  # a line unique to icons/app.svg


def row_of(token: str) -> Session:
    return Session.objects.get(key_hash=hash_key(token))


def cookie_row(browser) -> Session:
    return Session.objects.get(key_hash=hash_key(browser.cookies["sessionid"].value))


def is_signed_out(browser) -> bool:
    response = browser.get(HUB)
    return response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- GET /api/sessions --------------------------------------------------------------------------


def test_list_has_every_session_in_immichs_shape(user, browser, phone, app):
    client, token = app
    response = client.get(SESSIONS, **bearer(token))
    assert response.status_code == 200
    items = response.json()
    assert len(items) == 3
    keys = {
        "id",
        "createdAt",
        "updatedAt",
        "current",
        "deviceType",
        "deviceOS",
        "appVersion",
        "ip",
        "location",
        "client",
        "title",
    }
    assert all(set(item) == keys for item in items)
    by_id = {item["id"]: item for item in items}
    mine = by_id[str(row_of(token).public_id)]
    assert mine["current"] is True and sum(item["current"] for item in items) == 1
    assert (mine["deviceType"], mine["deviceOS"], mine["appVersion"], mine["client"]) == (
        "Pixel 8",
        "Android",
        "1.132.3",
        "app",
    )
    assert mine["ip"] == agents.IP_STOCKHOLM
    assert mine["location"] == {"country": "Sverige", "countryCode": "SE", "city": "Stockholm"}
    chrome = by_id[str(cookie_row(browser).public_id)]
    assert (chrome["deviceType"], chrome["deviceOS"], chrome["appVersion"], chrome["client"]) == (
        "Chrome",
        "Windows",
        None,
        "web",
    )
    assert chrome["title"] == "Chrome på Windows"
    safari = by_id[str(cookie_row(phone).public_id)]
    assert safari["location"]["countryCode"] == "DE" and safari["ip"] == agents.IP_GERMANY
    # Neither keys nor their hashes ever reach JSON.
    body = response.content.decode()
    for row in Session.objects.all():
        assert row.key_hash not in body
    assert token not in body and browser.cookies["sessionid"].value not in body


def test_country_follows_accept_language(user, app):
    client, token = app
    items = client.get(SESSIONS, HTTP_ACCEPT_LANGUAGE="en", **bearer(token)).json()
    assert items[0]["location"]["country"] == "Sweden"
    assert items[0]["title"] == "Immich mobile app on Android · Pixel 8 · v1.132.3"


def test_list_is_most_recent_activity_first(user, browser, phone, app):
    client, token = app
    now = timezone.now()
    Session.objects.filter(pk=cookie_row(browser).pk).update(last_activity=now - timedelta(hours=3))
    Session.objects.filter(pk=cookie_row(phone).pk).update(last_activity=now - timedelta(hours=1))
    Session.objects.filter(pk=row_of(token).pk).update(last_activity=now - timedelta(hours=2))
    ids = [item["id"] for item in client.get(SESSIONS, **bearer(token)).json()]
    expected = [cookie_row(phone), row_of(token), cookie_row(browser)]
    assert ids == [str(row.public_id) for row in expected]


def test_other_accounts_and_ended_sessions_are_not_listed(user, other_user, app):
    client, token = app
    stranger = token_for(app_client(), other_user.email)
    expired = token_for(app_client(), user.email)
    Session.objects.filter(pk=row_of(expired).pk).update(expire_date=timezone.now())
    ids = {item["id"] for item in client.get(SESSIONS, **bearer(token)).json()}
    assert ids == {str(row_of(token).public_id)}
    assert str(row_of(stranger).public_id) not in ids


def test_list_costs_the_same_queries_for_one_or_fifty_sessions(
    user, app, django_assert_num_queries
):
    from sessions_ui.client import ClientInfo
    from sessions_ui.signin import start_session

    client, token = app
    client.get(SESSIONS, **bearer(token))  # settle the activity write
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(SESSIONS, **bearer(token)).json()) == 1
    # the token's session, its user (and 2FA status), the list: nothing per row
    assert len(one.captured_queries) <= 4
    for i in range(49):
        start_session(user, ClientInfo(f"5.9.0.{i + 1}", agents.SAFARI_IPHONE))
    with django_assert_num_queries(len(one.captured_queries)):
        assert len(client.get(SESSIONS, **bearer(token)).json()) == 50


# --- DELETE /api/sessions/{id} ------------------------------------------------------------------


def test_delete_one_session_signs_that_browser_out_at_once(user, browser, phone, app):
    client, token = app
    target = cookie_row(phone).public_id
    response = client.delete(f"{SESSIONS}/{target}", **bearer(token))
    assert response.status_code == 204 and response.content == b""
    assert not Session.objects.filter(public_id=target).exists()
    assert is_signed_out(phone)
    assert not is_signed_out(browser)


@pytest.mark.parametrize(
    "session_id",
    ["not-a-uuid", "1", "0" * 32 + "x", "%00", "%2e%2e", uuid.UUID(int=0).hex, str(uuid.uuid4())],
)
def test_delete_unknown_or_malformed_id_is_404(user, app, session_id):
    client, token = app
    assert_error(client.delete(f"{SESSIONS}/{session_id}", **bearer(token)), 404)
    assert Session.objects.filter(user=user).count() == 1


def test_delete_another_accounts_session_is_404_and_changes_nothing(user, other_user, app):
    client, token = app
    stranger = sign_in(other_user.email)
    target = cookie_row(stranger).public_id
    assert_error(client.delete(f"{SESSIONS}/{target}", **bearer(token)), 404)
    assert Session.objects.filter(public_id=target).exists()
    assert not is_signed_out(stranger)


def test_delete_the_same_session_twice_is_404_the_second_time(user, phone, app):
    client, token = app
    target = cookie_row(phone).public_id
    assert client.delete(f"{SESSIONS}/{target}", **bearer(token)).status_code == 204
    assert_error(client.delete(f"{SESSIONS}/{target}", **bearer(token)), 404)


def test_delete_ones_own_session_by_id_ends_the_token(user, app):
    client, token = app
    own = row_of(token).public_id
    assert client.delete(f"{SESSIONS}/{own}", **bearer(token)).status_code == 204
    assert_error(client.get(SESSIONS, **bearer(token)), 401)


def test_delete_one_costs_constant_queries(user, app, django_assert_num_queries):
    from sessions_ui.client import ClientInfo
    from sessions_ui.signin import start_session

    client, token = app
    client.get(SESSIONS, **bearer(token))
    targets = [
        start_session(user, ClientInfo("5.9.0.1", agents.SAFARI_IPHONE)).public_id for _ in range(3)
    ]
    # session, user, 2FA status, the DELETE … RETURNING (in a savepoint), the log's lookups
    with CaptureQueriesContext(connection) as first:
        assert client.delete(f"{SESSIONS}/{targets[0]}", **bearer(token)).status_code == 204
    with django_assert_num_queries(len(first.captured_queries)):
        assert client.delete(f"{SESSIONS}/{targets[1]}", **bearer(token)).status_code == 204


# --- DELETE /api/sessions -------------------------------------------------------------------------


def test_delete_all_others_signs_every_browser_out(user, other_user, browser, phone, app):
    client, token = app
    stranger = sign_in(other_user.email)
    response = client.delete(SESSIONS, **bearer(token))
    assert response.status_code == 204 and response.content == b""
    assert list(Session.objects.filter(user=user)) == [row_of(token)]
    assert is_signed_out(browser) and is_signed_out(phone)
    assert not is_signed_out(stranger)
    assert client.get(SESSIONS, **bearer(token)).status_code == 200


def test_delete_all_others_costs_the_same_for_3_or_40_sessions(
    user, app, django_assert_num_queries
):
    from sessions_ui.client import ClientInfo
    from sessions_ui.signin import start_session

    client, token = app
    client.get(SESSIONS, **bearer(token))

    def others(count: int) -> None:
        for i in range(count):
            start_session(user, ClientInfo(f"5.9.0.{i + 1}", agents.SAFARI_IPHONE))

    others(3)
    with CaptureQueriesContext(connection) as few:
        assert client.delete(SESSIONS, **bearer(token)).status_code == 204
    others(40)
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.delete(SESSIONS, **bearer(token)).status_code == 204
    assert Session.objects.filter(user=user).count() == 1


# --- POST /api/auth/logout ------------------------------------------------------------------------


def test_logout_ends_the_token_at_once(user, browser, app):
    client, token = app
    public_id = row_of(token).public_id
    response = client.post(LOGOUT, **bearer(token))
    assert response.status_code == 200
    assert response.json() == {"successful": True, "redirectUri": "/accounts/login/"}
    assert not Session.objects.filter(public_id=public_id).exists()
    assert_error(client.get(SESSIONS, **bearer(token)), 401)
    assert_error(client.post(LOGOUT, **bearer(token)), 401)
    assert not is_signed_out(browser)


def test_logout_is_in_the_security_log(user, app):
    from accounts.models import EventKind, SecurityEvent

    client, token = app
    public_id = row_of(token).public_id
    client.post(LOGOUT, **bearer(token))
    event = SecurityEvent.objects.filter(user=user).latest("id")
    assert (event.kind, event.session_public_id) == (EventKind.SIGN_OUT, public_id)


# --- the token and the browser, side by side -----------------------------------------------------


def test_enhetsaktivitet_shows_the_app_with_its_icon_model_and_version(user, browser, app):
    _, token = app
    public_id = row_of(token).public_id
    for language, title, label in [
        ("sv", "Immich-mobilappen på Android · Pixel 8 · v1.132.3", "Mobilapp"),
        ("en", "Immich mobile app on Android · Pixel 8 · v1.132.3", "Mobile app"),
    ]:
        html = browser.get(DEVICES, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        match = re.search(rf'data-session="{public_id}".*?</li>', html, re.DOTALL)
        assert match, html[:500]
        entry = match.group(0)
        assert title in entry
        assert APP_ICON_PATH in entry
        assert label in entry
        assert agents.IP_STOCKHOLM in entry and "Stockholm" in entry


def test_web_signs_out_the_app_and_its_next_call_is_401(user, browser, app):
    client, token = app
    target = row_of(token).public_id
    response = browser.post(f"{DEVICES}{target}/sign-out/")
    assert response.status_code == 302
    assert_error(client.get(SESSIONS, **bearer(token)), 401)


def test_token_and_browser_list_each_other_and_end_each_other(user, browser, app):
    client, token = app
    app_id, web_id = row_of(token).public_id, cookie_row(browser).public_id
    listed = {item["id"] for item in client.get(SESSIONS, **bearer(token)).json()}
    assert listed == {str(app_id), str(web_id)}
    assert f'data-session="{app_id}"' in browser.get(DEVICES).content.decode()

    assert client.delete(SESSIONS, **bearer(token)).status_code == 204
    assert is_signed_out(browser)

    browser = sign_in(user.email)
    browser.post(f"{DEVICES}sign-out-others/")
    assert_error(client.get(SESSIONS, **bearer(token)), 401)


def test_password_change_on_the_web_ends_the_token(user, password, browser, app):
    client, token = app
    response = browser.post(
        "/accounts/password/change/",
        {
            "oldpassword": password,
            "password1": "Ett helt nytt lösenord 77",
            "password2": "Ett helt nytt lösenord 77",
        },
    )
    assert response.status_code == 302, response.content[:300]
    assert_error(client.get(SESSIONS, **bearer(token)), 401)


# --- re-authentication: the same rule as the web's sudo window ------------------------------------
@pytest.fixture
def sudo_window_passed(settings):
    """Every password entry is older than the window (0 s): no waiting, no clock tricks."""
    settings.ACCOUNT_REAUTHENTICATION_TIMEOUT = 0


def json_delete(client, path, token, body=None):
    import json

    data = json.dumps(body) if body is not None else ""
    return client.delete(path, data=data, content_type="application/json", **bearer(token))


@pytest.mark.parametrize("one", [True, False], ids=["one", "all-others"])
def test_after_the_sudo_window_ending_sessions_asks_for_the_password(
    user, browser, phone, app, sudo_window_passed, one
):
    client, token = app
    path = f"{SESSIONS}/{cookie_row(phone).public_id}" if one else SESSIONS
    refused = json_delete(client, path, token)
    assert refused.status_code == 403 and refused["Content-Type"] == "application/json"
    body = refused.json()
    assert body["statusCode"] == 403 and '"password"' in body["message"]
    assert not is_signed_out(phone) and not is_signed_out(browser)

    wrong = json_delete(client, path, token, {"password": "fel lösenord"})
    assert wrong.status_code == 403 and wrong.json()["message"] == "Fel lösenord."
    assert not is_signed_out(phone)

    ended = json_delete(client, path, token, {"password": PASSWORD})
    assert ended.status_code == 204
    assert is_signed_out(phone) and is_signed_out(browser) is not one
    # The token is not rotated by the password: the app keeps working with it.
    assert client.get(SESSIONS, **bearer(token)).status_code == 200


def test_signing_oneself_out_needs_no_password(user, app, sudo_window_passed):
    client, token = app
    response = json_delete(client, f"{SESSIONS}/{row_of(token).public_id}", token)
    assert response.status_code == 204
    assert client.get(SESSIONS, **bearer(token)).status_code == 401


def test_inside_the_window_no_password_is_needed(user, phone, app):
    """The app's sign-in entered the password: its sudo window runs from then, as a browser's."""
    client, token = app
    assert json_delete(client, SESSIONS, token).status_code == 204
    assert is_signed_out(phone)


@pytest.mark.parametrize("body", ["not json", "[1]", '{"password": 5}', '{"totpCode": []}'])
def test_a_bad_reauthentication_body_is_400(user, phone, app, sudo_window_passed, body):
    client, token = app
    response = client.delete(SESSIONS, data=body, content_type="application/json", **bearer(token))
    assert response.status_code == 400 and response.json()["statusCode"] == 400
    assert not is_signed_out(phone)
