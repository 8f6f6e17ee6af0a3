"""sessions_ui.client: the client's IP address behind (un)trusted proxies, and its headers."""

from __future__ import annotations

import logging

import pytest
from django.test import RequestFactory

from sessions_ui.client import ClientInfo, client_from_request, client_ip, parse_ip

PROXY = ["10.0.0.1"]
PROXIES = ["10.0.0.0/8", "2001:db8:ffff::/48", "192.168.0.7"]
TEN_KB = "1.2.3.4, " * 1200


@pytest.mark.parametrize(
    ("remote_addr", "forwarded_for", "trusted", "expected"),
    [
        # No proxies: the peer is the client, X-Forwarded-For is ignored.
        ("198.51.100.7", None, [], "198.51.100.7"),
        ("198.51.100.7", "203.0.113.9", [], "198.51.100.7"),
        ("2001:db8::1", None, [], "2001:db8::1"),
        ("2001:0DB8:0000::0001", None, [], "2001:db8::1"),  # normalised
        ("::ffff:198.51.100.7", None, [], "198.51.100.7"),
        # A trusted proxy: X-Forwarded-For read right to left.
        ("10.0.0.1", "203.0.113.9", PROXY, "203.0.113.9"),
        ("10.0.0.1", "203.0.113.9, 10.0.0.2", PROXIES, "203.0.113.9"),
        ("10.0.0.1", "1.1.1.1, 203.0.113.9, 10.0.0.2", PROXIES, "203.0.113.9"),  # spoof left
        ("10.0.0.1", "203.0.113.9,10.9.9.9,192.168.0.7", PROXIES, "203.0.113.9"),
        ("10.0.0.1", "10.0.0.3, 10.0.0.2", PROXIES, "10.0.0.3"),  # all trusted: left-most
        ("10.0.0.1", None, PROXY, "10.0.0.1"),  # trusted but no header: the proxy itself
        ("10.0.0.1", "", PROXY, "10.0.0.1"),
        ("10.0.0.1", " , ,", PROXY, "10.0.0.1"),
        # Spoofed X-Forwarded-For from an untrusted peer is ignored.
        ("198.51.100.7", "10.0.0.1", PROXIES, "198.51.100.7"),
        ("198.51.100.7", "203.0.113.9, 10.0.0.2", PROXIES, "198.51.100.7"),
        ("10.0.0.1", "203.0.113.9", ["10.0.0.2"], "10.0.0.1"),
        # CIDR trust, IPv4 and IPv6.
        ("10.200.3.4", "203.0.113.9", PROXIES, "203.0.113.9"),
        ("2001:db8:ffff::5", "2001:db8:1::9", PROXIES, "2001:db8:1::9"),
        ("2001:db8:ffff::5", "2001:db8:1::9, 2001:db8:ffff::6", PROXIES, "2001:db8:1::9"),
        ("2001:db8:eeee::5", "2001:db8:1::9", PROXIES, "2001:db8:eeee::5"),
        # Brackets, ports, zone ids, quotes.
        ("10.0.0.1", "[2001:db8::1]:443", PROXY, "2001:db8::1"),
        ("10.0.0.1", "[2001:db8::1]", PROXY, "2001:db8::1"),
        ("10.0.0.1", "203.0.113.9:8080", PROXY, "203.0.113.9"),
        ("10.0.0.1", '"[2001:db8::1]:443"', PROXY, "2001:db8::1"),
        ("10.0.0.1", "fe80::1%eth0", PROXY, "fe80::1"),
        ("10.0.0.1", "::ffff:203.0.113.9", PROXY, "203.0.113.9"),
        ("[2001:db8::1]:443", None, [], "2001:db8::1"),
        ("1.2.3.4:8080", None, [], "1.2.3.4"),
        # Duplicate headers arrive comma-joined; empty entries are skipped.
        ("10.0.0.1", "203.0.113.9,203.0.113.9", PROXY, "203.0.113.9"),
        ("10.0.0.1", "1.1.1.1,,203.0.113.9,", PROXY, "203.0.113.9"),
        # Garbage: never raises; an invalid hop ends the walk (nothing left of it is believable).
        ("10.0.0.1", "unknown", PROXY, None),
        ("10.0.0.1", "203.0.113.9, garbage", PROXY, None),
        ("10.0.0.1", "garbage, 203.0.113.9", PROXY, "203.0.113.9"),
        ("10.0.0.1", "<script>alert(1)</script>", PROXY, None),
        ("10.0.0.1", "[2001:db8::1", PROXY, None),
        ("10.0.0.1", "[2001:db8::1]x", PROXY, None),
        ("10.0.0.1", "[2001:db8::1]:http", PROXY, None),
        ("10.0.0.1", "1.2.3.4:", PROXY, None),
        ("10.0.0.1", "1.2.3.4:²", PROXY, None),
        ("10.0.0.1", "1.2.3.4:1234567", PROXY, None),
        ("10.0.0.1", "01.2.3.4", PROXY, None),
        ("10.0.0.1", "256.1.1.1", PROXY, None),
        ("10.0.0.1", "example.com", PROXY, None),  # no DNS, just invalid
        ("10.0.0.1", "9" * 10_000, PROXY, None),
        ("10.0.0.1", TEN_KB, PROXY, "1.2.3.4"),
        ("10.0.0.1", "x" * 10_000 + ", 203.0.113.9", PROXY, "203.0.113.9"),
        (None, "203.0.113.9", PROXY, None),
        ("", None, [], None),
        ("garbage", "203.0.113.9", PROXY, None),
        ("<script>", None, [], None),
        ("x" * 10_000, None, [], None),
    ],
)
def test_client_ip(remote_addr, forwarded_for, trusted, expected):
    assert client_ip(remote_addr, forwarded_for, trusted) == expected


