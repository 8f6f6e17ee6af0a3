"""Two-factor authentication: set-up, codes, throttle, backup codes, turning it off."""

from __future__ import annotations

import re
import threading
import time
import urllib.parse
from base64 import b32decode
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection, connections
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import EventKind, SecurityEvent
from accounts.two_factor import (
    SecondFactorThrottled,
    backup_codes_remaining,
    match_second_factor,
    normalize_code,
    otpauth_uri,
    pending_authenticator,
    qr_svg,
    secret_text,
    user_has_two_factor,
    verify_second_factor,
)
from tests.two_factor_support import BACKUP_CODES, add_authenticator, code_for

pytestmark = pytest.mark.django_db

# A fixed clock in the middle of a 30-second step (TOTP steps start at :00 and :30).
T0 = datetime(2025, 3, 14, 9, 26, 40, tzinfo=UTC)
HUB = "/account/security/"
ENABLE = "/account/security/two-factor/enable/"
CODES = "/account/security/two-factor/backup-codes/"
REGENERATE = "/account/security/two-factor/backup-codes/new/"
DISABLE = "/account/security/two-factor/disable/"


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


# --- enrolment through the pages ------------------------------------------------------------
def _secret_on_page(html: str) -> bytes:
    secret = re.search(r"data-secret>([A-Z2-7 ]+)<", html).group(1).replace(" ", "")
    return b32decode(secret + "=" * (-len(secret) % 8))


def test_enrolment_shows_an_svg_qr_code_and_the_key_and_a_wrong_code_leaves_2fa_off(
    user, browser, clock
):
    page = browser.get(ENABLE)
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and 'class="qr"' in html and "<script" not in html
    device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed
    assert _secret_on_page(html) == device.bin_key
    # The same key after a reload: a scanned QR code stays valid until confirmed.
    assert _secret_on_page(browser.get(ENABLE).content.decode()) == device.bin_key

    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    response = browser.post(ENABLE, {"code": wrong})
    assert response.status_code == 200
    assert not user_has_two_factor(user)
    assert not SecurityEvent.objects.filter(kind=EventKind.TWO_FACTOR_ENABLED).exists()


def test_enrolment_offers_an_otpauth_link_beside_the_qr_code(user, browser, clock):
    html = browser.get(ENABLE).content.decode()
    device = TOTPDevice.objects.get(user=user)
    link = re.search(r'href="(otpauth://totp/[^"]+)" data-otpauth', html).group(1)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(link.replace("&amp;", "&")).query)
    assert b32decode(query["secret"][0] + "=" * (-len(query["secret"][0]) % 8)) == device.bin_key
    assert "Öppna i autentiseringsappen" in html


def test_a_right_code_inside_the_throttle_window_says_wait_not_wrong(user, browser, clock):
    browser.get(ENABLE)
    device = TOTPDevice.objects.get(user=user)
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    assert browser.post(ENABLE, {"code": wrong}).status_code == 200
    response = browser.post(ENABLE, {"code": code_for(device)})  # the clock stands still
    assert response.status_code == 429
    page = response.content.decode()
    assert "Vänta 1 sekund" in page and "Koden stämmer inte" not in page
    assert not user_has_two_factor(user)
    clock.shift(2)
    response = browser.post(ENABLE, {"code": code_for(device)})
    assert response.status_code == 302 and response["Location"] == CODES


def test_confirming_with_the_current_code_turns_2fa_on_and_shows_ten_codes_once(
    user, browser, clock
):
    browser.get(ENABLE)
    device = TOTPDevice.objects.get(user=user)
    response = browser.post(ENABLE, {"code": code_for(device)})
    assert response.status_code == 302 and response["Location"] == CODES
    device.refresh_from_db()
    assert device.confirmed and device.tolerance == 0
    assert user_has_two_factor(user)

    page = browser.get(CODES).content.decode()
    shown = re.findall(r"data-backup-code>([a-z2-7]+)<", page)
    assert len(shown) == 10 == len(set(shown))
    assert sorted(
        StaticToken.objects.filter(device__user=user).values_list("token", flat=True)
    ) == sorted(shown)
    download = re.search(r'href="(data:text/plain;charset=utf-8,[^"]+)" download=', page).group(1)
    text = urllib.parse.unquote(download.split(",", 1)[1])
    assert all(code in text for code in shown)
    # Shown once: the next visit has nothing to show.
    again = browser.get(CODES)
    assert again.status_code == 302 and again["Location"] == HUB
    assert SecurityEvent.objects.filter(user=user, kind=EventKind.TWO_FACTOR_ENABLED).count() == 1
    hub = browser.get(HUB).content.decode()
    assert 'data-two-factor="on"' in hub


