"""System checks that keep the account protections switched on in production."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register

OTP_MIDDLEWARE = "django_otp.middleware.OTPMiddleware"
TWO_FACTOR_MIDDLEWARE = "accounts.middleware.TwoFactorMiddleware"


@register(Tags.security)
def two_factor_is_enforced(app_configs=None, **kwargs) -> list:
    errors = []
    middleware = list(settings.MIDDLEWARE)
    if (
        TWO_FACTOR_MIDDLEWARE not in middleware
        or OTP_MIDDLEWARE not in middleware
        or middleware.index(TWO_FACTOR_MIDDLEWARE) < middleware.index(OTP_MIDDLEWARE)
    ):
        errors.append(
            Error(
                f"{TWO_FACTOR_MIDDLEWARE} must be in MIDDLEWARE after {OTP_MIDDLEWARE}.",
                hint="Without it a password alone signs in to accounts that have 2FA.",
                id="accounts.E001",
            )
        )
    if not settings.DEBUG:
        for name in ("OTP_TOTP_THROTTLE_FACTOR", "OTP_STATIC_THROTTLE_FACTOR"):
            if getattr(settings, name, 1) <= 0:
                errors.append(
                    Error(
                        f"{name} must be positive in production: wrong 2FA codes are throttled.",
                        id="accounts.E002",
                    )
                )
        if getattr(settings, "ACCOUNT_RATE_LIMITS", {}) is False:
            errors.append(
                Error("allauth's rate limits must stay on in production.", id="accounts.E003")
            )
    return errors
