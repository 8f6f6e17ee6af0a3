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


# --- emailed links come from SITE_URL -------------------------------------------------------------
SITE = "https://konto.pixelunion.example"
# An allowed host with a port of the attacker's choosing: ALLOWED_HOSTS ignores the port.
HOSTILE_HOST = "localhost:6666"


def links_in(message) -> list[str]:
    import re

    return re.findall(r"https?://[^\s\"'<>]+", message.body)


@pytest.mark.django_db
def test_the_password_reset_link_is_built_from_site_url(settings, user, mailoutbox):
    settings.SITE_URL = SITE
    browser = Client(HTTP_HOST=HOSTILE_HOST)
    response = browser.post("/accounts/password/reset/", {"email": user.email})
    assert response.status_code == 302
    (message,) = mailoutbox
    links = links_in(message)
    assert links and all(link.startswith(f"{SITE}/") for link in links), links
    assert HOSTILE_HOST not in message.body
    assert any("/accounts/password/reset/key/" in link for link in links)


@pytest.mark.django_db
def test_the_unknown_account_mail_links_to_site_url_too(settings, mailoutbox, db):
    settings.SITE_URL = SITE
    settings.ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = True
    Client(HTTP_HOST=HOSTILE_HOST).post("/accounts/password/reset/", {"email": "vem@example.com"})
    (message,) = mailoutbox
    assert links_in(message) and all(link.startswith(f"{SITE}/") for link in links_in(message))
    assert HOSTILE_HOST not in message.body


@pytest.mark.django_db
def test_the_email_confirmation_link_is_built_from_site_url(settings, mailoutbox):
    settings.SITE_URL = SITE
    browser = Client(HTTP_HOST=HOSTILE_HOST)
    response = browser.post(
        "/accounts/signup/",
        {"email": "ny@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302, response.content[:500]
    (message,) = mailoutbox
    links = links_in(message)
    assert any("/accounts/confirm-email/" in link for link in links), message.body
    assert all(link.startswith(f"{SITE}/") for link in links) and HOSTILE_HOST not in message.body