def test_the_hub_recommends_2fa_when_off_and_counts_backup_codes_when_on(user, browser):
    hub = browser.get(HUB).content.decode()
    assert 'data-two-factor="off"' in hub and ENABLE in hub
    assert "/account/security/log/" in hub
    add_authenticator(user)
    StaticToken.objects.filter(token__in=BACKUP_CODES[:3]).delete()
    # This session was signed in before 2FA existed, so it must pass the code step first.
    from tests.two_factor_support import pass_code_step

    pass_code_step(browser, TOTPDevice.objects.get(user=user))
    hub = browser.get(HUB)
    html = hub.content.decode()
    assert hub.status_code == 200
    assert 'data-two-factor="on"' in html and ENABLE not in html
    assert re.search(r"\b7\b", html.split('data-two-factor="on"')[1].split("</section>")[0])
    assert REGENERATE in html and DISABLE in html


def test_otpauth_uri_and_qr_code(user):
    device = pending_authenticator(user)
    uri = otpauth_uri(device)
    assert uri.startswith("otpauth://totp/PixelUnion:anna%40example.com?")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(uri).query)
    assert query["issuer"] == ["PixelUnion"] and query["digits"] == ["6"]
    assert query["period"] == ["30"]
    assert b32decode(query["secret"][0] + "=" * (-len(query["secret"][0]) % 8)) == device.bin_key
    assert secret_text(device).replace(" ", "") == query["secret"][0]
    svg = qr_svg(uri, title="QR")
    assert svg.startswith("<svg viewBox=") and "<title>QR</title>" in svg


# --- verification rules -------------------------------------------------------------------
def test_a_totp_code_works_once(user, clock):
    device = add_authenticator(user)
    code = code_for(device)
    assert verify_second_factor(user, code)
    clock.shift(2)  # past any throttle; still the same 30-second step
    assert not verify_second_factor(user, code)


def test_tolerance_is_zero_steps(user, clock):
    device = add_authenticator(user)
    previous = code_for(device, at=T0.timestamp() - 30)
    following = code_for(device, at=T0.timestamp() + 30)
    assert not verify_second_factor(user, previous)
    clock.shift(2)
    assert not verify_second_factor(user, following)
    clock.shift(5)
    assert verify_second_factor(user, code_for(device))


def test_wrong_codes_are_throttled_even_for_the_right_code(user, clock):
    device = add_authenticator(user)
    assert not verify_second_factor(user, "000000" if code_for(device) != "000000" else "111111")
    with pytest.raises(SecondFactorThrottled) as throttled:
        match_second_factor(user, code_for(device))
    assert throttled.value.locked_until == T0 + timedelta(seconds=1)
    clock.shift(1)
    assert verify_second_factor(user, code_for(device))


def test_throttle_doubles_and_covers_backup_codes_too(user, clock):
    add_authenticator(user)
    for wait in (1, 2, 4):
        assert not verify_second_factor(user, "nocode99")
        with pytest.raises(SecondFactorThrottled):
            match_second_factor(user, BACKUP_CODES[0])
        clock.shift(wait)
    assert TOTPDevice.objects.get(user=user).throttling_failure_count == 3
    assert verify_second_factor(user, BACKUP_CODES[0])
    assert TOTPDevice.objects.get(user=user).throttling_failure_count == 0


def test_a_backup_code_works_once_and_is_logged(user, clock):
    add_authenticator(user)
    assert verify_second_factor(user, " CODE-0003 ")
    assert backup_codes_remaining(user) == 9
    event = SecurityEvent.objects.get(user=user, kind=EventKind.BACKUP_CODE_USED)
    assert event.details["remaining"] == 9
    clock.shift(2)
    assert not verify_second_factor(user, BACKUP_CODES[3])
    assert SecurityEvent.objects.filter(user=user, kind=EventKind.SIGN_IN_FAILED).count() == 1


