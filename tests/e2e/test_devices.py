"""Enhetsaktivitet in a real browser: one device signs another out, and the other is out.

Two browser contexts are two devices with cookies of their own. Each signs in through the login
form, from its own address (``X-Forwarded-For`` behind a trusted proxy, so the location is a real
GeoIP lookup), and the first ends the second's session with the no-JavaScript confirmation step.

Texts are matched in Swedish or English so the test holds before and after the ``sv`` catalogue.
"""

from __future__ import annotations

import re

import pytest

from tests import agents
from tests.conftest import make_account
from tests.e2e.browser_support import LOGIN_PATH, sign_in

DEVICES_PATH = "/account/security/devices/"

THIS_DEVICE = re.compile(r"Den här enheten|This device")
CHROME_WINDOWS = re.compile(r"Chrome (på|on) Windows")
SAFARI_IPHONE = re.compile(r"Safari (på|on) iPhone")
SIGN_OUT = re.compile(r"^\s*(Logga ut|Sign out)\b")


@pytest.fixture(autouse=True)
def behind_local_proxy(settings) -> None:
    """The live server sees 127.0.0.1; let it believe the address each context forwards."""
    settings.TRUSTED_PROXIES = ["127.0.0.0/8", "::1"]


def test_signing_out_another_device_ends_its_session(live_server, new_context):
    user = make_account("e2e@example.com")
    computer = new_context(
        user_agent=agents.CHROME_WINDOWS,
        extra_http_headers={"X-Forwarded-For": agents.IP_STOCKHOLM},
    )
    phone = new_context(
        user_agent=agents.SAFARI_IPHONE,
        extra_http_headers={"X-Forwarded-For": agents.IP_GERMANY},
    )
    page = sign_in(computer, live_server.url, user.email)
    phone_page = sign_in(phone, live_server.url, user.email)

    # The computer sees both sessions, itself marked as this device.
    page.goto(live_server.url + DEVICES_PATH)
    sessions = page.locator("li.session")
    assert sessions.count() == 2
    current = page.locator("li.session.session--current")
    assert current.count() == 1
    # First, under a heading of its own.
    assert page.locator("li.session").first.get_attribute("class") == current.get_attribute("class")
    assert THIS_DEVICE.search(page.locator("#this-device").inner_text())
    assert CHROME_WINDOWS.search(current.inner_text())
    assert "83.250.0.1" in current.inner_text()
    other = page.locator("li.session:not(.session--current)")
    assert other.count() == 1
    other_text = other.inner_text()
    assert SAFARI_IPHONE.search(other_text)
    assert "5.9.0.1" in other_text
    assert not THIS_DEVICE.search(other_text)

    # Sign the phone out: link, confirmation page (a plain POST form), message.
    other.get_by_role("link", name=SIGN_OUT).click()
    page.wait_for_url(re.compile(r"/sign-out/$"))
    assert SAFARI_IPHONE.search(page.locator("main").inner_text())
    page.locator("main form").get_by_role("button", name=SIGN_OUT).click()
    page.wait_for_url(re.compile(re.escape(DEVICES_PATH) + "$"))
    message = page.locator(".messages .message--success")
    assert message.count() == 1
    assert SAFARI_IPHONE.search(message.inner_text())
    assert page.locator("li.session").count() == 1
    assert page.locator("li.session.session--current").count() == 1

    # The phone's next page load is anonymous and lands on the login page.
    phone_page.goto(live_server.url + DEVICES_PATH)
    assert phone_page.url.startswith(live_server.url + LOGIN_PATH)
    assert phone_page.locator("input[name=password]").count() == 1

    # The computer is still signed in.
    page.reload()
    assert page.url == live_server.url + DEVICES_PATH
