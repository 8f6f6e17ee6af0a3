"""Two-factor authentication: one TOTP authenticator app plus ten single-use backup codes, and
passkeys (``accounts.passkeys``), each of which is a factor of its own.

Built on django-otp's models (``TOTPDevice``, ``StaticDevice``) and its throttle. Rules kept here:

* Every code check, TOTP or backup code, runs in one transaction holding a row lock on the
  user's confirmed TOTP device (``SELECT … FOR UPDATE``), so on PostgreSQL concurrent
  submissions of one code are serialised: the first advances ``last_t`` (or deletes the backup
  code) and every other one sees that and fails. Exactly one is accepted.
* The TOTP device's throttle (django-otp: 1, 2, 4, … seconds after each failure) gates *both*
  kinds of code, so alternating between them buys an attacker nothing.
* TOTP tolerance is zero steps: only the code of the current 30-second step is accepted. A
  code typed in the last seconds of its step may fail and the next one is then needed; that is
  the price of a code never being usable for longer than its own step.

Who may call what: the code step of sign-in and the API call ``match_second_factor`` /
``verify_second_factor``; a token session created after a password + code login must carry
``verified_session_data(device)`` so that ``is_verified()`` holds for it too.
"""

from __future__ import annotations

from base64 import b32encode
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlencode

import segno
from allauth.account.internal.flows.login import record_authentication
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accounts.models import EventKind
from accounts.security_log import record_event

TOTP_TOLERANCE = 0
BACKUP_CODE_COUNT = 10
_CACHE_ATTR = "_pixelunion_has_two_factor"


class SecondFactorThrottled(Exception):
    """Too many wrong codes: no code is checked until ``locked_until``."""

    def __init__(self, locked_until: datetime | None) -> None:
        super().__init__(locked_until)
        self.locked_until = locked_until


# --- status ----------------------------------------------------------------------------------
def user_has_two_factor(user) -> bool:
    """Whether ``user`` has a confirmed authenticator app or passkey (cached on the user object
    per request)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = remaining_factor(user) is not None
        setattr(user, _CACHE_ATTR, cached)
    return cached


def user_has_authenticator(user) -> bool:
    """Whether ``user`` has a confirmed authenticator app (so codes, and backup codes, work)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def remaining_factor(user, exclude: Device | None = None) -> Device | None:
    """A confirmed factor of ``user`` (the authenticator app first, then the newest passkey),
    other than ``exclude``; None when the account has none left."""
    totp = TOTPDevice.objects.filter(user=user, confirmed=True)
    passkeys = WebAuthnCredential.objects.filter(user=user, confirmed=True)
    if isinstance(exclude, TOTPDevice):
        totp = totp.exclude(pk=exclude.pk)
    elif isinstance(exclude, WebAuthnCredential):
        passkeys = passkeys.exclude(pk=exclude.pk)
    return totp.first() or passkeys.order_by("-created_at", "-pk").first()


def remember_two_factor_status(user, has_two_factor: bool) -> None:
    """Store what the user's loading query already found (``accounts.backends``)."""
    setattr(user, _CACHE_ATTR, bool(has_two_factor))


def forget_two_factor_status(user) -> None:
    """The account's factors changed: the next question is answered by the database."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def second_factor_pending(user) -> bool:
    """Signed in with a password but not (yet) with a code although the account has 2FA.

    Such a user is signed in for nothing but the code step and signing out.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    is_verified = getattr(user, "is_verified", None)
    if callable(is_verified) and is_verified():
        return False
    return user_has_two_factor(user)


