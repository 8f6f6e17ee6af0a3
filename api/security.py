"""Who is calling: the token was already turned into ``request.user`` by the session middleware.

``TrackedSessionMiddleware`` loads the session named by ``Authorization: Bearer …`` or
``x-immich-user-token`` (never the cookie) for every ``/api/`` request, so revocation, timeouts,
the cache and last-activity recording are the ones every browser session goes through. These
classes only decide whether that user may call an operation, and describe both headers in the
OpenAPI schema.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security.base import AuthBase

from accounts.two_factor import second_factor_pending

_RESULT = "_api_user"


def signed_in_user(request: HttpRequest):
    """The token's user, or None: no token, unknown or ended token, or 2FA not satisfied."""
    if not hasattr(request, _RESULT):
        user = getattr(request, "user", None)
        ok = user is not None and user.is_authenticated and not second_factor_pending(user)
        setattr(request, _RESULT, user if ok else None)
    return getattr(request, _RESULT)


class BearerToken(AuthBase):
    openapi_type = "http"
    openapi_scheme = "bearer"
    openapi_description = "The accessToken from POST /api/auth/login."

    def __call__(self, request: HttpRequest):
        return signed_in_user(request)


class ImmichUserToken(AuthBase):
    openapi_type = "apiKey"
    openapi_in = "header"
    openapi_name = "x-immich-user-token"
    openapi_description = "The same token, in the header the Immich app sends."

    def __call__(self, request: HttpRequest):
        return signed_in_user(request)


TOKEN_AUTH = [BearerToken(), ImmichUserToken()]
