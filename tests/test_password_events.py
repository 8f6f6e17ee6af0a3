"""Password change and reset: other devices signed out, said so, logged; 2FA never skipped."""

from __future__ import annotations

import re

import pytest
from django.test import Client, override_settings
from django.utils import translation
from django.utils.translation import ngettext

from accounts.models import EventKind, SecurityEvent
from sessions_ui.models import Session
from tests import agents
from tests.conftest import sign_in
from tests.two_factor_support import CODE_STEP, add_authenticator, code_for, pass_code_step

pytestmark = pytest.mark.django_db

NEW = "Ett helt nytt lösenord 99"


def change_password(browser: Client, password: str):
    return browser.post(
        "/accounts/password/change/",
        {"oldpassword": password, "password1": NEW, "password2": NEW},
        follow=True,
    )


def reset_password(user, mailoutbox, client: Client) -> Client:
    client.post("/accounts/password/reset/", {"email": user.email})
    link = re.search(r"https?://[^/]+(/accounts/password/reset/key/\S+)", mailoutbox[-1].body)
    form = client.get(link.group(1), follow=True)
    action = form.redirect_chain[-1][0] if form.redirect_chain else link.group(1)
    response = client.post(action, {"password1": NEW, "password2": NEW}, follow=True)
    assert response.status_code == 200
    return client


def test_the_confirmation_says_how_many_devices_were_signed_out(user, password, browser, phone):
    sign_in(user.email, user_agent=agents.FIREFOX_LINUX)
    response = change_password(browser, password)
    with translation.override("sv"):
        expected = ngettext(
            "%(count)d other device was signed out.",
            "%(count)d other devices were signed out.",
            2,
        ) % {"count": 2}
    assert expected in re.sub(r"\s+", " ", response.content.decode())
    assert Session.objects.filter(user=user).count() == 1


def test_a_password_change_returns_to_kontosakerhet_with_the_message(user, password, browser):
    response = change_password(browser, password)
    assert response.redirect_chain[-1][0] == "/account/security/"
    page = re.sub(r"\s+", " ", response.content.decode())
    assert "<h1>Kontosäkerhet</h1>" in page
    assert "message--success" in page


def test_a_password_change_is_logged_with_the_devices_it_signed_out(user, password, browser, phone):
    change_password(browser, password)
    changed = SecurityEvent.objects.get(kind=EventKind.PASSWORD_CHANGED)
    assert changed.details == {"signed_out": 1} and changed.browser == "Chrome"
    ended = SecurityEvent.objects.get(kind=EventKind.OTHER_SESSIONS_ENDED)
    assert ended.details["reason"] == "password" and ended.details["count"] == 1
    assert ended.details["sessions"][0]["device_model"] == "iPhone"
    log = browser.get("/account/security/log/").content.decode()
    assert 'data-event="password_changed"' in log and 'data-event="other_sessions_ended"' in log


def test_with_2fa_the_session_that_changed_the_password_stays_verified(user, password):
    device = add_authenticator(user)
    browser = sign_in(user.email)
    pass_code_step(browser, device)
    change_password(browser, password)
    assert browser.get("/account/security/").status_code == 200


def test_a_reset_is_logged_and_signs_nobody_in(user, browser, mailoutbox, client):
    reset_password(user, mailoutbox, client)
    assert client.get("/account/security/")["Location"].startswith("/accounts/login/")
    event = SecurityEvent.objects.get(kind=EventKind.PASSWORD_RESET)
    assert event.details == {"signed_out": 1}
    assert SecurityEvent.objects.get(kind=EventKind.OTHER_SESSIONS_ENDED).details["count"] == 1


def test_a_reset_never_signs_in_past_the_2fa_step(user, mailoutbox, client):
    device = add_authenticator(user)
    reset_password(user, mailoutbox, client)
    assert client.get("/account/security/").status_code == 302
    browser = sign_in(user.email, NEW)  # the new password works…
    assert browser.get("/account/security/")["Location"].startswith(CODE_STEP)  # …then the code
    browser.post(CODE_STEP, {"code": code_for(device)})
    assert browser.get("/account/security/").status_code == 200


@override_settings(ACCOUNT_LOGIN_ON_PASSWORD_RESET=True)
def test_even_with_login_on_reset_the_code_is_still_owed(user, mailoutbox, client):
    add_authenticator(user)
    reset_password(user, mailoutbox, client)
    response = client.get("/account/security/")
    assert response.status_code == 302 and response["Location"].startswith(CODE_STEP)
    assert not SecurityEvent.objects.filter(kind=EventKind.SIGN_IN).exists()


def test_email_changes_are_logged(user, browser):
    browser.post("/accounts/email/", {"action_add": "", "email": "anna.ny@example.com"})
    event = SecurityEvent.objects.get(kind=EventKind.EMAIL_CHANGED)
    assert event.details == {"action": "added", "email": "anna.ny@example.com"}
    assert event.ip == agents.IP_STOCKHOLM
