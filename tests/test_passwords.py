"""A new password ends every other session; the current one keeps going with a new key."""

from __future__ import annotations

import re

import pytest

from sessions_ui.keys import hash_key
from sessions_ui.models import Session
from tests import agents
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_password_change_ends_other_sessions_and_keeps_this_one(user, password, browser, phone):
    old_key = browser.cookies["sessionid"].value
    response = browser.post(
        "/accounts/password/change/",
        {
            "oldpassword": password,
            "password1": "Ett helt nytt lösenord 99",
            "password2": "Ett helt nytt lösenord 99",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "1 annan enhet loggades ut." in re.sub(r"\s+", " ", response.content.decode())
    new_key = browser.cookies["sessionid"].value
    assert new_key != old_key
    assert not Session.objects.filter(key_hash=hash_key(old_key)).exists()
    assert list(Session.objects.filter(user=user).values_list("key_hash", flat=True)) == [
        hash_key(new_key)
    ]
    assert browser.get("/account/security/").status_code == 200
    assert phone.get("/account/security/").status_code == 302


def test_password_reset_ends_every_session(user, browser, phone, mailoutbox, client):
    client.post("/accounts/password/reset/", {"email": user.email})
    link = re.search(
        r"https?://[^/]+(/accounts/password/reset/key/\S+)", mailoutbox[-1].body
    ).group(1)
    form = client.get(link, follow=True)
    action = form.redirect_chain[-1][0] if form.redirect_chain else link
    client.post(
        action, {"password1": "Återställt lösenord 77", "password2": "Återställt lösenord 77"}
    )
    assert not Session.objects.filter(user=user).exists()
    assert browser.get("/account/security/").status_code == 302
    assert phone.get("/account/security/").status_code == 302
    sign_in(user.email, "Återställt lösenord 77", user_agent=agents.FIREFOX_LINUX)
