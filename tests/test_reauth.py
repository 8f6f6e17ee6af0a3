"""The sudo window: sensitive actions ask for the password (and code) again once it passed."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

import pytest
import time_machine
from django.test import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import EventKind, SecurityEvent
from sessions_ui.keys import hash_key
from sessions_ui.models import Session
from tests import agents
from tests.conftest import sign_in
from tests.two_factor_support import CODE_STEP, add_authenticator, code_for, pass_code_step

pytestmark = pytest.mark.django_db

START = datetime(2025, 5, 2, 10, 0, 5, tzinfo=UTC)
CONFIRM = "/account/security/confirm-password/"
OTHERS = "/account/security/devices/sign-out-others/"
DEVICES = "/account/security/devices/"
WINDOW = 15 * 60


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def browser(user, clock):
    return sign_in(user.email)


@pytest.fixture
def phone(user, clock):
    return sign_in(user.email, user_agent=agents.SAFARI_IPHONE, ip=agents.IP_GERMANY)


def row_of(client) -> Session:
    return Session.objects.get(key_hash=hash_key(client.cookies["sessionid"].value))


def asks_password(response, next_url: str) -> bool:
    return response.status_code == 302 and response["Location"] == (
        f"{CONFIRM}?next={quote(next_url, safe='')}"
    )


def test_inside_the_window_no_password_is_asked(browser, phone, clock):
    other = row_of(phone).pk
    clock.shift(WINDOW - 5)
    assert browser.get(OTHERS).status_code == 200
    assert browser.post(OTHERS)["Location"] == DEVICES
    assert not Session.objects.filter(pk=other).exists()


def test_after_the_window_ending_sessions_asks_for_the_password_first(browser, phone, clock):
    target = row_of(phone).public_id
    one = f"{DEVICES}{target}/sign-out/"
    clock.shift(WINDOW + 1)
    assert asks_password(browser.get(OTHERS), OTHERS)
    assert asks_password(browser.post(OTHERS), OTHERS)
    assert asks_password(browser.get(one), one)
    assert asks_password(browser.post(one), one)
    assert Session.objects.filter(public_id=target).exists()  # nothing ended

    old_key = browser.cookies["sessionid"].value
    page = browser.get(f"{CONFIRM}?next={quote(one)}")
    assert page.status_code == 200 and 'name="code"' not in page.content.decode()
    response = browser.post(CONFIRM, {"password": "Rätt häst batteri häftklammer 42", "next": one})
    assert response.status_code == 302 and response["Location"] == one  # back to the action
    assert browser.cookies["sessionid"].value != old_key  # new key
    assert not Session.objects.filter(key_hash=hash_key(old_key)).exists()
    assert browser.get(one).status_code == 200  # the confirmation page, no JavaScript needed
    assert browser.post(one)["Location"] == DEVICES
    assert not Session.objects.filter(public_id=target).exists()


def test_signing_out_this_very_device_never_asks(browser, clock):
    clock.shift(WINDOW * 4)
    here = row_of(browser).public_id
    assert browser.get(f"{DEVICES}{here}/sign-out/")["Location"] == "/accounts/logout/"


def test_a_wrong_password_is_refused_and_logged(user, browser, clock):
    clock.shift(WINDOW + 1)
    response = browser.post(CONFIRM, {"password": "fel", "next": OTHERS})
    assert response.status_code == 200
    assert asks_password(browser.get(OTHERS), OTHERS)
    event = SecurityEvent.objects.get(user=user, kind=EventKind.SIGN_IN_FAILED)
    assert event.details == {"step": "password", "purpose": "reauthentication"}


def test_with_2fa_the_password_and_a_code_are_asked(user, clock):
    device = add_authenticator(user)
    browser = sign_in(user.email)
    pass_code_step(browser, device)
    clock.shift(WINDOW + 1)
    page = browser.get(f"{CONFIRM}?next={quote(OTHERS)}")
    assert 'name="code"' in page.content.decode()
    password = "Rätt häst batteri häftklammer 42"
    wrong = "000000" if code_for(device) != "000000" else "111111"
    assert browser.post(CONFIRM, {"password": password, "code": wrong}).status_code == 200
    assert browser.post(CONFIRM, {"password": password}).status_code == 200  # code required
    clock.shift(2)  # past the throttle of the wrong code
    assert (
        browser.post(CONFIRM, {"password": password, "code": code_for(device), "next": OTHERS})[
            "Location"
        ]
        == OTHERS
    )
    assert browser.get(OTHERS).status_code == 200


def test_the_code_step_opens_the_window_too(user, clock):
    device = add_authenticator(user)
    browser = sign_in(user.email)
    clock.shift(WINDOW - 60)  # the password is nearly out of the window…
    pass_code_step(browser, device)
    clock.shift(120)  # …and now past it, but the code was entered a minute ago
    assert browser.get(OTHERS).status_code == 200


@pytest.mark.parametrize(
    "path", ["/accounts/password/change/", "/account/security/two-factor/enable/"]
)
def test_password_change_and_2fa_set_up_need_the_window(browser, clock, path):
    assert browser.get(path).status_code == 200
    clock.shift(WINDOW + 1)
    assert asks_password(browser.get(path), path)
    assert asks_password(browser.post(path, {}), path)


def test_turning_2fa_off_and_new_backup_codes_need_the_window(user, clock):
    device = add_authenticator(user)
    browser = sign_in(user.email)
    pass_code_step(browser, device)
    clock.shift(WINDOW + 1)
    for path in (
        "/account/security/two-factor/disable/",
        "/account/security/two-factor/backup-codes/new/",
    ):
        assert asks_password(browser.post(path), path)
    assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def test_changing_email_needs_the_window_but_viewing_does_not(user, browser, clock):
    clock.shift(WINDOW + 1)
    assert browser.get("/accounts/email/").status_code == 200
    response = browser.post("/accounts/email/", {"action_add": "", "email": "anna2@example.com"})
    assert asks_password(response, "/accounts/email/")
    assert user.emailaddress_set.count() == 1


@override_settings(ACCOUNT_REAUTHENTICATION_TIMEOUT=60)
def test_the_window_is_a_setting(browser, clock):
    clock.shift(59)
    assert browser.get(OTHERS).status_code == 200
    clock.shift(2)
    assert asks_password(browser.get(OTHERS), OTHERS)


def test_re_authentication_is_rate_limited(browser, clock):
    clock.shift(WINDOW + 1)
    statuses = [browser.post(CONFIRM, {"password": "fel"}).status_code for _ in range(11)]
    assert statuses[:10] == [200] * 10 and statuses[10] == 429
    # Even the right password waits now.
    right = browser.post(CONFIRM, {"password": "Rätt häst batteri häftklammer 42"})
    assert right.status_code == 429


def test_next_never_leaves_the_site(browser, clock):
    response = browser.post(
        CONFIRM, {"password": "Rätt häst batteri häftklammer 42", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/account/security/"


def test_anonymous_visitors_go_to_the_login_page(client):
    assert client.get(CONFIRM)["Location"].startswith("/accounts/login/")
    assert client.get(OTHERS)["Location"].startswith("/accounts/login/")


def test_half_signed_in_sessions_cannot_re_authenticate_around_the_code(user, clock):
    add_authenticator(user)
    browser = sign_in(user.email)
    response = browser.post(CONFIRM, {"password": "Rätt häst batteri häftklammer 42"})
    assert response["Location"].startswith(CODE_STEP)
