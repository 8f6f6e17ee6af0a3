"""Immich's admin API, as far as we use it: find our user, list its sessions.

Authenticated with an API key in the ``x-api-key`` header (server/src/services/auth.service.ts,
``validate`` → ``validateApiKey``). Both routes are admin-only with a permission each
(server/src/controllers/user-admin.controller.ts): ``GET /api/admin/users`` needs
``adminUser.read`` and answers ``UserAdminResponseDto[]`` (with ``oauthId``);
``GET /api/admin/users/{id}/sessions`` needs ``adminSession.read`` and answers
``SessionResponseDto[]`` (server/src/dtos/session.dto.ts: id, createdAt, updatedAt, expiresAt?,
current, deviceType, deviceOS, appVersion, isPendingSyncReset; no ``oauthSid``).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils.dateparse import parse_datetime


class ImmichUnavailable(Exception):
    """Immich did not answer, or not as Immich answers: try again at the next sync."""


@dataclass(frozen=True, slots=True)
class ImmichSession:
    id: str
    created_at: datetime
    updated_at: datetime
    device_type: str
    device_os: str
    app_version: str

    @property
    def is_app(self) -> bool:
        # Immich sets appVersion only for its mobile app's user agents (server/src/utils/request.ts).
        return bool(self.app_version)


class TokenRefused(Exception):
    """Immich answered 401 for a session token: it has no such session (any more)."""


def _get(path: str, credential: dict[str, str] | None = None):
    """GET as the admin API key, or with ``credential`` (a user's session token header)."""
    request = urllib.request.Request(  # noqa: S310 - the operator's IMMICH_URL
        f"{settings.IMMICH_URL}{path}",
        headers={**(credential or {"x-api-key": settings.IMMICH_API_KEY}), "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.IMMICH_HTTP_TIMEOUT) as response:  # noqa: S310
            return json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as error:
        if credential is not None and error.code == 401:
            raise TokenRefused(path) from None
        raise ImmichUnavailable(f"GET {path}: HTTP {error.code}") from None
    except (OSError, ValueError) as error:
        # Never the error's text for a token call: nothing about the request is logged.
        raise ImmichUnavailable(f"GET {path}: {type(error).__name__}") from None


def find_user_id(sub: str) -> str | None:
    """The id of the Immich user whose ``oauthId`` is ``sub``, or None (not signed in yet)."""
    users = _get("/api/admin/users")
    if not isinstance(users, list):
        raise ImmichUnavailable("GET /api/admin/users: not a list")
    for user in users:
        if isinstance(user, dict) and user.get("oauthId") == sub:
            return str(user.get("id"))
    return None


def user_sessions(immich_user_id: str) -> list[ImmichSession]:
    items = _get(f"/api/admin/users/{urllib.parse.quote(immich_user_id, safe='')}/sessions")
    return _sessions(items)


def token_session(token: str) -> tuple[str, str]:
    """(Immich session id, owner's ``oauthId``) of a session token, asked as its holder.

    ``GET /api/sessions`` lists the token owner's sessions and marks the token's own as
    ``current`` (server/src/controllers/session.controller.ts ``getSessions``;
    server/src/dtos/session.dto.ts ``mapSession``: ``current: currentId === entity.id``);
    ``GET /api/users/me`` is ``UserAdminResponseDto``, with ``oauthId``. The token goes in
    ``x-immich-user-token``, the header Immich reads first (auth.service.ts ``validate``).
    Raises ``TokenRefused`` when Immich does not know the token.
    """
    credential = {"x-immich-user-token": token}
    items = _get("/api/sessions", credential)
    if not isinstance(items, list):
        raise ImmichUnavailable("GET /api/sessions: not a list")
    current = next((i for i in items if isinstance(i, dict) and i.get("current") is True), None)
    if current is None or not current.get("id"):
        raise ImmichUnavailable("GET /api/sessions: no current session")
    me = _get("/api/users/me", credential)
    if not isinstance(me, dict):
        raise ImmichUnavailable("GET /api/users/me: not an object")
    return str(current["id"]), str(me.get("oauthId") or "")


def _sessions(items) -> list[ImmichSession]:
    if not isinstance(items, list):
        raise ImmichUnavailable("sessions: not a list")
    sessions = []
    for item in items:
        try:
            created = parse_datetime(item["createdAt"])
            updated = parse_datetime(item["updatedAt"])
        except (KeyError, TypeError, ValueError):
            continue
        if created is None or updated is None:
            continue
        sessions.append(
            ImmichSession(
                id=str(item.get("id", "")),
                created_at=created,
                updated_at=updated,
                device_type=str(item.get("deviceType") or "")[:64],
                device_os=str(item.get("deviceOS") or "")[:64],
                app_version=str(item.get("appVersion") or "")[:32],
            )
        )
    return sessions
