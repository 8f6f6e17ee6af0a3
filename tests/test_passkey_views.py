"""Passkey pages and ceremonies through HTTP: adding (behind re-authentication), the second step
at sign-in, passwordless sign-in, re-authentication, renaming and removing.

The authenticator is ``tests.webauthn_support.SoftAuthenticator`` (real WebAuthn structures and
signatures, checked for real by django-otp-webauthn and py_webauthn); nothing of ours is mocked.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accounts.models import EventKind, SecurityEvent
from accounts.two_factor import user_has_two_factor
from tests import agents
from tests.conftest import PASSWORD, browser_fingerprint_of, make_account, sign_in
from tests.two_factor_support import CODE_STEP, add_authenticator
from tests.webauthn_support import (
    ADD_PAGE,
    AUTH_BEGIN,
    REGISTER_BEGIN,
    SoftAuthenticator,
    assert_with,
    post_json,
    register_passkey,
)

HUB = "/account/security/"
DEVICES = "/account/security/devices/"
REAUTH = "/account/security/confirm-password/"

pytestmark = pytest.mark.django_db


def kinds(user) -> list[str]:
    return list(SecurityEvent.objects.filter(user=user).order_by("id").values_list("kind", flat=True))


@pytest.fixture
def user():
    return make_account("anna@example.com")


def backup_code_step(browser, user) -> None:
    """The code step with one of the account's backup codes (a TOTP code works once a step)."""
    code = StaticToken.objects.filter(device__user=user).values_list("token", flat=True)[0]
    assert browser.post(CODE_STEP, {"code": code}).status_code == 302


def with_passkey(user, name: str = "iPhone") -> SoftAuthenticator:
    """A passkey registered through the real pages, by a session that is then thrown away."""
    authenticator = SoftAuthenticator()
    browser = sign_in(user.email)
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        backup_code_step(browser, user)
    response = register_passkey(browser, authenticator, name)
    assert response.status_code == 200, response.content
    return authenticator


class TestAdd:
    def test_named_passkey_is_listed_and_turns_two_factor_on(self, user):
        browser = sign_in(user.email)
        assert register_passkey(browser, SoftAuthenticator(), "  Annas   iPhone ").status_code == 200
        passkey = WebAuthnCredential.objects.get(user=user)
        assert passkey.name == "Annas iPhone" and passkey.confirmed and passkey.discoverable
        html = browser.get(HUB).content.decode()
        assert f'data-passkey="{passkey.pk}"' in html and "Annas iPhone" in html
        assert 'data-two-factor="on"' in html
        assert "Aldrig" in html  # never used yet
        assert kinds(user)[-2:] == [EventKind.PASSKEY_ADDED, EventKind.TWO_FACTOR_ENABLED]
        assert user_has_two_factor(type(user).objects.get(pk=user.pk))

    def test_the_add_page_says_javascript_is_needed_and_needs_a_name_first(self, user):
        browser = sign_in(user.email)
        first = browser.get(ADD_PAGE).content.decode()
        assert 'name="name"' in first and "passkey-register-button" not in first
        assert browser.post(ADD_PAGE, {"name": "   "}).status_code == 200  # form error, no step 2
        browser.post(ADD_PAGE, {"name": "iPhone"})
        second = browser.get(ADD_PAGE).content.decode()
        assert "data-needs-javascript" in second and 'id="passkey-register-button"' in second
        assert "<script>" not in second and "onclick" not in second  # static scripts only

    def test_adding_needs_a_recent_password(self, user):
        browser = sign_in(user.email)
        with time_machine.travel(timezone.now() + timedelta(minutes=16), tick=False):
            response = browser.get(ADD_PAGE)
            assert response.status_code == 302 and response["Location"].startswith(REAUTH)
            answer = post_json(browser, REGISTER_BEGIN)
            assert answer.status_code == 403
            assert answer.json()["code"] == "reauthentication_required"
        assert not WebAuthnCredential.objects.exists()

    def test_a_registration_from_another_origin_is_refused(self, user):
        browser = sign_in(user.email)
        authenticator = SoftAuthenticator()
        response = register_passkey(browser, authenticator, origin="https://evil.example")
        assert response.status_code == 422 and response.json()["detail"]
        assert not WebAuthnCredential.objects.exists()
        assert EventKind.PASSKEY_ADDED not in kinds(user)

    def test_a_session_still_owing_its_code_cannot_register(self, user):
        add_authenticator(user)
        browser = sign_in(user.email)
        refused = post_json(browser, REGISTER_BEGIN)
        assert refused.status_code == 302 and refused["Location"].startswith(CODE_STEP)
        assert not WebAuthnCredential.objects.exists()