def backup_codes_remaining(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def verified_session_data(device: Device) -> dict[str, str]:
    """Session data that makes ``is_verified()`` true for a session created outside a request
    (the app's token: ``start_session(user, client, extra=verified_session_data(device))``)."""
    return {DEVICE_ID_SESSION_KEY: device.persistent_id}


# --- verification ----------------------------------------------------------------------------
def normalize_code(code: object) -> str:
    """What the person typed, as compared: no spaces or dashes, lower case."""
    text = str(code or "").strip().replace(" ", "").replace("-", "").lower()
    return text if len(text) <= 16 else ""


@dataclass(frozen=True, slots=True)
class Match:
    device: Device
    method: str  # "totp" or "backup_code"


def match_second_factor(
    user, code: str, *, request: HttpRequest | None = None, purpose: str = "sign_in"
) -> Match | None:
    """Check a TOTP code or a backup code of ``user``; the accepting device, or None.

    Raises ``SecondFactorThrottled`` while django-otp's throttle holds (nothing is checked or
    logged then). A wrong code is logged as a failed attempt (``purpose`` says of what); a
    backup code is deleted as it is accepted and logged as used.
    """
    code = normalize_code(code)
    with transaction.atomic():
        totp = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        if totp is None:
            return None
        allowed, info = totp.verify_is_allowed()
        if not allowed:
            raise SecondFactorThrottled((info or {}).get("locked_until"))
        match = None
        if code.isdigit() and len(code) == totp.digits:
            if totp.verify_token(code):  # advances last_t, resets or increments the throttle
                match = Match(totp, "totp")
        elif code:
            deleted, _ = StaticToken.objects.filter(
                device__user=user, device__confirmed=True, token=code
            ).delete()
            if deleted:
                totp.throttle_reset()
                device = StaticDevice.objects.filter(user=user, confirmed=True).first()
                match = Match(device, "backup_code")
            else:
                totp.throttle_increment()
        else:
            totp.throttle_increment()
    if match is None:
        record_event(
            EventKind.SIGN_IN_FAILED,
            user=user,
            request=request,
            details={"step": "code", "purpose": purpose},
        )
    elif match.method == "backup_code":
        record_event(
            EventKind.BACKUP_CODE_USED,
            user=user,
            request=request,
            details={"remaining": backup_codes_remaining(user), "purpose": purpose},
        )
    return match


def verify_second_factor(user, code: str, *, request: HttpRequest | None = None) -> bool:
    """True if ``code`` is a current TOTP code or an unused backup code of ``user`` (then
    used up). Throttled attempts are simply False; call ``match_second_factor`` to tell."""
    try:
        return match_second_factor(user, code, request=request) is not None
    except SecondFactorThrottled:
        return False


# --- enrolment and management -------------------------------------------------------------
def pending_authenticator(user) -> TOTPDevice:
    """The not-yet-confirmed authenticator being set up (the same one until it is confirmed,
    so a page reload shows the same QR code)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name="authenticator", confirmed=False, tolerance=TOTP_TOLERANCE
        )
    return device


def secret_text(device: TOTPDevice) -> str:
    """The key as people type it into an app: base32 in groups of four."""
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def otpauth_uri(device: TOTPDevice) -> str:
    """The ``otpauth://`` URI apps read from the QR code, labelled with the account's email."""
    issuer = str(getattr(settings, "OTP_TOTP_ISSUER", "PixelUnion")).replace(":", "")
    account = device.user.email or device.user.get_username()
    params = urlencode(
        {
            "secret": b32encode(device.bin_key).decode("ascii").rstrip("="),
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": device.digits,
            "period": device.step,
        },
        quote_via=quote,
    )
    return f"otpauth://totp/{quote(issuer)}:{quote(account)}?{params}"


def qr_svg(uri: str, title: str = "") -> str:
    """An inline SVG QR code, drawn on the server (no JavaScript, no external service)."""
    # A viewBox and no fixed size, so the stylesheet can scale it; the quiet zone of 4 modules
    # and a white background are what phone cameras need to read it.
    return segno.make(uri, error="m").svg_inline(
        scale=5, border=4, light="#fff", svgclass="qr", title=title or None, omitsize=True
    )


def _new_backup_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="backup codes", confirmed=True)
    codes: set[str] = set()
    while len(codes) < BACKUP_CODE_COUNT:
        codes.add(StaticToken.random_token())
    ordered = sorted(codes)
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in ordered)
    return ordered


def record_code_entry(request: HttpRequest, method: str) -> None:
    """A 2FA code was entered on this session (sign-in code step, enrolment, sudo window): an
    allauth authentication record, which the sudo window (``accounts.reauth``) reads."""
    record_authentication(request, request.user, method="mfa", type=method)


def confirm_authenticator(request: HttpRequest, device: TOTPDevice, code: str) -> list[str] | None:
    """Turn 2FA on if ``code`` is the current code of the authenticator being set up.

    Returns the new backup codes (to be shown once), or None: a wrong code leaves 2FA off.
    Raises ``SecondFactorThrottled`` inside django-otp's throttle window after a wrong code:
    there the device refuses even the right code, and "wrong code" would be untrue.
    """
    user = request.user
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(pk=device.pk, user=user, confirmed=False)
            .first()
        )
        if device is not None:
            allowed, info = device.verify_is_allowed()
            if not allowed:
                raise SecondFactorThrottled((info or {}).get("locked_until"))
        if device is None or not device.verify_token(normalize_code(code)):
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        codes = _new_backup_codes(user)
    forget_two_factor_status(user)
    mark_session_verified(request, device)
    record_code_entry(request, "totp")
    record_event(EventKind.TWO_FACTOR_ENABLED, user=user, request=request)
    return codes


def regenerate_backup_codes(request: HttpRequest) -> list[str]:
    """New backup codes; every earlier one stops working at once."""
    with transaction.atomic():
        codes = _new_backup_codes(request.user)
    record_event(EventKind.BACKUP_CODES_REGENERATED, user=request.user, request=request)
    return codes


def disable_two_factor(request: HttpRequest) -> None:
    """Every factor goes: the authenticator app, the backup codes and the passkeys."""
    user = request.user
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        WebAuthnCredential.objects.filter(user=user).delete()
    forget_two_factor_status(user)
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    if hasattr(user, "otp_device"):
        user.otp_device = None
    record_event(EventKind.TWO_FACTOR_DISABLED, user=user, request=request)


def mark_session_verified(request: HttpRequest, device: Device) -> None:
    """django-otp's ``login``: this session has passed the code step with ``device``."""
    import django_otp

    django_otp.login(request, device)