def test_codes_of_another_account_or_without_2fa_are_refused(user, other_user, clock):
    add_authenticator(other_user, backup_codes=["bertil01"])
    assert not verify_second_factor(user, "bertil01")
    assert not verify_second_factor(user, code_for(TOTPDevice.objects.get(user=other_user)))
    assert StaticToken.objects.filter(token="bertil01").exists()


def test_an_unconfirmed_authenticator_is_not_2fa(user, clock):
    device = pending_authenticator(user)
    assert not user_has_two_factor(user)
    assert not verify_second_factor(user, code_for(device))


def test_normalize_code():
    assert normalize_code(" 123 456 ") == "123456"
    assert normalize_code("AbCd-EfGh") == "abcdefgh"
    assert normalize_code("x" * 40) == ""
    assert normalize_code(None) == ""


# --- regenerate and turn off ---------------------------------------------------------------
def test_regenerating_backup_codes_kills_the_old_ones(user, browser, clock):
    device = add_authenticator(user)
    from tests.two_factor_support import pass_code_step

    pass_code_step(browser, device)
    assert browser.get(REGENERATE).status_code == 200
    response = browser.post(REGENERATE)
    assert response.status_code == 302 and response["Location"] == CODES
    new = re.findall(r"data-backup-code>([a-z2-7]+)<", browser.get(CODES).content.decode())
    assert len(new) == 10 and not set(new) & set(BACKUP_CODES)
    clock.shift(31)
    assert not verify_second_factor(user, BACKUP_CODES[0])
    clock.shift(31)
    assert verify_second_factor(user, new[0])
    assert SecurityEvent.objects.filter(kind=EventKind.BACKUP_CODES_REGENERATED).count() == 1


def test_turning_2fa_off_removes_the_devices_and_is_logged(user, browser, clock):
    device = add_authenticator(user)
    from tests.two_factor_support import pass_code_step

    pass_code_step(browser, device)
    assert browser.get(DISABLE).status_code == 200
    assert browser.post(DISABLE)["Location"] == HUB
    assert not user_has_two_factor(user)
    assert not StaticToken.objects.filter(device__user=user).exists()
    assert SecurityEvent.objects.filter(kind=EventKind.TWO_FACTOR_DISABLED).count() == 1
    assert browser.get(HUB).status_code == 200
    assert 'data-two-factor="off"' in browser.get(HUB).content.decode()


def test_management_pages_need_2fa_on_or_off_as_appropriate(user, browser):
    assert browser.get(REGENERATE)["Location"] == HUB
    assert browser.get(DISABLE)["Location"] == HUB
    assert browser.post(DISABLE)["Location"] == HUB
    assert user_has_two_factor(user) is False


# --- concurrency: the same code submitted at once ----------------------------------------
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["totp", "backup_code"])
def test_concurrent_submissions_of_one_code_exactly_one_accepted(user, kind):
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: SQLite has no row locks (SELECT … FOR UPDATE) and serialises "
            "every write anyway; run with DATABASE_URL=postgres://…"
        )
    device = add_authenticator(user)
    threads_count = 8
    for round_ in range(3):
        if kind == "totp" and time.time() % 30 > 27:  # not across a step boundary
            time.sleep(30 - time.time() % 30 + 0.1)
        code = code_for(device) if kind == "totp" else BACKUP_CODES[round_]
        barrier = threading.Barrier(threads_count)
        results: list[bool] = []
        lock = threading.Lock()

        def submit():
            try:
                barrier.wait()
                ok = verify_second_factor(user, code)
                with lock:
                    results.append(ok)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=submit) for _ in range(threads_count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(results) == [False] * (threads_count - 1) + [True], results
        # Next round: a new step (TOTP) and no throttle left from the refused copies.
        TOTPDevice.objects.filter(pk=device.pk).update(
            throttling_failure_count=0, throttling_failure_timestamp=None, last_t=-1
        )
        if kind == "totp":
            break