class TestSecondStep:
    def test_passkey_instead_of_the_code(self, user, django_assert_num_queries):
        add_authenticator(user)
        authenticator = with_passkey(user)
        browser = sign_in(user.email)
        step = browser.get(CODE_STEP + "?next=/account/security/log/")
        html = step.content.decode()
        assert 'id="passkey-verification-button"' in html and 'name="code"' in html
        options = post_json(browser, AUTH_BEGIN).json()
        assert options["userVerification"] == "discouraged"
        assert [c["id"] for c in options["allowCredentials"]]
        answer = authenticator.get(options)
        # The step's query budget: the session and the user with its 2FA status (one prepared
        # query), the state popped and saved, the credential, its counter and last use, its
        # user, the new key (savepoint, rekey, release), the sign-in event, the session saved.
        with django_assert_num_queries(11):
            response = post_json(
                browser, "/accounts/passkey/authentication/complete/?next=/account/security/log/", answer
            )
        assert response.status_code == 200, response.content
        assert response.json()["redirect_url"] == "/account/security/log/"
        assert browser.get(DEVICES).status_code == 200  # no longer sent to the code step
        event = SecurityEvent.objects.filter(user=user, kind=EventKind.SIGN_IN).latest("id")
        assert event.details == {
            "method": "passkey",
            "passkey": "iPhone",
            "browser": browser_fingerprint_of(browser),
        }
        assert WebAuthnCredential.objects.get(user=user).last_used_at is not None

    def test_the_device_list_says_signed_in_with_a_passkey(self, user):
        authenticator = with_passkey(user)
        browser = sign_in(user.email)
        assert assert_with(browser, authenticator).status_code == 200
        html = browser.get(DEVICES).content.decode()
        assert html.count("data-passkey-sign-in") == 1 and "Inloggad med nyckel" in html

    def test_a_passkey_only_account_gets_no_code_field(self, user):
        with_passkey(user)
        html = sign_in(user.email).get(CODE_STEP).content.decode()
        assert 'name="code"' not in html and 'id="passkey-verification-button"' in html

    def test_another_accounts_passkey_is_refused(self, user):
        with_passkey(user)
        other = make_account("bo@example.com")
        theirs = with_passkey(other)
        browser = sign_in(user.email)
        response = assert_with(browser, theirs)
        assert response.status_code == 403 and response.json()["code"] == "credential_user_mismatch"
        assert browser.get(DEVICES)["Location"].startswith(CODE_STEP)

    def test_an_assertion_from_another_origin_is_refused(self, user):
        authenticator = with_passkey(user)
        browser = sign_in(user.email)
        response = assert_with(browser, authenticator, origin="https://evil.example")
        assert response.status_code == 422
        assert browser.get(DEVICES)["Location"].startswith(CODE_STEP)

    def test_a_counter_that_does_not_move_on_is_refused(self, user):
        authenticator = with_passkey(user)
        assert assert_with(Client(), authenticator, count=5).status_code == 200
        response = assert_with(Client(), authenticator, count=5)  # a cloned authenticator
        assert response.status_code == 422

    def test_a_challenge_is_used_once(self, user):
        authenticator = with_passkey(user)
        browser = Client()
        options = post_json(browser, AUTH_BEGIN).json()
        answer = authenticator.get(options)
        complete = "/accounts/passkey/authentication/complete/"
        assert post_json(browser, complete, answer).status_code == 200
        again = post_json(browser, complete, answer)
        assert again.status_code == 400 and again.json()["code"] == "invalid_state"


class TestPasswordless:
    def test_a_passkey_alone_signs_in_with_both_factors(self, user, django_assert_num_queries):
        authenticator = with_passkey(user)
        browser = Client(HTTP_USER_AGENT=agents.CHROME_WINDOWS, REMOTE_ADDR=agents.IP_STOCKHOLM)
        login = browser.get("/accounts/login/").content.decode()
        assert 'id="passkey-verification-placeholder"' in login and "data-needs-javascript" in login
        options = post_json(browser, AUTH_BEGIN).json()
        assert options["userVerification"] == "required" and not options.get("allowCredentials")
        answer = authenticator.get(options)
        # The anonymous session (its row made when the ceremony began), the state popped, the
        # credential, its counter, its user, Django's login (new key: savepoint, rekey,
        # release; last login), the sign-in event, the session saved with its user.
        with django_assert_num_queries(11):
            response = post_json(browser, "/accounts/passkey/authentication/complete/", answer)
        assert response.status_code == 200, response.content
        assert response.json()["redirect_url"] == HUB
        assert browser.get(DEVICES).status_code == 200  # both factors: no code step
        event = SecurityEvent.objects.filter(user=user, kind=EventKind.SIGN_IN).latest("id")
        assert event.details == {
            "method": "passkey_only",
            "passkey": "iPhone",
            "browser": browser_fingerprint_of(browser),
        }

    def test_user_verification_is_required(self, user):
        authenticator = with_passkey(user)
        authenticator.user_verified = False
        browser = Client()
        assert assert_with(browser, authenticator).status_code == 422
        assert browser.get(DEVICES).status_code == 302

    def test_an_outside_next_address_is_not_followed(self, user):
        authenticator = with_passkey(user)
        response = assert_with(Client(), authenticator, next_url="https://evil.example/")
        assert response.json()["redirect_url"] == HUB

    def test_an_unknown_passkey_is_refused(self, user):
        response = assert_with(Client(), SoftAuthenticator())
        assert response.status_code == 404 and response.json()["code"] == "credential_not_found"

    def test_a_deactivated_account_cannot_sign_in(self, user):
        authenticator = with_passkey(user)
        type(user).objects.filter(pk=user.pk).update(is_active=False)
        browser = Client()
        assert assert_with(browser, authenticator).status_code == 403
        assert browser.get(DEVICES).status_code == 302


