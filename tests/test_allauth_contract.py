"""The allauth internals the product relies on, checked against the installed allauth.

allauth offers no public way to do these (its own flows use them), so ``pyproject.toml`` pins
the floor to the version these tests passed on (65.22.1). If an upgrade renames or reshapes one
of them, these tests fail with a message that names it, rather than a sign-in breaking quietly:

* ``allauth.account.internal.flows.login.record_authentication``: writes the per-session
  authentication records that allauth's public ``get_authentication_records`` reads; the sudo
  window and the code step (``accounts.two_factor.record_code_entry``) write through it.
* ``allauth.core.internal.ratelimit.get_rates`` / ``get_cache_key``: where the "too many failed
  sign-ins" history lives, for the API's ``Retry-After`` (``api.signin.retry_after``).
* the login-attempt key of ``DefaultAccountAdapter._get_login_attempts_cache_key``, so the web
  form and the API count failures against one budget (``api.signin.login_attempts_key``).
* ``allauth.idp.oidc.internal.oauthlib.utils.get_validator_context().grant_id``: the grant
  being redeemed at the token endpoint, which ``populate_id_token`` is not given
  (``immich.signin``: the ``sid`` of the Immich session).
* ``allauth.core.internal.jwkkit.load_jwk_from_pem``: the provider's signing key as a JWK
  (``kid``) and a private key, to sign back-channel logout tokens (``immich.backchannel``).
"""

from __future__ import annotations

import inspect
import time

import pytest
from allauth.account.adapter import get_adapter
from allauth.account.authentication import get_authentication_records
from allauth.core import ratelimit
from django.core.cache import cache
from django.test import RequestFactory

from accounts.two_factor import record_code_entry
from api.signin import RATE_LIMIT_ACTION, login_attempts_key, retry_after

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_with_session(user):
    from importlib import import_module

    from django.conf import settings

    request = RequestFactory().post("/", REMOTE_ADDR="192.0.2.10")  # GETs are never limited
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    request.user = user
    return request


def test_record_authentication_is_what_get_authentication_records_reads(request_with_session):
    from allauth.account.internal.flows import login as flows

    parameters = list(inspect.signature(flows.record_authentication).parameters)
    assert parameters[:3] == ["request", "user", "method"], (
        "allauth.account.internal.flows.login.record_authentication changed its signature"
    )
    before = time.time()
    record_code_entry(request_with_session, "totp")
    [record] = get_authentication_records(request_with_session, request_with_session.user)
    assert record["method"] == "mfa" and record["type"] == "totp"
    assert record["at"] >= before


def test_the_rate_limit_history_is_where_retry_after_looks(request_with_session, settings):
    from allauth.core.internal import ratelimit as internal

    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, RATE_LIMIT_ACTION: "2/m/key"}
    cache.clear()
    key = login_attempts_key(request_with_session, "Someone@Example.com")
    [rate] = internal.get_rates(app="allauth.account", action=RATE_LIMIT_ACTION)
    cache_key = internal.get_cache_key(
        request_with_session, app="allauth.account", action=RATE_LIMIT_ACTION, rate=rate, key=key
    )
    assert ratelimit.consume(request_with_session, action=RATE_LIMIT_ACTION, key=key)
    assert ratelimit.consume(request_with_session, action=RATE_LIMIT_ACTION, key=key)
    assert len(cache.get(cache_key, [])) == 2, "allauth's rate-limit history moved"
    assert not ratelimit.consume(request_with_session, action=RATE_LIMIT_ACTION, key=key)
    assert 1 <= retry_after(request_with_session, key) <= 60


def test_the_api_counts_failures_under_the_login_forms_key(request_with_session):
    adapter = get_adapter(request_with_session)
    form_key = adapter._get_login_attempts_cache_key(
        request_with_session, email="Someone@Example.com"
    )
    assert login_attempts_key(request_with_session, "Someone@Example.com") == form_key


def test_the_validator_context_carries_the_grant_being_redeemed(rf):
    from allauth.core import context
    from allauth.idp.oidc.internal.oauthlib.utils import get_validator_context

    with context.request_context(rf.post("/identity/o/api/token")):
        ctx = get_validator_context()
        assert ctx.grant_id is None, "allauth's validator context lost its grant_id"
        ctx.grant_id = "grant-1"
        assert get_validator_context().grant_id == "grant-1", "the context is not per request"


def test_the_signing_key_loads_as_a_jwk_and_a_private_key():
    from allauth.core.internal import jwkkit
    from cryptography.hazmat.primitives.asymmetric import rsa

    from immich.provider import ImmichOIDCAdapter

    jwk, private_key = jwkkit.load_jwk_from_pem(ImmichOIDCAdapter().get_signing_key().pem)
    assert jwk["kty"] == "RSA" and jwk["kid"]
    assert isinstance(private_key, rsa.RSAPrivateKey)
