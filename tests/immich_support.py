"""Fixtures for the Immich tests: the stand-in (tests/immich_standin.py) beside a live server,
Immich registered as a client, and a sign-in that goes the way Immich's goes."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import requests

from immich.clients import MOBILE_CALLBACK, ensure_immich_client
from tests.immich_standin import ImmichStandin

SECRET = "immich-test-client-secret"
ANDROID_APP = {"User-Agent": "immich-android/3.2.2", "deviceModel": "Pixel 8", "deviceType": "Android"}


@pytest.fixture
def immich(live_server, settings):
    """The stand-in, with PixelUnion (the live server) as its OpenID Connect provider."""
    standin = ImmichStandin(issuer=live_server.url, client_secret=SECRET).start()
    settings.OIDC_ISSUER = live_server.url
    settings.IMMICH_URL = standin.url
    settings.IMMICH_API_KEY = standin.add_admin_key()
    settings.IMMICH_OIDC_CLIENT_SECRET = SECRET
    settings.BACKCHANNEL_FIRST_DELAY = 1
    ensure_immich_client(secret=SECRET, immich_url=standin.url)
    yield standin
    standin.stop()


def authorize(standin: ImmichStandin, browser, redirect_uri: str):
    """Immich's authorize step, then the user's browser at our authorization endpoint."""
    started = requests.post(f"{standin.url}/api/oauth/authorize", json={"redirectUri": redirect_uri}, timeout=10)
    assert started.status_code == 201, started.text
    url = urlsplit(started.json()["url"])
    return browser.get(f"{url.path}?{url.query}")


def immich_sign_in(standin: ImmichStandin, browser, *, mobile: bool = False, headers: dict | None = None) -> dict:
    """Sign in to the stand-in through PixelUnion: its LoginResponseDto (accessToken, …)."""
    redirect_uri = MOBILE_CALLBACK if mobile else f"{standin.url}/auth/login"
    response = authorize(standin, browser, redirect_uri)
    assert response.status_code == 302, response.content[:300]
    callback = response["Location"]
    # oauthlib writes app.immich:///oauth-callback as app.immich:/oauth-callback (same URI, empty
    # authority dropped); the app matches its scheme only.
    expected = "app.immich:" if mobile else redirect_uri
    assert callback.startswith(expected) and "code=" in callback, callback
    login = requests.post(f"{standin.url}/api/oauth/callback", json={"url": callback}, headers=headers or {}, timeout=10)
    assert login.status_code == 201, login.text
    return login.json()


from tests.task_worker import run_worker  # noqa: E402,F401 - the Immich tests import it from here