class TestReauthentication:
    def test_a_passkey_only_account_confirms_with_its_passkey(self, user):
        authenticator = with_passkey(user)
        browser = Client()
        assert assert_with(browser, authenticator).status_code == 200
        with time_machine.travel(timezone.now() + timedelta(minutes=16), tick=False):
            page = browser.get(f"{REAUTH}?next={ADD_PAGE}").content.decode()
            assert 'name="password"' not in page and "passkey-verification-button" in page
            refused = browser.post(REAUTH, {"password": PASSWORD, "next": ADD_PAGE})
            assert refused.status_code == 400
            options = post_json(browser, AUTH_BEGIN).json()
            assert options["userVerification"] == "required"
            response = post_json(
                browser,
                f"/accounts/passkey/authentication/complete/?next={ADD_PAGE}",
                authenticator.get(options),
            )
            assert response.status_code == 200 and response.json()["redirect_url"] == ADD_PAGE
            assert browser.get(ADD_PAGE).status_code == 200  # the sudo window is open
        assert kinds(user)[-1] == EventKind.PASSKEY_USED


class TestRenameAndRemove:
    def test_rename(self, user):
        authenticator = with_passkey(user)
        passkey = WebAuthnCredential.objects.get(user=user)
        browser = Client()
        assert assert_with(browser, authenticator).status_code == 200
        path = f"/account/security/passkeys/{passkey.pk}/rename/"
        assert 'value="iPhone"' in browser.get(path).content.decode()
        assert browser.post(path, {"name": "Jobbdator"}).status_code == 302
        passkey.refresh_from_db()
        assert passkey.name == "Jobbdator"

    def test_someone_elses_passkey_is_not_found(self, user):
        other = make_account("bo@example.com")
        with_passkey(other)
        theirs = WebAuthnCredential.objects.get(user=other)
        browser = sign_in(user.email)
        for action in ("rename", "remove"):
            path = f"/account/security/passkeys/{theirs.pk}/{action}/"
            assert browser.get(path).status_code == 404
            assert browser.post(path, {"name": "x"}).status_code == 404
        assert WebAuthnCredential.objects.filter(pk=theirs.pk, name="iPhone").exists()

    def test_removing_one_of_two_factors_keeps_two_factor_on(self, user):
        add_authenticator(user)
        with_passkey(user)
        passkey = WebAuthnCredential.objects.get(user=user)
        browser = sign_in(user.email)
        backup_code_step(browser, user)
        path = f"/account/security/passkeys/{passkey.pk}/remove/"
        assert "data-last-factor" not in browser.get(path).content.decode()
        assert browser.post(path).status_code == 302
        assert not WebAuthnCredential.objects.exists()
        assert user_has_two_factor(type(user).objects.get(pk=user.pk))
        assert kinds(user)[-1] == EventKind.PASSKEY_REMOVED

    def test_removing_the_last_factor_warns_and_turns_two_factor_off(self, user):
        authenticator = with_passkey(user)
        browser = Client()
        assert assert_with(browser, authenticator).status_code == 200
        passkey = WebAuthnCredential.objects.get(user=user)
        path = f"/account/security/passkeys/{passkey.pk}/remove/"
        assert "data-last-factor" in browser.get(path).content.decode()
        response = browser.post(path, follow=True)
        html = response.content.decode()
        assert 'data-two-factor="off"' in html and "tvåfaktorsautentiseringen är nu avstängd" in html
        assert kinds(user)[-2:] == [EventKind.PASSKEY_REMOVED, EventKind.TWO_FACTOR_DISABLED]
        assert browser.get(DEVICES).status_code == 200  # still signed in, nothing owed

    def test_turning_two_factor_off_removes_the_passkeys(self, user):
        authenticator = with_passkey(user)
        browser = Client()
        assert assert_with(browser, authenticator).status_code == 200
        assert browser.post("/account/security/two-factor/disable/").status_code == 302
        assert not WebAuthnCredential.objects.exists()
        assert not user_has_two_factor(type(user).objects.get(pk=user.pk))
