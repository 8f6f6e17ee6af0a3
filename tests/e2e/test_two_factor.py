"""The whole 2FA journey in a real browser, as a person would do it without any JavaScript of ours.

Enrol by "scanning" the key (the code is computed from the secret shown on the page, as an
authenticator app would), sign out, sign in with password + code in a second browser context,
then use a backup code once in a third context; a fourth context's reuse of it is refused.
"""

from __future__ import annotations

import tempfile
import time
from base64 import b32decode
from pathlib import Path

import pytest
from django_otp.oath import TOTP

from tests import agents
from tests.conftest import make_account
from tests.e2e.browser_support import LOGIN_PATH, password_step

CODE_STEP = "/accounts/login/code/"
HUB = "/account/security/"


def authenticator_code(secret_text: str, at: float | None = None) -> str:
    """What an authenticator app shows for the key typed in from the page."""
    secret = secret_text.replace(" ", "")
    key = b32decode(secret + "=" * (-len(secret) % 8))
    totp = TOTP(key, step=30, t0=0, digits=6)
    totp.time = time.time() if at is None else at
    return f"{totp.token():06d}"


def fresh_step() -> None:
    """Wait for a new 30-second step: each code works once, and only in its own step."""
    time.sleep(30 - time.time() % 30 + 0.5)


def not_near_step_end() -> None:
    if time.time() % 30 > 26:
        fresh_step()


def shoot(page, name: str) -> None:
    """A screenshot for people to look at (temporary folder only)."""
    folder = Path(tempfile.gettempdir()) / "pixelunion-e2e"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / name), full_page=True)


def enter_code(page, code: str) -> None:
    page.locator("input[name=code]").fill(code)
    with page.expect_navigation():
        page.locator("input[name=code]").press("Enter")


@pytest.mark.django_db(transaction=True)
def test_enrol_sign_out_sign_in_with_code_and_backup_code_once(live_server, new_context):
    user = make_account("anna@example.com")
    base = live_server.url

    # 1. Enrol on the first device.
    first = password_step(new_context(user_agent=agents.CHROME_WINDOWS), base, user.email)
    assert first.url.endswith(HUB), first.url
    assert first.locator("[data-two-factor=off]").is_visible()
    with first.expect_navigation():
        first.locator(f"a[href='{HUB}two-factor/enable/']").click()
    assert first.locator("svg.qr").is_visible()
    secret = first.locator("[data-secret]").inner_text()
    not_near_step_end()
    first.locator("input[name=code]").fill(authenticator_code(secret))
    shoot(first, "2fa-enable.png")
    with first.expect_navigation():
        first.locator("form:has(input[name=code]) button[type=submit]").click()
    assert first.url.endswith(f"{HUB}two-factor/backup-codes/"), first.url
    codes = first.locator("[data-backup-code]").all_inner_texts()
    assert len(codes) == 10 and len(set(codes)) == 10
    assert first.locator("a[download]").get_attribute("href").startswith("data:text/plain")
    shoot(first, "2fa-backup-codes.png")
    first.goto(base + HUB)
    assert first.locator("[data-two-factor=on]").is_visible()

    # 2. Sign out.
    with first.expect_navigation():
        first.locator("form[action='/accounts/logout/'] button[type=submit]").first.click()
    first.goto(base + HUB)
    assert LOGIN_PATH in first.url

    # 3. A second device: the password alone leads to the code step and nowhere else.
    second = password_step(new_context(user_agent=agents.FIREFOX_LINUX), base, user.email)
    assert CODE_STEP in second.url, second.url
    shoot(second, "2fa-code-step.png")
    second.goto(base + "/account/security/devices/")
    assert CODE_STEP in second.url
    fresh_step()  # the enrolment used this step's code
    enter_code(second, authenticator_code(secret))
    assert second.url.endswith("/account/security/devices/"), second.url
    assert second.locator("[data-session]").count() >= 1

    # 4. A third device signs in with a backup code, once.
    third = password_step(new_context(user_agent=agents.SAFARI_IPHONE), base, user.email)
    enter_code(third, codes[0])
    assert third.url.endswith(HUB), third.url
    assert third.locator(".message--warning").is_visible()

    # 5. The same backup code again: refused, and still signed in for nothing.
    fourth = password_step(new_context(user_agent=agents.IMMICH_ANDROID), base, user.email)
    enter_code(fourth, codes[0])
    assert CODE_STEP in fourth.url
    assert fourth.locator(".errorlist").is_visible()
    fourth.goto(base + HUB)
    assert CODE_STEP in fourth.url

    # The log tells the story, on the first page, newest first.
    second.goto(base + "/account/security/log/")
    shoot(second, "security-log.png")
    kinds = second.locator("tr[data-event]").evaluate_all("rows => rows.map(r => r.dataset.event)")
    for kind in ("two_factor_enabled", "sign_in", "sign_out", "backup_code_used", "sign_in_failed"):
        assert kind in kinds, kinds
    assert kinds.index("backup_code_used") < kinds.index("two_factor_enabled")
