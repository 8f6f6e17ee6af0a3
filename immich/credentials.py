"""Which credential an Immich request carries, read the way Immich itself reads it.

Immich (server/src/services/auth.service.ts, ``validate``; names in server/src/enum.ts) looks,
in this order, for a shared-link key (``x-immich-share-key`` header or ``key`` query
parameter), a shared-link slug (``x-immich-share-slug``, ``slug``), a session token
(``x-immich-user-token``, ``x-immich-session-token``, ``sessionKey``, ``Authorization: Bearer``,
the ``immich_access_token`` cookie), and an API key (``x-api-key``, ``apiKey``); the first one
found decides, whatever else the request holds. The gate reads them in the same order, so it
checks exactly the credential Immich will act on.

Everything here reads client-controlled text and never raises.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from urllib.parse import unquote, unquote_plus


class Kind(enum.StrEnum):
    SHARED_LINK = "shared_link"
    SESSION = "session"
    API_KEY = "api_key"


@dataclass(frozen=True, slots=True)
class Credential:
    kind: Kind
    value: str = ""

    def __repr__(self) -> str:  # never the value: it is a secret
        return f"Credential({self.kind})"


COOKIE = "immich_access_token"
_QUERY_NAMES = frozenset({"key", "slug", "sessionKey", "apiKey"})
# Immich's tokens are 32 random bytes as base64 without its non-word characters (crypto
# repository ``randomBytesAsText``), or as base64url in newer versions: 40 to 43 characters.
# Anything else cannot be a session token; the bound leaves room for a longer future format.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,128}")


def is_token_shaped(value: str) -> bool:
    return _TOKEN.fullmatch(value) is not None


def _query_values(query: str) -> dict[str, str]:
    """The first value of each parameter Immich reads; empty ones count as absent."""
    found: dict[str, str] = {}
    if not query or not any(f"{name}=" in query for name in _QUERY_NAMES):
        return found
    for part in query.split("&"):
        name, _, value = part.partition("=")
        if name in _QUERY_NAMES and name not in found and value:
            found[name] = unquote_plus(value)
    return found


def _bearer(header: str) -> str:
    # ``(headers.authorization || '').split(' ', 2)``: the word after "Bearer ", if any.
    scheme, _, rest = header.partition(" ")
    if scheme.lower() != "bearer":
        return ""
    return rest.split(" ", 1)[0]


def _cookie(header: str) -> str:
    # The ``cookie`` package keeps the first of repeated names and URI-decodes values.
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE:
            value = value.strip().strip('"')
            return unquote(value) if "%" in value else value
    return ""


def original_query(meta) -> str:
    """The query string of the request the proxy is asking about: ``X-Original-URI`` (nginx,
    set by our configuration) or else ``X-Forwarded-Uri`` (what Traefik's ``forwardAuth`` and
    Caddy's ``forward_auth`` send unasked). Each proxy overwrites its own header, so a client
    cannot choose the one we read; and the query only decides whether Immich would take a
    shared-link key instead of the session, which is what Immich itself does with it."""
    uri = meta.get("HTTP_X_ORIGINAL_URI") or meta.get("HTTP_X_FORWARDED_URI", "")
    return uri.partition("?")[2] if "?" in uri else ""


def read_credential(meta, query: str = "") -> Credential | None:
    """The credential Immich would use for a request with these headers (WSGI ``META``) and
    this query string, or None for a request without any."""
    params = _query_values(query)
    if meta.get("HTTP_X_IMMICH_SHARE_KEY") or params.get("key"):
        return Credential(Kind.SHARED_LINK)
    if meta.get("HTTP_X_IMMICH_SHARE_SLUG") or params.get("slug"):
        return Credential(Kind.SHARED_LINK)
    token = (
        meta.get("HTTP_X_IMMICH_USER_TOKEN")
        or meta.get("HTTP_X_IMMICH_SESSION_TOKEN")
        or params.get("sessionKey")
        or _bearer(meta.get("HTTP_AUTHORIZATION", ""))
        or _cookie(meta.get("HTTP_COOKIE", ""))
    )
    if token:
        return Credential(Kind.SESSION, token.strip())
    if meta.get("HTTP_X_API_KEY") or params.get("apiKey"):
        return Credential(Kind.API_KEY)
    return None
