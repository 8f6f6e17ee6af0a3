"""Two-factor authentication holds on every path.

A session that passed the password but not the code step of an account with 2FA is, for every
page, the admin and the API, not signed in: ``request.user`` becomes anonymous. Only the code
step itself, signing out, the language switch, static files and the health check see the real
user; page requests are sent to the code step (and come back afterwards), API requests simply
stay anonymous (401). The check is django-otp's ``is_verified()``, set by ``OTPMiddleware``,
which must come before this middleware.

The same holds for a session that was signed in before 2FA was turned on elsewhere: from then
on it owes a code too.
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode

from accounts.two_factor import second_factor_pending
from sessions_ui.middleware import is_api_path


@lru_cache(maxsize=1)
def _open_paths() -> tuple[frozenset[str], tuple[str, ...]]:
    exact = frozenset(
        {
            reverse("two_factor_verify"),
            reverse("account_logout"),
            # The passkey as the second step: its ceremony must see the half-signed-in user.
            reverse("otp_webauthn:credential-authentication-begin"),
            reverse("otp_webauthn:credential-authentication-complete"),
            reverse("otp_webauthn:js-i18n-catalog"),
        }
    )
    static = (
        settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/" + settings.STATIC_URL
    )
    prefixes = (static, "/i18n/", "/healthz")
    return exact, prefixes


def is_open_path(path: str) -> bool:
    """Paths a half-signed-in session may use as itself."""
    exact, prefixes = _open_paths()
    return path in exact or path.startswith(prefixes)


def code_step_url(next_url: str) -> str:
    return f"{reverse('two_factor_verify')}?{urlencode({REDIRECT_FIELD_NAME: next_url})}"


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        user = getattr(request, "user", None)
        if user is None or is_open_path(request.path):
            return self.get_response(request)
        if second_factor_pending(user):
            anonymous = AnonymousUser()
            request.user = anonymous

            async def auser():
                return anonymous

            request.auser = auser
            if not is_api_path(request.path):
                return HttpResponseRedirect(code_step_url(request.get_full_path()))
        return self.get_response(request)
