""" "Det var inte jag" in a real browser: an intruder's session is flagged, the owner signs it out
from the flag, is walked through the next steps and changes the password.

Two browser contexts: the owner's computer in Stockholm (the account's first sign-in) and the
intruder's iPhone in Germany (new device, new place). Addresses are forwarded through a trusted
proxy so locations are real GeoIP lookups. Texts match Swedish or English, so the test holds
before and after the ``sv`` catalogue.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from django.core import mail

from tests import agents
from tests.conftest import PASSWORD, make_account
from tests.e2e.browser_support import LOGIN_PATH, sign_in
from tests.task_worker import run_worker

DEVICES_PATH = "/account/security/devices/"
NEW_PASSWORD = "Ett helt annat lösenord 2026!"

NEW_PLACE = re.compile(r"(Ny plats|New place).*Tyskland")
NOT_ME = re.compile(r"Det var inte jag|It wasn't me")
SIGN_OUT_NOW = re.compile(r"Logga ut enheten nu|Sign out the device now")
SIGNED_OUT = re.compile(r"Safari (på|on) iPhone (loggades ut|was signed out)")
CHANGE_PASSWORD = re.compile(r"^\s*(Ändra lösenord|Change password)\s*$", re.IGNORECASE)
TWO_FACTOR = re.compile(r"Aktivera 2FA|Slå på 2FA|Turn on 2FA")


@pytest.fixture(autouse=True)
def behind_local_proxy(settings) -> None:
    settings.TRUSTED_PROXIES = ["127.0.0.0/8", "::1"]


def shoot(page, name: str) -> None:
    folder = Path(tempfile.gettempdir()) / "pixelunion-e2e"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / name), full_page=True)


def test_it_was_not_me_signs_the_intruder_out_and_secures_the_account(live_server, new_context):
    user = make_account("owner@example.com")
    computer = new_context(
        user_agent=agents.CHROME_WINDOWS,
        extra_http_headers={"X-Forwarded-For": agents.IP_STOCKHOLM},
    )
    intruder = new_context(
        user_agent=agents.SAFARI_IPHONE,
        extra_http_headers={"X-Forwarded-For": agents.IP_GERMANY},
    )
    page = sign_in(computer, live_server.url, user.email)
    intruder_page = sign_in(intruder, live_server.url, user.email)

    # The owner was told by email, once: a new device in a new place (the worker sends it).
    run_worker()
    alerts = [m for m in mail.outbox if m.to == [user.email]]
    assert len(alerts) == 1 and agents.IP_GERMANY in alerts[0].body

    # Kontosäkerhet warns; Enhetsaktivitet lists the intruder first after this device, flagged.
    page.reload()
    assert page.locator(".banner--warning").count() == 1
    page.goto(live_server.url + DEVICES_PATH)
    first = page.locator("li.session:not(.session--current)").first
    assert "session--flagged" in (first.get_attribute("class") or "")
    assert re.search(r"Safari (på|on) iPhone", first.inner_text())
    assert NEW_PLACE.search(" ".join(first.locator(".badge--warning").all_inner_texts()))
    shoot(page, "flagged-session.png")

    # "Det var inte jag" → a confirmation page (a plain form) → signed out at once.
    first.get_by_role("link", name=NOT_ME).click()
    page.wait_for_url(re.compile(r"/not-me/$"))
    page.locator("main form").get_by_role("button", name=SIGN_OUT_NOW).click()
    page.wait_for_url(re.compile(r"/secure-your-account/$"))
    assert SIGNED_OUT.search(page.locator(".messages").inner_text())
    steps = page.locator("main ol")
    assert steps.get_by_role("link", name=TWO_FACTOR).count() == 1
    assert steps.locator('a[href^="mailto:"]').count() == 1
    shoot(page, "secure-your-account.png")

    # The intruder's next page load is anonymous.
    intruder_page.goto(live_server.url + DEVICES_PATH)
    assert intruder_page.url.startswith(live_server.url + LOGIN_PATH)

    # Next step: change the password, from the walk-through.
    steps.get_by_role("link", name=CHANGE_PASSWORD).click()
    page.wait_for_url(re.compile(r"/accounts/password/change/"))
    page.locator("input[name=oldpassword]").fill(PASSWORD)
    page.locator("input[name=password1]").fill(NEW_PASSWORD)
    page.locator("input[name=password2]").fill(NEW_PASSWORD)
    with page.expect_navigation():
        page.locator("input[name=password2]").press("Enter")
    assert page.locator(".messages").count() == 1  # allauth's "password changed"

    # The old password no longer opens the account; the owner's computer is still signed in.
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    page.goto(live_server.url + DEVICES_PATH)
    assert page.url == live_server.url + DEVICES_PATH
    assert page.locator("li.session").count() == 1
    assert page.locator("li.session--flagged").count() == 0
