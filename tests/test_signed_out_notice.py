"""A device signed out from elsewhere is told so on its next page (account_security.middleware)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from sessions_ui.keys import hash_key
from sessions_ui.models import EndedKey, Session

pytestmark = pytest.mark.django_db

NOTICE = "Du har loggats ut från den här enheten."
DEVICES = "/account/security/devices/"


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def phone_id(phone) -> str:
    key_hash = hash_key(phone.cookies["sessionid"].value)
    return str(Session.objects.get(key_hash=key_hash).public_id)


def test_the_next_page_of_a_device_signed_out_elsewhere_says_so(user, browser, phone):
    browser.post(f"{DEVICES}{phone_id(phone)}/sign-out/")
    response = phone.get("/account/security/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    assert NOTICE in text(response)
    # Once: the marker is gone, and so is the dead cookie.
    assert not EndedKey.objects.exists()
    assert NOTICE not in text(phone.get("/accounts/login/"))


def test_a_password_change_tells_the_other_devices(user, password, browser, phone):
    new = "Ett helt nytt lösenord 99"
    browser.post(
        "/accounts/password/change/",
        {"oldpassword": password, "password1": new, "password2": new},
    )
    assert NOTICE in text(phone.get("/account/security/", follow=True))


def test_signing_out_here_or_expiring_is_not_news(user, browser, phone):
    browser.post("/accounts/logout/")
    assert NOTICE not in text(browser.get("/account/security/", follow=True))
    Session.objects.filter(user=user).update(expire_date=timezone.now() - timedelta(seconds=1))
    call_command("clearsessions")
    assert NOTICE not in text(phone.get("/account/security/", follow=True))
    assert not EndedKey.objects.exists()


def test_an_unknown_or_malformed_cookie_is_just_a_login_page(client):
    client.cookies["sessionid"] = "x" * 32
    assert NOTICE not in text(client.get("/account/security/", follow=True))
    client.cookies["sessionid"] = "<script>"
    assert client.get("/account/security/").status_code == 302


def test_markers_older_than_a_session_can_live_are_forgotten(settings):
    old = timezone.now() - timedelta(seconds=settings.SESSION_ABSOLUTE_LIFETIME + 60)
    EndedKey.objects.create(key_hash="a" * 64, ended_at=old)
    EndedKey.objects.create(key_hash="b" * 64, ended_at=timezone.now())
    call_command("clearsessions")
    assert list(EndedKey.objects.values_list("key_hash", flat=True)) == ["b" * 64]
