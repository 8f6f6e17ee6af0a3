"""accounts.passkeys: names, factors, and what removing one does to 2FA and to this session."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp_webauthn.models import WebAuthnCredential

from accounts.passkeys import clean_name, is_last_factor, passkey_of, remove_passkey
from accounts.two_factor import remaining_factor
from sessions_ui.revocation import session_store_class
from tests.conftest import make_account
from tests.two_factor_support import add_authenticator

pytestmark = pytest.mark.django_db


def passkey(user, name="iPhone", n=1) -> WebAuthnCredential:
    return WebAuthnCredential.objects.create(
        user=user, name=name, credential_id=bytes([n]) * 32, public_key=b"k", confirmed=True
    )


def request_of(user, device=None):
    request = RequestFactory().post("/")
    request.user = user
    request.session = session_store_class()()
    if device is not None:
        request.session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    return request


class TestCleanName:
    @pytest.mark.parametrize(
        "typed, kept",
        [("  iPhone  ", "iPhone"), ("Annas\n\tMac", "Annas Mac"), ("x" * 100, "x" * 64), (None, "")],
    )
    def test_spaces_collapse_and_length_is_capped(self, typed, kept):
        assert clean_name(typed) == kept


class TestFactors:
    def test_the_last_passkey_is_the_last_factor_unless_there_is_an_app(self):
        user = make_account("anna@example.com")
        first = passkey(user)
        assert is_last_factor(user, first)
        second = passkey(user, "Mac", 2)
        assert not is_last_factor(user, first) and remaining_factor(user, exclude=first) == second
        WebAuthnCredential.objects.filter(pk=second.pk).delete()
        add_authenticator(user)
        assert not is_last_factor(user, first)

    def test_passkey_of_finds_only_ones_own(self):
        user, other = make_account("anna@example.com"), make_account("bo@example.com")
        theirs = passkey(other)
        assert passkey_of(user, theirs.pk) is None and passkey_of(other, theirs.pk) == theirs
        assert passkey_of(user, "1 OR 1=1") is None


class TestRemove:
    def test_a_session_verified_by_the_removed_passkey_keeps_the_remaining_factor(self):
        user = make_account("anna@example.com")
        totp = add_authenticator(user)
        used = passkey(user)
        request = request_of(user, used)
        assert remove_passkey(request, used) is False
        assert request.session[DEVICE_ID_SESSION_KEY] == totp.persistent_id

    def test_removing_the_last_factor_leaves_the_session_unverified_and_says_so(self):
        user = make_account("anna@example.com")
        used = passkey(user)
        request = request_of(user, used)
        assert remove_passkey(request, used) is True
        assert DEVICE_ID_SESSION_KEY not in request.session
        assert not WebAuthnCredential.objects.exists()
