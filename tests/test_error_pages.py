"""Error pages (pixelunion/views.py): a clear answer in the product's language, no traceback."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_unknown_page_is_a_swedish_404(client):
    response = client.get("/finns-inte/")
    assert response.status_code == 404
    assert "Sidan hittades inte" in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_bad_host_is_a_plain_400(client):
    response = client.get("/account/security/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "Felaktig begäran" in response.content.decode()


def test_session_404_message_is_shown(browser):
    response = browser.get("/account/security/devices/00000000-0000-0000-0000-000000000000/sign-out/")
    assert response.status_code == 404
    assert "Det finns ingen sådan session på ditt konto." in response.content.decode()