def test_invalid_trusted_entries_are_ignored_with_a_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="sessions_ui.client"):
        assert client_ip("10.0.0.1", "203.0.113.9", ["not-a-net", "10.0.0.0/8"]) == "203.0.113.9"
        assert client_ip("10.0.0.1", "203.0.113.9", ["not-a-net", "10.0.0.0/8"]) == "203.0.113.9"
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 1  # parsed once per distinct setting
    assert "not-a-net" in messages[0]


def test_trusted_proxies_as_a_comma_string():
    assert client_ip("10.0.0.1", "203.0.113.9", "10.0.0.1,10.0.0.2") == "203.0.113.9"


def test_host_bits_in_trusted_network_are_accepted():
    assert client_ip("10.1.2.3", "203.0.113.9", ["10.0.0.1/8"]) == "203.0.113.9"


def test_parse_ip_returns_ipaddress_objects():
    assert str(parse_ip("[2001:db8::1]:443")) == "2001:db8::1"
    assert parse_ip("nope") is None


# --- client_from_request -----------------------------------------------------------------


@pytest.fixture
def rf():
    return RequestFactory()


def test_request_without_proxies(rf, settings):
    settings.TRUSTED_PROXIES = []
    request = rf.get(
        "/",
        REMOTE_ADDR="198.51.100.7",
        headers={"user-agent": "Mozilla/5.0 Test", "x-forwarded-for": "203.0.113.9"},
    )
    assert client_from_request(request) == ClientInfo(
        ip="198.51.100.7", user_agent="Mozilla/5.0 Test"
    )


def test_request_behind_trusted_proxy(rf, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    request = rf.get(
        "/",
        REMOTE_ADDR="10.0.0.1",
        headers={"x-forwarded-for": "1.1.1.1, 203.0.113.9, 10.0.0.2"},
    )
    assert client_from_request(request).ip == "203.0.113.9"


def test_request_spoofed_forwarded_for_from_untrusted_peer(rf, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    request = rf.get("/", REMOTE_ADDR="198.51.100.7", headers={"x-forwarded-for": "10.0.0.5"})
    assert client_from_request(request).ip == "198.51.100.7"


def test_request_duplicate_forwarded_for_headers(rf, settings):
    """WSGI servers join repeated headers with commas; the right-most still wins."""
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.1.1.1,203.0.113.9")
    assert client_from_request(request).ip == "203.0.113.9"


def test_request_immich_headers(rf, settings):
    settings.TRUSTED_PROXIES = []
    request = rf.get(
        "/",
        REMOTE_ADDR="198.51.100.7",
        headers={
            "user-agent": "Immich_Android_1.132.3",
            "deviceModel": "Pixel 8",
            "deviceType": "Android",
        },
    )
    assert client_from_request(request) == ClientInfo(
        ip="198.51.100.7",
        user_agent="Immich_Android_1.132.3",
        device_model="Pixel 8",
        device_type="Android",
    )


def test_request_text_is_cut_and_cleaned(rf, settings):
    settings.TRUSTED_PROXIES = []
    request = rf.get(
        "/",
        REMOTE_ADDR="198.51.100.7",
        headers={
            "user-agent": "A" * 100_000,
            "deviceModel": "M" * 1000,
            "deviceType": "T" * 1000,
        },
    )
    info = client_from_request(request)
    assert info.user_agent == "A" * 512
    assert info.device_model == "M" * 64
    assert info.device_type == "T" * 32


def test_request_control_characters_are_dropped(rf, settings):
    settings.TRUSTED_PROXIES = []
    request = rf.get("/", REMOTE_ADDR="198.51.100.7", HTTP_USER_AGENT="Evil\x00UA\r\nX-Injected: 1")
    assert client_from_request(request).user_agent == "EvilUAX-Injected: 1"


def test_request_garbage_everywhere(rf, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "bogus"]
    request = rf.get(
        "/",
        REMOTE_ADDR="10.0.0.1",
        headers={
            "x-forwarded-for": "<script>alert(1)</script>",
            "user-agent": "<script>alert(1)</script>",
        },
    )
    info = client_from_request(request)
    assert info.ip is None
    assert info.user_agent == "<script>alert(1)</script>"  # escaped on output, not here


def test_request_without_any_headers(rf, settings):
    settings.TRUSTED_PROXIES = []
    request = rf.get("/")
    del request.META["REMOTE_ADDR"]
    assert client_from_request(request) == ClientInfo(ip=None, user_agent="")
