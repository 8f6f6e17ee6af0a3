"""accounts/templatetags/support.py and templates/support.html: "Kontakta support" is a link to
the support address on every page that offers help, allauth's own pages included."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

LINK = 'href="mailto:support@pixelunion.example"'


def test_the_reset_pages_link_to_support(client: Client, user, settings):
    settings.SUPPORT_EMAIL = "support@pixelunion.example"
    page = client.get("/accounts/password/reset/").content.decode()
    assert LINK in page and "Kontakta support" in page
    client.post("/accounts/password/reset/", {"email": user.email})
    done = client.get("/accounts/password/reset/done/").content.decode()
    assert LINK in done and "titta i skräpposten" in done


def test_the_verification_page_links_to_support(client: Client, settings):
    settings.SUPPORT_EMAIL = "support@pixelunion.example"
    page = client.get("/accounts/confirm-email/").content.decode()
    assert LINK in page and "Kontakta support" in page


def test_the_address_comes_from_the_settings(client: Client, settings):
    settings.SUPPORT_EMAIL = "hjalp@example.org"
    page = client.get("/accounts/password/reset/").content.decode()
    assert 'href="mailto:hjalp@example.org"' in page


def test_kontosakerhet_and_enhetsaktivitet_still_link_to_support(browser, settings):
    settings.SUPPORT_EMAIL = "support@pixelunion.example"
    for path in ("/account/security/", "/account/security/devices/"):
        assert LINK in browser.get(path).content.decode(), path
