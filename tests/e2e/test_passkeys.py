"""Passkeys in a real browser: Chromium's DevTools virtual authenticator (``WebAuthn.enable``,
``WebAuthn.addVirtualAuthenticator``) answers django-otp-webauthn's script on our pages.

Register on Kontosäkerhet, sign in with the passkey as the second step, sign in with the
passkey alone, remove it; and a page served from another origin than ``SITE_URL``'s is refused.
The site is reached as ``localhost`` (browsers refuse an IP address as a relying-party id).
"""

from __future__ import annotations

import pytest
from django_otp_webauthn.models import WebAuthnCredential

from accounts.models import EventKind, SecurityEvent
from tests import agents
from tests.conftest import PASSWORD, make_account
from tests.e2e.browser_support import LOGIN_PATH, password_step

HUB = "/account/security/"
CODE_STEP = "/accounts/login/code/"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def site(live_server, settings):
    """The live server as http://localhost:PORT, the relying party configured for it."""
    url = live_server.url.replace("127.0.0.1", "localhost")
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [url]
    return url


def with_authenticator(context, page):
    """A platform authenticator with user verification, as a phone with a fingerprint."""
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, added["authenticatorId"]


def register(page, base: str, name: str) -> None:
    page.goto(base + HUB)
    with page.expect_navigation():
        page.locator("a[href='/account/security/passkeys/add/']").click()
    page.locator("input[name=name]").fill(name)
    with page.expect_navigation():
        page.locator("input[name=name]").press("Enter")
    button = page.locator("#passkey-register-button")
    button.wait_for()
    with page.expect_navigation(url=base + HUB):
        button.click()


def test_register_second_step_passwordless_and_remove(site, new_context):
    user = make_account("anna@example.com")
    context = new_context(user_agent=agents.CHROME_WINDOWS)
    page = password_step(context, site, user.email)
    cdp, authenticator_id = with_authenticator(context, page)

    # 1. Register, named, on Kontosäkerhet.
    register(page, site, "Virtuell nyckel")
    assert page.locator("[data-passkey] .passkey__name").inner_text() == "Virtuell nyckel"
    assert page.locator("[data-two-factor=on]").is_visible()
    assert WebAuthnCredential.objects.filter(user=user, name="Virtuell nyckel").exists()
    held = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]
    assert len(held) == 1 and held[0]["isResidentCredential"]  # discoverable: usable alone

    # 2. Sign out, then password + passkey as the second step.
    with page.expect_navigation():
        page.locator("form[action='/accounts/logout/'] button").first.click()
    page.goto(site + LOGIN_PATH)
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("input[name=password]").press("Enter")
    assert CODE_STEP in page.url, page.url
    with page.expect_navigation(url=site + HUB):
        page.locator("#passkey-verification-button").click()
    page.goto(site + "/account/security/devices/")
    assert page.locator("[data-passkey-sign-in]").count() == 1

    # 3. Sign out; "Logga in med nyckel" alone.
    with page.expect_navigation():
        page.locator("form[action='/accounts/logout/'] button").first.click()
    page.goto(site + LOGIN_PATH)
    with page.expect_navigation(url=site + HUB):
        page.locator("#passkey-verification-button").click()
    methods = list(
        SecurityEvent.objects.filter(user=user, kind=EventKind.SIGN_IN)
        .order_by("id")
        .values_list("details__method", flat=True)
    )
    assert methods[-2:] == ["passkey", "passkey_only"]

    # 4. Remove it: the last factor, so the page warns and 2FA turns off.
    passkey = WebAuthnCredential.objects.get(user=user)
    with page.expect_navigation():
        page.locator(f"a[href='/account/security/passkeys/{passkey.pk}/remove/']").click()
    assert page.locator("[data-last-factor]").is_visible()
    with page.expect_navigation():
        page.locator("form button.btn--danger").click()
    assert page.locator("[data-two-factor=off]").is_visible()
    assert not WebAuthnCredential.objects.exists()


def test_a_page_from_another_origin_is_refused(site, live_server, new_context):
    """Served as 127.0.0.1 while the relying party is localhost: the browser's own check (an RP
    id that is not the page's host) stops the ceremony, and the server, asked directly with an
    assertion made for another origin, refuses too (tests/test_passkey_views.py)."""
    user = make_account("anna@example.com")
    context = new_context(user_agent=agents.CHROME_WINDOWS)
    page = password_step(context, site, user.email)
    with_authenticator(context, page)
    register(page, site, "Min nyckel")
    other_origin = live_server.url  # http://127.0.0.1:PORT, not SITE_URL's origin
    other = new_context(user_agent=agents.CHROME_WINDOWS)
    page2 = other.new_page()
    with_authenticator(other, page2)
    page2.goto(other_origin + LOGIN_PATH)
    page2.locator("#passkey-verification-button").click()
    status = page2.locator("#passkey-verification-status-message")
    status.wait_for(state="visible")
    assert status.get_attribute("data-status-enum") not in (None, "success", "busy")
    assert LOGIN_PATH in page2.url
    assert not SecurityEvent.objects.filter(
        user=user, kind=EventKind.SIGN_IN, details__method="passkey_only"
    ).exists()
