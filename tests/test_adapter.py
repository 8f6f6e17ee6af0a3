"""allauth's rate limits count the real client behind our trusted proxy, not the proxy."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.5"


def fail_logins(forwarded_for: list[str]) -> None:
    for i, ip in enumerate(forwarded_for):
        Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=ip).post(
            "/accounts/login/", {"login": f"nobody{i}@example.com", "password": "fel"}
        )


def signs_in(user, forwarded_for: str) -> bool:
    response = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for).post(
        "/accounts/login/", {"login": user.email, "password": PASSWORD}
    )
    return response.status_code == 302


@pytest.fixture
def tight_ip_limit(settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "3/m/ip"}


def test_one_attacker_behind_the_proxy_does_not_lock_out_everybody(settings, tight_ip_limit, user):
    settings.TRUSTED_PROXIES = [PROXY]
    fail_logins(["203.0.113.66"] * 4)
    assert not signs_in(user, "203.0.113.66"), "the attacker's own address is limited"
    assert signs_in(user, "198.51.100.7"), "another person behind the same proxy is not"


def test_an_untrusted_peer_cannot_pick_its_address(settings, tight_ip_limit, user):
    settings.TRUSTED_PROXIES = []
    fail_logins([f"198.51.100.{i}" for i in range(4)])
    assert not signs_in(user, "198.51.100.99"), "a spoofed X-Forwarded-For must not reset it"
