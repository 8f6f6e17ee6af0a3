"""Every way a session ends leaves a tombstone in the cache, and the device is signed out at
its next request, with the row warm in Redis beforehand.

The JSON API (``DELETE /api/sessions``) calls the same ``sessions_ui.revocation`` functions;
``test_api_revocation_clears_the_cache`` checks it against the cache as well.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from sessions_ui.backends.session_cache import TOMBSTONE, cache_key
from sessions_ui.keys import hash_key
from sessions_ui.models import Session
from tests import agents
from tests.conftest import PASSWORD, make_account, sign_in

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.redis,
    pytest.mark.usefixtures("fresh_rate_limits"),
]

NEW_PASSWORD = "Ett helt annat lösenord 2025!"


def key_hash_of(browser: Client) -> str:
    return hash_key(browser.cookies["sessionid"].value)


def public_id_of(browser: Client):
    return Session.objects.get(key_hash=key_hash_of(browser)).public_id


def end_one(user, browser: Client, phone: Client) -> None:
    response = browser.post(reverse("account_security:sign_out", args=[public_id_of(phone)]))
    assert response.status_code == 302


def end_all_others(user, browser: Client, phone: Client) -> None:
    assert browser.post(reverse("account_security:sign_out_others")).status_code == 302


def change_password(user, browser: Client, phone: Client) -> None:
    response = browser.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302, response.content[:300]
    assert browser.get(reverse("account_security")).status_code == 200  # this one survives


def admin_action(user, browser: Client, phone: Client) -> None:
    support = make_account("support@example.com")
    get_user_model().objects.filter(pk=support.pk).update(is_staff=True, is_superuser=True)
    staff = sign_in(support.email)
    response = staff.post(
        reverse("admin:sessions_ui_session_changelist"),
        {
            "action": "end_sessions",
            "_selected_action": [Session.objects.get(key_hash=key_hash_of(phone)).pk],
        },
    )
    assert response.status_code == 302, response.content[:300]
    assert response["Location"] == reverse("admin:sessions_ui_session_changelist")


def sign_out_itself(user, browser: Client, phone: Client) -> None:
    assert phone.post(reverse("account_logout")).status_code == 302


@pytest.mark.parametrize(
    "revoke", [end_one, end_all_others, change_password, admin_action, sign_out_itself]
)
def test_every_revocation_path_tombstones_the_cache(redis_sessions, user, revoke):
    browser = sign_in(user.email)
    phone = sign_in(user.email, user_agent=agents.SAFARI_IPHONE, ip=agents.IP_GERMANY)
    victim = key_hash_of(phone)
    assert phone.get(reverse("account_security")).status_code == 200  # warm entry
    assert isinstance(redis_sessions.get(cache_key(victim)), tuple)

    revoke(user, browser, phone)

    assert redis_sessions.get(cache_key(victim)) == TOMBSTONE
    assert not Session.objects.filter(key_hash=victim).exists()
    response = phone.get(reverse("account_security"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_api_revocation_clears_the_cache(redis_sessions, user):
    url = reverse("api:sessions")
    from accounts.reauth import authentication_records
    from sessions_ui.client import ClientInfo
    from sessions_ui.signin import start_session

    # Signed in just now, as the API's sign-in does: inside the sudo window.
    app = start_session(
        user,
        ClientInfo(ip=agents.IP_GERMANY, user_agent=agents.IMMICH_ANDROID),
        extra=authentication_records(user),
    )
    other = start_session(user, ClientInfo(ip=agents.IP_BRITAIN, user_agent=agents.IMMICH_ANDROID))
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {app.session_key}"}
    other_bearer = {"HTTP_AUTHORIZATION": f"Bearer {other.session_key}"}
    client = Client()
    assert client.get(url, **other_bearer).status_code == 200  # warm entry
    assert client.delete(url, **bearer).status_code in (200, 204)
    assert caches["sessions"].get(cache_key(hash_key(other.session_key))) == TOMBSTONE
    assert client.get(url, **other_bearer).status_code == 401
