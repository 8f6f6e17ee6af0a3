"""sessions_ui.devices: user agents and Immich app headers to devices and their titles."""

from __future__ import annotations

import pytest
from django.utils import translation

from sessions_ui.devices import Device, describe_device, device_title
from sessions_ui.models import DeviceKind

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
SAFARI_IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36"
)
FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"
SAFARI_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Safari/605.1.15"
)
CHROME_OS = (
    "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def title(device: Device) -> str:
    with translation.override("en"):
        return device_title(
            device.kind, device.browser, device.os, device.model, device.app_version
        )


@pytest.mark.parametrize(
    ("user_agent", "expected", "expected_title"),
    [
        (CHROME_WINDOWS, Device("desktop", "Chrome", "Windows", "", ""), "Chrome on Windows"),
        (SAFARI_IPHONE, Device("mobile", "Safari", "iOS", "iPhone", ""), "Safari on iPhone"),
        (SAFARI_IPAD, Device("tablet", "Safari", "iOS", "iPad", ""), "Safari on iPad"),
        (
            CHROME_ANDROID,
            Device("mobile", "Chrome", "Android", "Pixel 8", ""),
            "Chrome on Android · Pixel 8",
        ),
        (FIREFOX_LINUX, Device("desktop", "Firefox", "Linux", "", ""), "Firefox on Linux"),
        (SAFARI_MAC, Device("desktop", "Safari", "macOS", "", ""), "Safari on macOS"),
        (CHROME_OS, Device("desktop", "Chrome", "ChromeOS", "", ""), "Chrome on ChromeOS"),
        ("", Device("unknown", "", "", "", ""), "Unknown device"),
        ("   ", Device("unknown", "", "", "", ""), "Unknown device"),
    ],
)
def test_browsers(user_agent, expected, expected_title):
    device = describe_device(user_agent)
    assert device == expected
    assert title(device) == expected_title


def test_kinds_are_model_values():
    kinds = {describe_device(ua).kind for ua in (CHROME_WINDOWS, SAFARI_IPHONE, SAFARI_IPAD, "")}
    kinds.add(describe_device("Immich_iOS_1.0.0").kind)
    assert kinds == set(DeviceKind.values)


def test_bot_is_unknown():
    assert describe_device(GOOGLEBOT).kind == "unknown"


@pytest.mark.parametrize(
    ("user_agent", "os"),
    [
        ("Immich_Android_1.132.3", "Android"),
        ("Immich_iOS_1.132.3", "iOS"),
        ("immich-android/1.132.3", "Android"),
        ("immich-ios/1.132.3", "iOS"),
        ("IMMICH_ANDROID_1.132.3", "Android"),
        ("Immich_Android_1.132.3 Dart/3.5 (dart:io)", "Android"),
        ("immich-android/1.132.3 okhttp/4.12.0", "Android"),
        ("immich-ios/1.132.3 CFNetwork/1490.0.4 Darwin/23.2.0", "iOS"),
    ],
)
def test_immich_app(user_agent, os):
    device = describe_device(user_agent, device_model="Pixel 8", device_type=os)
    assert device == Device("app", "Immich", os, "Pixel 8", "1.132.3")
    assert title(device) == f"Immich mobile app on {os} · Pixel 8 · v1.132.3"


def test_immich_android_title():
    device = describe_device("Immich_Android_1.132.3", "Pixel 8", "Android")
    assert title(device) == "Immich mobile app on Android · Pixel 8 · v1.132.3"


def test_immich_app_without_headers():
    device = describe_device("Immich_iOS_1.132.3")
    assert device == Device("app", "Immich", "iOS", "", "1.132.3")
    assert title(device) == "Immich mobile app on iOS · v1.132.3"


def test_immich_app_os_from_device_type_header_when_ua_lacks_it():
    device = describe_device("Dart/3.5 (dart:io)", device_model="iPhone 15", device_type="iOS")
    assert device == Device("app", "Immich", "iOS", "iPhone 15", "")
    assert title(device) == "Immich mobile app on iOS · iPhone 15"


def test_plain_dart_client_without_app_headers_is_not_the_app():
    assert describe_device("Dart/3.5 (dart:io)").kind == "unknown"


def test_immich_lookalikes_are_not_the_app():
    assert describe_device("Immich_Androidx_1.0").kind != "app"
    assert describe_device("NotImmich_iOS_1.0").kind != "app"


def test_huge_android_version_does_not_raise():
    device = describe_device("Mozilla/5.0 (Linux; Android " + "9" * 5000)
    assert device.kind == "unknown" or device.kind in DeviceKind.values
    assert isinstance(device, Device)


def test_parser_exception_gives_unknown(monkeypatch):
    """The user-agents parser has raised on crafted input; describe_device must not."""
    from sessions_ui import devices

    def explode(user_agent):
        raise ValueError("Exceeds the limit (4300 digits) for integer string conversion")

    monkeypatch.setattr(devices, "parse_user_agent", explode)
    devices._describe.cache_clear()
    try:
        device = describe_device("Mozilla/5.0 (Linux; Android " + "9" * 5000)
    finally:
        devices._describe.cache_clear()
    assert device == Device("unknown", "", "", "", "")
    assert title(device) == "Unknown device"


def test_huge_user_agent():
    device = describe_device(CHROME_WINDOWS + "x" * 100_000)
    assert device.browser == "Chrome"
    assert describe_device("A" * 100_000).kind == "unknown"


def test_huge_headers_are_cut():
    device = describe_device("Immich_Android_1.132.3", "M" * 10_000, "Android" * 1000)
    assert device.model == "M" * 64
    assert device.os == "Android"


def test_cached():
    first = describe_device(CHROME_WINDOWS, "", "")
    assert describe_device(CHROME_WINDOWS, "", "") is first
    assert describe_device(CHROME_WINDOWS + "x" * 10_000) is describe_device(
        CHROME_WINDOWS + "x" * 20_000
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("desktop", "Chrome", "Windows", "", ""), "Chrome on Windows"),
        (("desktop", "Chrome", "", "", ""), "Chrome"),
        (("desktop", "", "Windows", "", ""), "Windows"),
        (("mobile", "", "iOS", "iPhone", ""), "iPhone"),
        (("mobile", "Chrome", "", "Pixel 8", ""), "Chrome on Pixel 8"),
        (("unknown", "", "", "", ""), "Unknown device"),
        (("app", "Immich", "", "", ""), "Immich mobile app"),
        (("app", "Immich", "Android", "", ""), "Immich mobile app on Android"),
        (
            ("app", "Immich", "Android", "Pixel 8", "1.132.3"),
            "Immich mobile app on Android · Pixel 8 · v1.132.3",
        ),
    ],
)
def test_device_title(args, expected):
    with translation.override("en"):
        assert device_title(*args) == expected


def test_device_title_does_not_interpret_percent_signs():
    with translation.override("en"):
        assert device_title("desktop", "%(os)s", "%s", "", "") == "%(os)s on %s"
