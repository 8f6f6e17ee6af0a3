"""accounts.backends: the user and its 2FA status, loaded with one prepared query per request."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.backends import (
    AuthenticationBackend,
    ModelBackend,
    load_user_with_two_factor_status,
)
from accounts.two_factor import user_has_two_factor
from tests.conftest import make_account, sign_in
from tests.two_factor_support import add_authenticator

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("backend", [ModelBackend, AuthenticationBackend])
def test_the_user_is_the_one_the_orm_loads(backend, user, other_user):
    loaded = backend().get_user(user.pk)
    expected = get_user_model().objects.get(pk=user.pk)
    assert loaded == expected
    assert model_to_dict(loaded) == model_to_dict(expected)
    assert loaded.password == expected.password  # the session hash is checked against it
    assert loaded._state.adding is False and loaded._state.db == "default"
    assert backend().get_user(other_user.pk) == other_user


def test_two_factor_status_comes_with_the_user_and_is_read_fresh(user):
    assert user_has_two_factor(load_user_with_two_factor_status(user.pk)) is False
    add_authenticator(user)
    # Same connection, same compiled SQL: the status is read again, never remembered.
    assert user_has_two_factor(load_user_with_two_factor_status(user.pk)) is True
    TOTPDevice.objects.filter(user=user).update(confirmed=False)
    assert user_has_two_factor(load_user_with_two_factor_status(user.pk)) is False


def test_a_passkey_alone_is_two_factor_in_the_same_query(user, django_assert_num_queries):
    from django_otp_webauthn.models import WebAuthnCredential

    WebAuthnCredential.objects.create(
        user=user, name="iPhone", credential_id=b"x" * 32, public_key=b"k", confirmed=True
    )
    load_user_with_two_factor_status(user.pk)  # compiles for this connection
    with django_assert_num_queries(1):
        assert user_has_two_factor(load_user_with_two_factor_status(user.pk)) is True
    WebAuthnCredential.objects.filter(user=user).update(confirmed=False)
    assert user_has_two_factor(load_user_with_two_factor_status(user.pk)) is False


def test_someone_elses_authenticator_is_not_yours(user, other_user):
    add_authenticator(other_user)
    assert user_has_two_factor(load_user_with_two_factor_status(user.pk)) is False
    assert user_has_two_factor(load_user_with_two_factor_status(other_user.pk)) is True


def test_one_query_with_the_status_and_none_to_ask_again(user, django_assert_num_queries):
    load_user_with_two_factor_status(user.pk)  # compiles for this connection
    with CaptureQueriesContext(connection) as queries:
        loaded = load_user_with_two_factor_status(user.pk)
        user_has_two_factor(loaded)
    assert len(queries.captured_queries) == 1
    assert "otp_totp_totpdevice" in queries.captured_queries[0]["sql"]


def test_an_inactive_user_is_not_loaded(user):
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    assert ModelBackend().get_user(user.pk) is None
    assert AuthenticationBackend().get_user(user.pk) is None


@pytest.mark.parametrize("user_id", [None, "", "abc", "1; DROP TABLE auth_user", 10**12, -5])
def test_unknown_or_malformed_ids_load_nobody(user, user_id, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        assert ModelBackend().get_user(user_id) is None


def test_a_string_id_as_sessions_store_it_loads_the_user(user):
    assert ModelBackend().get_user(str(user.pk)) == user


def test_a_signed_in_browser_is_its_own_user_on_every_request(user, other_user):
    """The sessions name the project's backend; each request loads its own user."""
    anna, bo = sign_in(user.email), sign_in(other_user.email)
    for _ in range(2):
        assert anna.get("/account/security/").context["user"] == user
        assert bo.get("/account/security/").context["user"] == other_user


def test_a_deleted_user_signs_out_on_the_next_request(user):
    browser = sign_in(user.email)
    make_account("stays@example.com")
    get_user_model().objects.filter(pk=user.pk).delete()
    response = browser.get("/account/security/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
