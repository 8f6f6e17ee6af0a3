"""The OpenID Connect provider, driven by an independent client (Authlib) as Immich drives it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from django.test import Client

from immich.models import Authorization
from sessions_ui.models import ClientKind, Session
from tests.conftest import sign_in
from tests.immich_standin import verified_claims
from tests.immich_support import SECRET, authorize, immich_sign_in
from tests.two_factor_support import add_authenticator, pass_code_step
from tests.webauthn_support import SoftAuthenticator, assert_with, register_passkey


def _client(standin, redirect_uri):
    return OAuth2Session(
        "immich", SECRET, scope="openid email profile", redirect_uri=redirect_uri,
        code_challenge_method="S256", token_endpoint_auth_method="client_secret_post",
    )


class TestDiscovery:
    def test_discovery_advertises_code_pkce_and_back_channel_logout(self, immich, live_server):
        meta = requests.get(f"{live_server.url}/.well-known/openid-configuration", timeout=5).json()
        assert meta["issuer"] == live_server.url
        assert meta["code_challenge_methods_supported"] == ["S256"]
        assert meta["backchannel_logout_supported"] is True
        assert meta["backchannel_logout_session_supported"] is True
        keys = requests.get(meta["jwks_uri"], timeout=5).json()["keys"]
        assert keys and keys[0]["kty"] == "RSA" and "d" not in keys[0]


class TestCodeFlow:
    def test_code_pkce_token_and_id_token_as_immich_checks_it(self, immich, user, live_server):
        browser = sign_in(user.email)
        meta = requests.get(f"{live_server.url}/.well-known/openid-configuration", timeout=5).json()
        redirect = f"{immich.url}/auth/login"
        oauth = _client(immich, redirect)
        verifier = "v" * 64
        url, state = oauth.create_authorization_url(meta["authorization_endpoint"], code_verifier=verifier, nonce="n-0S6_WzA2Mj")
        parts = urlsplit(url)
        assert parse_qs(parts.query)["code_challenge_method"] == ["S256"]
        response = browser.get(f"{parts.path}?{parts.query}")
        assert response.status_code == 302
        token = oauth.fetch_token(meta["token_endpoint"], authorization_response=response["Location"], code_verifier=verifier)
        claims = verified_claims(
            token["id_token"],
            requests.get(meta["jwks_uri"], timeout=5).json(),
            iss=live_server.url,
            aud="immich",
            nonce="n-0S6_WzA2Mj",
        )
        assert claims["sub"] == str(user.pk)
        assert claims["email"] == user.email and claims["email_verified"] is True
        assert claims["name"]
        assert claims["amr"] == ["pwd"] and claims["acr"] == "1"
        row = Session.objects.get(public_id=claims["sid"])
        assert row.user == user and row.client == ClientKind.IMMICH
        assert row.browser == "Chrome" and row.os == "Windows"  # the browser that approved it

    def test_a_wrong_verifier_gets_no_token(self, immich, user, live_server):
        browser = sign_in(user.email)
        meta = requests.get(f"{live_server.url}/.well-known/openid-configuration", timeout=5).json()
        oauth = _client(immich, f"{immich.url}/auth/login")
        url, _ = oauth.create_authorization_url(meta["authorization_endpoint"], code_verifier="a" * 64)
        parts = urlsplit(url)
        code = parse_qs(urlsplit(browser.get(f"{parts.path}?{parts.query}")["Location"]).query)["code"][0]
        answer = requests.post(meta["token_endpoint"], data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": f"{immich.url}/auth/login",
            "client_id": "immich", "client_secret": SECRET, "code_verifier": "b" * 64}, timeout=5)
        assert answer.status_code == 400 and "id_token" not in answer.text
        assert not Session.objects.filter(client=ClientKind.IMMICH).exists()

    def test_the_mobile_redirect_uri(self, immich, user):
        login = immich_sign_in(immich, sign_in(user.email), mobile=True)
        assert login["_claims"]["sid"]
        assert Authorization.objects.get().mobile is True

    def test_the_mobile_redirect_override_form(self, immich, user):
        response = authorize(immich, sign_in(user.email), f"{immich.url}/api/oauth/mobile-redirect")
        assert response.status_code == 302
        assert response["Location"].startswith(f"{immich.url}/api/oauth/mobile-redirect?code=")
        assert Authorization.objects.get().mobile is True

    def test_a_wrong_redirect_uri_is_refused(self, immich, user):
        response = authorize(immich, sign_in(user.email), "https://evil.example/auth/login")
        # allauth shows the error on its own page and never redirects to the unknown address.
        assert response.status_code in (200, 400) and "Location" not in response
        assert "redirect" in response.content.decode().lower()
        assert not Authorization.objects.exists()

    def test_a_reused_code_is_refused(self, immich, user, live_server):
        browser = sign_in(user.email)
        meta = requests.get(f"{live_server.url}/.well-known/openid-configuration", timeout=5).json()
        oauth = _client(immich, f"{immich.url}/auth/login")
        url, _ = oauth.create_authorization_url(meta["authorization_endpoint"], code_verifier="c" * 64)
        parts = urlsplit(url)
        code = parse_qs(urlsplit(browser.get(f"{parts.path}?{parts.query}")["Location"]).query)["code"][0]
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": f"{immich.url}/auth/login",
                "client_id": "immich", "client_secret": SECRET, "code_verifier": "c" * 64}
        first = requests.post(meta["token_endpoint"], data=form, timeout=5)
        assert first.status_code == 200 and "id_token" in first.json()
        again = requests.post(meta["token_endpoint"], data=form, timeout=5)
        assert again.status_code == 400 and "id_token" not in again.text
        assert Session.objects.filter(client=ClientKind.IMMICH).count() == 1


class TestTwoFactor:
    def test_no_code_without_the_code_step(self, immich, user):
        add_authenticator(user)
        browser = sign_in(user.email)  # password only: the code is still owed
        response = authorize(immich, browser, f"{immich.url}/auth/login")
        assert "code=" not in response.get("Location", "")
        assert not Authorization.objects.exists()

    def test_after_the_code_step_amr_says_two_factors(self, immich, user):
        device = add_authenticator(user)
        browser = sign_in(user.email)
        pass_code_step(browser, device)
        claims = immich_sign_in(immich, browser)["_claims"]
        assert claims["amr"] == ["pwd", "otp", "mfa"] and claims["acr"] == "2"

    def test_a_passkey_after_the_password_says_hwk(self, immich, user):
        authenticator = SoftAuthenticator()
        assert register_passkey(sign_in(user.email), authenticator).status_code == 200
        browser = sign_in(user.email)
        assert assert_with(browser, authenticator).status_code == 200
        claims = immich_sign_in(immich, browser)["_claims"]
        assert claims["amr"] == ["pwd", "hwk", "user", "mfa"] and claims["acr"] == "2"

    def test_a_passkey_alone_says_hwk_user_without_pwd(self, immich, user):
        authenticator = SoftAuthenticator()
        assert register_passkey(sign_in(user.email), authenticator).status_code == 200
        browser = Client()
        assert assert_with(browser, authenticator).status_code == 200
        claims = immich_sign_in(immich, browser)["_claims"]
        assert claims["amr"] == ["hwk", "user", "mfa"] and claims["acr"] == "2"


pytestmark = pytest.mark.django_db(transaction=True)
