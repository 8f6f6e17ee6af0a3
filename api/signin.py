"""Signing the mobile app in: password (and second factor) in, a new app session out.

The token is the key of a new session of client kind ``app`` in the one session table (so it is
stored hashed, listed on Enhetsaktivitet, revocable and timed out like every session).

Failed attempts share allauth's ``login_failed`` rate limit with the web login form — the same
cache keys, per IP and per account — so the API is no side door for guessing passwords: the
password check goes through the account adapter's ``authenticate`` (which consumes and, on
success, rolls back one attempt), and a wrong second-factor code consumes one more.
"""

from __future__ import annotations

import math
import time
import uuid
from dataclasses import dataclass

from allauth.account import app_settings as account_settings
from allauth.account.adapter import get_adapter
from allauth.account.utils import has_verified_email
from allauth.core import ratelimit
from django.contrib.auth.models import update_last_login
from django.contrib.sites.shortcuts import get_current_site
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.reauth import authentication_records
from accounts.two_factor import user_has_two_factor
from api.auth import check_code, log_sign_in
from sessions_ui.client import client_from_request
from sessions_ui.models import ClientKind
from sessions_ui.signin import start_session

RATE_LIMIT_ACTION = "login_failed"


@dataclass(frozen=True, slots=True)
class AppSignIn:
    token: str
    user: object
    public_id: uuid.UUID


class SignInRefused(Exception):
    """The answer to a refused sign-in: an HTTP status, a message, maybe a Retry-After."""

    def __init__(self, status: int, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after


def sign_in_app(request: HttpRequest, email: str, password: str, code: str | None) -> AppSignIn:
    """Check the credentials and start an app session; raises :class:`SignInRefused`."""
    attempts_key = login_attempts_key(request, email)
    try:
        user = get_adapter(request).authenticate(request, email=email, password=password)
    except ValidationError as exc:
        if getattr(exc, "code", None) == "too_many_login_attempts":
            raise _rate_limited(request, attempts_key) from None
        raise
    if user is None:
        raise SignInRefused(401, _("Incorrect email or password."))
    if not user.is_active:  # allauth's backend leaves this to the login flow, as do we
        raise SignInRefused(401, _("This account is inactive."))
    if (
        account_settings.EMAIL_VERIFICATION == account_settings.EmailVerificationMethod.MANDATORY
        and not has_verified_email(user)
    ):
        raise SignInRefused(401, _("Confirm your email address before signing in."))

    extra: dict[str, str] = {}
    method = "password"
    if user_has_two_factor(user):
        if not code:
            raise SignInRefused(401, _("A two-factor code is required."))
        result = check_code(user, code, request)
        if result.retry_after is not None:
            raise SignInRefused(
                429, _("Too many wrong codes. Try again later."), retry_after=result.retry_after
            )
        if not result.accepted:
            # One more failed sign-in on allauth's shared per-IP and per-account budget.
            if not ratelimit.consume(request, action=RATE_LIMIT_ACTION, key=attempts_key):
                raise _rate_limited(request, attempts_key)
            raise SignInRefused(401, _("Incorrect two-factor code."))
        extra, method = result.session_data, result.method

    store = start_session(
        user,
        client_from_request(request),
        kind=ClientKind.APP,
        backend=getattr(user, "backend", None),
        extra={**extra, **authentication_records(user, method if method != "password" else None)},
    )
    update_last_login(None, user)
    log_sign_in(user, request, store, method)
    return AppSignIn(token=store.session_key, user=user, public_id=store.public_id)


def login_attempts_key(request: HttpRequest, email: str) -> str:
    """The per-account key of allauth's login form (``DefaultAccountAdapter.
    _get_login_attempts_cache_key``), so web and API failures count against one budget."""
    return f"{get_current_site(request).domain}:{email.lower()}"


def _rate_limited(request: HttpRequest, attempts_key: str) -> SignInRefused:
    return SignInRefused(
        429,
        _("Too many failed sign-in attempts. Try again later."),
        retry_after=retry_after(request, attempts_key),
    )


def retry_after(request: HttpRequest, attempts_key: str) -> int:
    """Seconds until the blocking ``login_failed`` window lets one more attempt through.

    Reads allauth's own history lists (newest first); if their shape ever changes, the answer
    falls back to the longest window, which is never too early.
    """
    from allauth.core.internal import ratelimit as internal

    rates = internal.get_rates(app="allauth.account", action=RATE_LIMIT_ACTION)
    longest = max((rate.duration for rate in rates), default=60)
    try:
        now = time.time()
        waits = [0.0]
        for rate in rates:
            cache_key = internal.get_cache_key(
                request,
                app="allauth.account",
                action=RATE_LIMIT_ACTION,
                rate=rate,
                key=attempts_key,
            )
            history = [t for t in cache.get(cache_key, []) if t > now - rate.duration]
            if len(history) >= rate.amount:
                waits.append(history[rate.amount - 1] + rate.duration - now)
        return max(1, math.ceil(max(waits)))
    except Exception:  # noqa: BLE001 - an estimate; never fail the answer over it
        return max(1, math.ceil(longest))
