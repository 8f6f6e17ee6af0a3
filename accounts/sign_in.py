"""Signing in and out: the 2FA code step and the sign-in events of the security log.

allauth performs the password step and Django's ``login``/``logout``; the receivers in
``accounts.receivers`` call the functions here, which are the one place each event is written.
A sign-in is logged when it is complete: at the password for an account without 2FA, at the
code step for an account with it.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import models
from django.http import HttpRequest

from accounts.models import EventKind
from accounts.security_log import record_event
from accounts.two_factor import (
    Match,
    mark_session_verified,
    match_second_factor,
    record_code_entry,
    user_has_two_factor,
)
from sessions_ui.browsers import browser_fingerprint

# How this session was signed in (a ``SignInMethod`` value), for the OpenID Connect ``amr``.
SIGN_IN_METHOD_SESSION_KEY = "accounts_sign_in_method"


class SignInMethod(models.TextChoices):
    """What a complete sign-in used; the ``method`` of its ``sign_in`` event."""

    PASSWORD = "password", "password"
    TOTP = "totp", "password + authenticator app"
    BACKUP_CODE = "backup_code", "password + backup code"
    PASSKEY = "passkey", "password + passkey"
    PASSKEY_ONLY = "passkey_only", "passkey (user verified)"


PASSKEY_METHODS = frozenset({SignInMethod.PASSKEY, SignInMethod.PASSKEY_ONLY})

# RFC 8176 authentication method references. A passkey proves possession of a key held by an
# authenticator ("hwk") with a user presence test ("user"); alone, the authenticator has also
# verified the person (PIN or biometrics), so it counts as two factors ("mfa").
AMR = {
    SignInMethod.PASSWORD: ["pwd"],
    SignInMethod.TOTP: ["pwd", "otp", "mfa"],
    SignInMethod.BACKUP_CODE: ["pwd", "otp", "mfa"],
    SignInMethod.PASSKEY: ["pwd", "hwk", "user", "mfa"],
    SignInMethod.PASSKEY_ONLY: ["hwk", "user", "mfa"],
}


def amr_of(session) -> list[str] | None:
    """The ``amr`` of the sign-in that made ``session``; None when it does not say (sessions
    signed in before the method was kept)."""
    method = session.get(SIGN_IN_METHOD_SESSION_KEY) if session is not None else None
    try:
        return list(AMR[SignInMethod(method)])
    except (ValueError, KeyError):
        return None


def signed_in_with(request: HttpRequest, user, method: str, **details) -> None:
    """A complete sign-in in a browser: the method is kept in the session and the event is
    logged with the browser's fingerprint (the event is what the new-sign-in alert and the risk
    signals read)."""
    method = SignInMethod(method)
    if getattr(request, "session", None) is not None:
        request.session[SIGN_IN_METHOD_SESSION_KEY] = method.value
    details = {"method": method.value, "browser": browser_fingerprint(request), **details}
    record_event(EventKind.SIGN_IN, user=user, request=request, details=details)


def complete_code_step(request: HttpRequest, code: str) -> Match | None:
    """Finish a sign-in with a TOTP or backup code: the session becomes verified for
    django-otp, gets a new key (django-otp does not rotate it), and the sign-in is logged.

    Returns None for a wrong code; raises ``SecondFactorThrottled`` while throttled.
    """
    user = request.user
    match = match_second_factor(user, code, request=request)
    if match is None:
        return None
    mark_session_verified(request, match.device)
    request.session.cycle_key()
    record_code_entry(request, match.method)
    signed_in_with(request, user, match.method)
    return match


def signed_in(request: HttpRequest | None, user) -> None:
    """Django's ``user_logged_in``: a complete sign-in unless the code step is still owed."""
    if request is None or user_has_two_factor(user):
        return
    signed_in_with(request, user, SignInMethod.PASSWORD)


def signed_out(request: HttpRequest | None, user) -> None:
    """Django's ``user_logged_out``, sent before the session is wiped (its id is still known)."""
    if request is None or user is None or not getattr(user, "pk", None):
        return
    record_event(EventKind.SIGN_OUT, user=user, request=request)


def sign_in_failed(request: HttpRequest | None, credentials: dict) -> None:
    """Django's ``user_login_failed``: a wrong password for an existing account is logged on
    that account (an unknown address has no log to write to)."""
    email = credentials.get("email") or credentials.get("username") or credentials.get("login")
    if request is None or not email or not isinstance(email, str):
        return
    from allauth.account.models import EmailAddress

    address = EmailAddress.objects.filter(email__iexact=email.strip()).only("user_id").first()
    user_id = address.user_id if address else None
    if user_id is None:
        User = get_user_model()
        user_id = (
            User.objects.filter(email__iexact=email.strip()).values_list("pk", flat=True).first()
        )
    if user_id is None:
        return
    record_event(
        EventKind.SIGN_IN_FAILED, user=user_id, request=request, details={"step": "password"}
    )
