"""Passkeys (WebAuthn), beside the authenticator app, as a factor of two-factor authentication.

Built on django-otp-webauthn: its ``WebAuthnCredential`` is a django-otp device, its helper runs
the ceremonies (py_webauthn checks the challenge, the RP id and the origin from
``OTP_WEBAUTHN_*``, the signature counter and the backup flags), its views speak JSON to its
static JavaScript. What is ours is here, in one function per operation, called by our
subclasses of its views (``accounts.passkey_views``):

* a passkey is a second factor like the authenticator app: an account with a passkey has 2FA
  (``two_factor.user_has_two_factor``), and removing its last factor turns 2FA off;
* used after the password it is the code step; used alone (a discoverable credential, user
  verification required) it is a complete sign-in, both factors at once;
* every add, use and removal is in the security log; a sign-in says which method it used, in
  the log, in the session (``sign_in.SIGN_IN_METHOD_SESSION_KEY``) and so in Enhetsaktivitet and
  in the OpenID Connect ``amr`` claim.
"""

from __future__ import annotations

from django.contrib.auth import login as django_login
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.models import WebAuthnCredential

from accounts.models import EventKind
from accounts.security_log import record_event
from accounts.sign_in import SignInMethod, signed_in_with
from accounts.two_factor import (
    forget_two_factor_status,
    mark_session_verified,
    record_code_entry,
    remaining_factor,
    remember_two_factor_status,
    user_has_two_factor,
)

NAME_MAX = 64
PENDING_NAME_SESSION_KEY = "accounts_passkey_name"
# The backend a passwordless sign-in is recorded with: the project's own, which loads the
# user and its 2FA status in one prepared query on every later request.
SIGN_IN_BACKEND = "accounts.backends.ModelBackend"


class PasskeyHelper(WebAuthnHelper):
    """The library's helper, naming the account by its email address in the passkey prompt."""

    def get_credential_name(self, user) -> str:
        return user.email or user.get_username()

    def get_credential_display_name(self, user) -> str:
        return user.email or user.get_username()


# --- reading -----------------------------------------------------------------------------------
def passkeys_of(user) -> QuerySet[WebAuthnCredential]:
    """The account's passkeys, oldest first (as listed on Kontosäkerhet)."""
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("created_at", "pk")


def passkey_of(user, pk: object) -> WebAuthnCredential | None:
    """One of the account's own passkeys, or None (for anyone else's, too)."""
    try:
        pk = int(str(pk))
    except ValueError:
        return None
    return passkeys_of(user).filter(pk=pk).first()


def clean_name(name: object) -> str:
    return " ".join(str(name or "").split())[:NAME_MAX]


def default_name() -> str:
    return _("Passkey")


# --- adding ------------------------------------------------------------------------------------
def remember_pending_name(request: HttpRequest, name: str) -> None:
    """The name chosen for the passkey about to be registered (the ceremony itself is
    JavaScript's; the name is typed in a plain form before it)."""
    request.session[PENDING_NAME_SESSION_KEY] = clean_name(name) or default_name()


def pending_name(request: HttpRequest) -> str | None:
    return request.session.get(PENDING_NAME_SESSION_KEY)


def passkey_registered(request: HttpRequest, passkey: WebAuthnCredential) -> None:
    """The library saved a new passkey: give it its chosen name and log it; the account's
    first factor also turns 2FA on (and this session counts as having used it)."""
    user = request.user
    had_two_factor = user_has_two_factor(user)
    name = request.session.pop(PENDING_NAME_SESSION_KEY, None) or default_name()
    passkey.name = clean_name(name)
    passkey.save(update_fields=["name"])
    forget_two_factor_status(user)
    if DEVICE_ID_SESSION_KEY not in request.session:
        mark_session_verified(request, passkey)
    record_event(
        EventKind.PASSKEY_ADDED, user=user, request=request, details={"passkey": passkey.name}
    )
    if not had_two_factor:
        record_event(
            EventKind.TWO_FACTOR_ENABLED, user=user, request=request, details={"by": "passkey"}
        )


# --- changing ----------------------------------------------------------------------------------
def rename_passkey(passkey: WebAuthnCredential, name: str) -> str:
    passkey.name = clean_name(name) or passkey.name
    passkey.save(update_fields=["name"])
    return passkey.name


def is_last_factor(user, passkey: WebAuthnCredential) -> bool:
    """Whether removing ``passkey`` leaves the account without two-factor authentication."""
    return remaining_factor(user, exclude=passkey) is None


def remove_passkey(request: HttpRequest, passkey: WebAuthnCredential) -> bool:
    """Delete one of the account's passkeys; True if that turned 2FA off (it was the last
    factor). A session verified with it stays verified with a remaining factor."""
    user = request.user
    with transaction.atomic():
        name = passkey.name
        removed_id = passkey.persistent_id
        passkey.delete()
        other = remaining_factor(user)
    forget_two_factor_status(user)
    record_event(EventKind.PASSKEY_REMOVED, user=user, request=request, details={"passkey": name})
    if request.session.get(DEVICE_ID_SESSION_KEY) == removed_id:
        if other is not None:
            mark_session_verified(request, other)
        else:
            request.session.pop(DEVICE_ID_SESSION_KEY, None)
            if hasattr(user, "otp_device"):
                user.otp_device = None
    if other is None:
        record_event(
            EventKind.TWO_FACTOR_DISABLED, user=user, request=request, details={"by": "passkey"}
        )
        return True
    return False


# --- using -------------------------------------------------------------------------------------
def sign_in_with_passkey(request: HttpRequest, passkey: WebAuthnCredential) -> SignInMethod:
    """A verified assertion at sign-in: the second step after the password, or (nobody signed
    in yet) a complete passwordless sign-in. The session gets a new key either way."""
    user = passkey.user
    if request.user.is_authenticated:
        method = SignInMethod.PASSKEY
        mark_session_verified(request, passkey)
        request.session.cycle_key()
    else:
        method = SignInMethod.PASSKEY_ONLY
        remember_two_factor_status(user, True)  # it has this passkey: no query to ask
        django_login(request, user, backend=SIGN_IN_BACKEND)  # a new key, user_logged_in
        mark_session_verified(request, passkey)
    record_code_entry(request, "webauthn")
    signed_in_with(request, user, method, passkey=passkey.name)
    return method


def confirm_with_passkey(request: HttpRequest, passkey: WebAuthnCredential) -> None:
    """Re-authentication with a passkey (user verification required): opens the sudo window
    like password and code do, with a new session key."""
    from allauth.account.internal.flows.login import record_authentication

    record_authentication(
        request, request.user, method="mfa", type="webauthn", reauthenticated=True
    )
    mark_session_verified(request, passkey)
    request.session.cycle_key()
    record_event(
        EventKind.PASSKEY_USED,
        user=request.user,
        request=request,
        details={"passkey": passkey.name, "purpose": "reauthentication"},
    )
