"""Helpers for the API tests: the Immich app as a client, tokens, and TOTP codes."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from tests import agents
from tests.conftest import PASSWORD

LOGIN = "/api/auth/login"
LOGOUT = "/api/auth/logout"
SESSIONS = "/api/sessions"

# What the Immich Android app sends with every request.
APP_HEADERS = {"deviceModel": "Pixel 8", "deviceType": "android"}


def app_client(ip: str = agents.IP_STOCKHOLM, user_agent: str = agents.IMMICH_ANDROID) -> Client:
    """The Immich app on a Pixel 8: its user agent and headers, no cookie jar in use."""
    return Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip, headers=APP_HEADERS)


def post_json(client: Client, path: str, body: Any, **extra):
    return client.post(path, json.dumps(body), content_type="application/json", **extra)


def login(client: Client, email: str, password: str = PASSWORD, **body: Any):
    return post_json(client, LOGIN, {"email": email, "password": password, **body})


def token_for(client: Client, email: str, password: str = PASSWORD, **body: Any) -> str:
    response = login(client, email, password, **body)
    assert response.status_code == 201, response.content
    return response.json()["accessToken"]


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def assert_error(response, status: int) -> dict:
    """The one error shape of the API: JSON, never HTML."""
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert set(body) == {"message", "statusCode", "error"}
    assert body["statusCode"] == status and body["message"] and body["error"]
    return body


def confirmed_totp(user):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True, tolerance=0)


def current_code(device) -> str:
    """The device's code for the current step (call under a frozen clock)."""
    from django_otp.oath import totp

    code = totp(
        device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift
    )
    return str(code).zfill(device.digits)
