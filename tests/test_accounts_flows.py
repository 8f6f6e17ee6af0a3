"""allauth flows with email as the login: sign up, verify, sign in, sign out."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from sessions_ui.models import Session
from tests import agents

pytestmark = pytest.mark.django_db


def test_sign_up_verify_email_sign_out_and_in(mailoutbox):
    visitor = Client(HTTP_USER_AGENT=agents.FIREFOX_LINUX, REMOTE_ADDR=agents.IP_BRITAIN)
    page = visitor.get("/accounts/signup/")
    assert page.status_code == 200 and "Skapa konto" in page.content.decode()
    response = visitor.post(
        "/accounts/signup/",
        {
            "email": "cecilia@example.com",
            "password1": "Sju sjösjuka sjömän 7",
            "password2": "Sju sjösjuka sjömän 7",
        },
    )
    assert response.status_code == 302
    assert visitor.get("/account/security/").status_code == 302, "unverified: not signed in"
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", mailoutbox[0].body).group(1)
    visitor.post(link)
    hub = visitor.get("/account/security/")
    assert hub.status_code == 200
    row = Session.objects.get(user__email="cecilia@example.com")
    assert (row.browser, row.os, row.country_code) == ("Firefox", "Linux", "GB")

    visitor.post("/accounts/logout/")
    assert not Session.objects.filter(user__email="cecilia@example.com").exists()
    assert visitor.get("/account/security/").status_code == 302

    again = visitor.post(
        "/accounts/login/", {"login": "cecilia@example.com", "password": "Sju sjösjuka sjömän 7"}
    )
    assert again.status_code == 302 and again["Location"] == "/account/security/"


def test_wrong_password_is_refused_in_swedish(user):
    visitor = Client()
    response = visitor.post("/accounts/login/", {"login": user.email, "password": "fel"})
    assert response.status_code == 200
    assert "lösenord" in response.content.decode().lower()
    assert not Session.objects.filter(user=user).exists()


def test_expired_sessions_are_neither_listed_nor_accepted(user, browser, phone):
    from datetime import timedelta

    from django.utils import timezone

    from sessions_ui.keys import hash_key

    phone_hash = hash_key(phone.cookies["sessionid"].value)
    Session.objects.filter(key_hash=phone_hash).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    page = browser.get("/account/security/devices/").content.decode()
    assert "Safari på iPhone" not in page
    assert phone.get("/account/security/").status_code == 302
