"""Session middleware that tells the store who is asking and records activity."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.middleware import SessionMiddleware
from django.utils.cache import patch_vary_headers

from sessions_ui.browsers import renew_browser_cookie
from sessions_ui.client import client_from_request
from sessions_ui.models import ClientKind

# Requests under this prefix are the mobile app's: token in a header, never a cookie.
# The app's API: token requests, never cookies. Other floors ask ``is_api_path`` too.
API_PREFIX = "/api/"


class TrackedSessionMiddleware(SessionMiddleware):
    """Django's SessionMiddleware (same cookie, save and ``SessionInterrupted`` rules), plus:

    * the store gets the client (IP, user agent, app headers) so rows say who is signed in;
    * an unmodified session that was read records its activity, which writes only when the
      client changed or the last write is older than ``SESSION_ACTIVITY_INTERVAL``.

    Token requests (paths under ``/api/``) take the same road with three differences, so that
    revocation, idle timeouts, the cache, the activity throttle and ``request.user`` work for
    the app exactly as for browsers: the key comes only from ``Authorization: Bearer <token>``
    or Immich's ``x-immich-user-token`` header, never from the cookie (a cookie alone never
    authenticates an API call); the store is told the client is the app and refuses keys of
    browser sessions; and the response never sets or deletes a cookie (a token session that
    was changed is saved, an unknown token never creates a row). Malformed tokens are rejected
    by the store's key check before any query, like malformed cookies.

    A browser's response also carries its browser id when the request signed in
    (``sessions_ui.browsers``).
    """

    def process_request(self, request) -> None:
        if is_token_request(request):
            request.session = self.SessionStore(
                token_from_request(request),
                client=client_from_request(request),
                client_kind=ClientKind.APP,
                strict_kind=True,
            )
            return
        key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        # Strict both ways: an app's token in a cookie is no browser session either.
        request.session = self.SessionStore(
            key, client=client_from_request(request), strict_kind=True
        )

    def process_response(self, request, response):
        session = getattr(request, "session", None)
        if is_token_request(request):
            return self._token_response(session, response)
        response = super().process_response(request, response)
        renew_browser_cookie(request, response)
        if (
            session is not None
            and session.accessed
            and not session.modified
            and response.status_code < 500
            and hasattr(session, "record_activity")
        ):
            session.record_activity()
        return response

    @staticmethod
    def _token_response(session, response):
        """Save a changed token session or record its activity; no cookie either way."""
        if session is None:
            return response
        if session.accessed:
            patch_vary_headers(response, ("Authorization", "X-Immich-User-Token"))
        if response.status_code >= 500:
            return response
        if session.modified:
            if session.session_key is not None and not session.is_empty():
                try:
                    session.save()
                except UpdateError:
                    # Ended during the request (by this very request, e.g. logout, or by
                    # another device): never written back; the token's next call is a 401.
                    pass
        elif session.accessed and hasattr(session, "record_activity"):
            session.record_activity()
        return response


def current_public_id(request) -> uuid.UUID | None:
    """The public id of the session this request came with; None when it has none (yet)."""
    return getattr(getattr(request, "session", None), "public_id", None)


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIX)


def is_token_request(request) -> bool:
    return is_api_path(request.path_info)


def token_from_request(request) -> str | None:
    """The app's token: ``Authorization: Bearer <token>``, else ``x-immich-user-token``."""
    scheme, _, value = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.META.get("HTTP_X_IMMICH_USER_TOKEN", "").strip() or None
