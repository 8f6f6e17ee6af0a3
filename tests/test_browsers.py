"""The browser's own id (sessions_ui.browsers): set at sign-in, kept across sign-ins, stored only
as a fingerprint, and what it tells the person on Enhetsaktivitet."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.conf import settings
from django.test import Client

from accounts.models import EventKind, SecurityEvent
from tests import agents
from tests.api_support import app_client, token_for
from tests.conftest import PASSWORD, browser_fingerprint_of, sign_in

pytestmark = pytest.mark.django_db

DEVICES = "/account/security/devices/"
NAME = settings.BROWSER_COOKIE_NAME


def fingerprints(user) -> list[str]:
    events = SecurityEvent.objects.filter(user=user, kind=EventKind.SIGN_IN).order_by("id")
    return [event.details.get("browser") for event in events]


def log_in(client: Client, email: str) -> object:
    response = client.post("/accounts/login/", {"login": email, "password": PASSWORD})
    assert response.status_code == 302
    return response


def test_signing_in_gives_the_browser_an_id_kept_only_as_its_fingerprint(user):
    client = Client(HTTP_USER_AGENT=agents.CHROME_WINDOWS, REMOTE_ADDR=agents.IP_STOCKHOLM)
    morsel = log_in(client, user.email).cookies[NAME]
    assert NAME == "__Host-browser"  # production settings: Secure, so the __Host- prefix
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", morsel.value)
    assert morsel["httponly"] and morsel["secure"] and morsel["samesite"] == "Lax"
    assert morsel["path"] == "/" and not morsel["domain"]
    assert morsel["max-age"] == 400 * 24 * 3600
    assert fingerprints(user) == [browser_fingerprint_of(client)]
    assert browser_fingerprint_of(client) == hashlib.sha256(morsel.value.encode()).hexdigest()
    stored = list(SecurityEvent.objects.values_list("details", flat=True))
    assert morsel.value not in repr(stored)


def test_the_same_browser_keeps_its_id_from_one_sign_in_to_the_next(user):
    client = sign_in(user.email)
    first = client.cookies[NAME].value
    client.post("/accounts/logout/")
    renewed = log_in(client, user.email).cookies[NAME]
    assert renewed.value == first  # renewed, not replaced
    one, two = fingerprints(user)
    assert one == two


def test_a_malformed_id_is_replaced(user):
    client = Client(HTTP_USER_AGENT=agents.CHROME_WINDOWS, REMOTE_ADDR=agents.IP_STOCKHOLM)
    client.cookies[NAME] = "x" * 500
    value = log_in(client, user.email).cookies[NAME].value
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", value)
    assert fingerprints(user) == [browser_fingerprint_of(client)]


def test_only_a_sign_in_sets_the_cookie(user):
    anonymous = Client()
    assert NAME not in anonymous.get("/accounts/login/").cookies
    browser = sign_in(user.email)
    assert NAME not in browser.get(DEVICES).cookies


def test_the_app_gets_no_browser_id(user):
    client = app_client()
    token_for(client, user.email)
    assert NAME not in client.cookies
    assert fingerprints(user) == [None]


def test_a_stranger_with_the_same_kind_of_browser_is_an_unknown_device_on_the_page(user):
    """Anna's Chrome on Windows signs in again: nothing to say. A stranger's Chrome on Windows
    from the very same address: "Okänd enhet", naming why."""
    anna = sign_in(user.email)
    anna.post("/accounts/logout/")
    log_in(anna, user.email)
    stranger = sign_in(user.email)
    html = anna.get(DEVICES).content.decode()
    assert html.count('data-flag="new_device"') == 1
    assert "första inloggningen från den här webbläsaren" in html
    assert "Chrome på Windows har loggat in förut, men på en annan enhet" in html
    card = html.index(f'data-session="{stranger_session(stranger)}"')
    assert html.index('data-flag="new_device"') > card


def stranger_session(client: Client) -> str:
    from sessions_ui.keys import hash_key
    from sessions_ui.models import Session

    key = client.cookies["sessionid"].value
    return str(Session.objects.get(key_hash=hash_key(key)).public_id)
