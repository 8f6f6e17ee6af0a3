"""allauth's pages speak our Swedish: "E-postadress", never "Epost-adress" or "ett mail"."""

from __future__ import annotations

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

ALLAUTH_VOICE = re.compile(r"[Ee]post|\bmail(et)?\b|Vänligen|[Kk]ontakta oss")


def visible(response) -> str:
    html = re.sub(r'href="mailto:[^"]*"', "", response.content.decode())
    return re.sub(r"\s+", " ", html)


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]
)
def test_signed_out_pages_use_one_voice(client: Client, path):
    page = visible(client.get(path))
    assert ALLAUTH_VOICE.findall(page) == []


def test_a_wrong_password_is_said_in_our_words(client: Client, user):
    response = client.post("/accounts/login/", {"login": user.email, "password": "fel"})
    page = visible(response)
    assert "E-postadressen eller lösenordet stämmer inte." in page
    assert 'placeholder="E-postadress"' in page
    assert ALLAUTH_VOICE.findall(page) == []


def test_the_reset_page_sends_people_to_support(client: Client, user):
    client.post("/accounts/password/reset/", {"email": user.email})
    page = visible(client.get("/accounts/password/reset/done/"))
    assert "Kontakta support" in page
    assert ALLAUTH_VOICE.findall(page) == []
