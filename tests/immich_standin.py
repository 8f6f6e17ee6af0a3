"""An Immich stand-in for the tests — NOT Immich: a small HTTP server with only the endpoints
PixelUnion's integration touches, in Immich 3.x's shapes and with its auth rules as read in
Immich's source (immich-app/immich), since Immich itself ships as container images only.

- ``POST /api/oauth/authorize`` {redirectUri, state?, codeChallenge?} → {url}
  (server/src/controllers/oauth.controller.ts ``startOAuth``; state and verifier are kept here
  instead of in cookies);
- ``POST /api/oauth/callback`` {url, state?, codeVerifier?} → ``LoginResponseDto``: discovery,
  code exchange with PKCE and the client secret, ID token checked through JWKS, user found by
  ``oauthId`` (= ``sub``) or auto-registered, a session created with ``oauthSid`` = ``sid`` and
  deviceType/deviceOS/appVersion from the request's user agent and headers
  (server/src/services/auth.service.ts ``callback``, ``createLoginResponse``;
  server/src/utils/request.ts ``getUserAgentDetails``). The OpenID Connect client here is Authlib
  (requests + Authlib, joserfc for the JOSE part), independent of the provider's own libraries;
- ``POST /api/oauth/backchannel-logout`` (form ``logout_token``): validated as OpenID Connect
  Back-Channel Logout 1.0 section 2.6 says — signature by a key of the provider's JWKS (fetched
  over HTTP), ``iss``, ``aud``, ``iat`` (at most 2 minutes old, 5 s tolerance, as Immich's
  ``validateLogoutToken``), ``exp`` if present, the ``events`` member, ``sid`` or ``sub``, no
  ``nonce``, ``jti`` never seen before; then the sessions with that ``oauthSid`` (and owner
  ``oauthId`` = ``sub``) are deleted (session.repository.ts ``invalidateOAuth``). 200, or 400;
- ``GET /api/users/me`` (``UserAdminResponseDto``, with ``oauthId``), ``GET /api/sessions`` (the
  token owner's ``SessionResponseDto[]``, its own marked ``current``: session.controller.ts
  ``getSessions``, session.dto.ts ``mapSession``) and ``POST /api/auth/logout`` with a session
  token, read as auth.service.ts ``validate`` reads it (``x-immich-user-token``,
  ``x-immich-session-token``, ``sessionKey``, Bearer, the ``immich_access_token`` cookie): 401
  for a token without session; ``GET /api/server/ping`` needs none;
- ``GET /api/admin/users`` and ``GET /api/admin/users/{id}/sessions`` with ``x-api-key``: 401
  without a valid key, 403 for a non-admin key or one without ``adminUser.read`` /
  ``adminSession.read`` (user-admin.controller.ts; auth.service.ts ``authenticate``).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import requests
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from user_agents import parse as parse_user_agent

BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
MAX_TOKEN_AGE = 120
CLOCK_TOLERANCE = 5
_APP_VERSION = re.compile(
    r"^immich-(?:android|ios|unknown)/(?P<v>.+)$|^Immich_(?:Android|iOS|Unknown)_(?P<legacy>.+)$"
)


def verified_claims(token: str, jwks: dict, **expected: str) -> dict:
    """An ID token's claims after the checks Immich's client library makes: RS256 signature
    from the provider's JWKS, ``exp``/``iat`` (with leeway), and each ``expected`` claim."""
    decoded = jwt.decode(token, KeySet.import_key_set(jwks), ["RS256"])
    registry = jwt.JWTClaimsRegistry(
        leeway=CLOCK_TOLERANCE,
        exp={"essential": True},
        **{name: {"essential": True, "value": value} for name, value in expected.items()},
    )
    registry.validate(decoded.claims)
    return decoded.claims


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def user_agent_details(headers) -> dict[str, str | None]:
    """Immich's getUserAgentDetails, with the user-agents package in place of ua-parser-js."""
    ua = headers.get("User-Agent", "") or ""
    match = _APP_VERSION.match(ua)
    app_version = (match["v"] or match["legacy"]) if match else None
    parsed = parse_user_agent(ua) if ua else None
    browser = parsed.browser.family if parsed and parsed.browser.family != "Other" else ""
    os_name = parsed.os.family if parsed and parsed.os.family != "Other" else ""
    device = ""
    if parsed is not None:
        device = "mobile" if parsed.is_mobile else "tablet" if parsed.is_tablet else ""
    return {
        "deviceType": browser or device or headers.get("deviceModel", "") or "",
        "deviceOS": os_name or headers.get("deviceType", "") or "",
        "appVersion": app_version,
    }


@dataclass
class StandinSession:
    id: str
    token_hash: str
    user_id: str
    oauth_sid: str | None
    created_at: datetime
    updated_at: datetime
    device_type: str
    device_os: str
    app_version: str | None

    def dto(self, current_id: str | None = None) -> dict:
        """SessionResponseDto (server/src/dtos/session.dto.ts)."""
        return {
            "id": self.id,
            "createdAt": _iso(self.created_at),
            "updatedAt": _iso(self.updated_at),
            "current": self.id == current_id,
            "deviceType": self.device_type,
            "deviceOS": self.device_os,
            "appVersion": self.app_version,
            "isPendingSyncReset": False,
        }


@dataclass
class ImmichStandin:
    issuer: str = ""
    client_id: str = "immich"
    client_secret: str = ""
    users: dict[str, dict] = field(default_factory=dict)
    sessions: dict[str, StandinSession] = field(default_factory=dict)
    api_keys: dict[str, dict] = field(default_factory=dict)
    pending: dict[str, dict] = field(default_factory=dict)
    seen_jti: set[str] = field(default_factory=set)
    logout_tokens: list[dict] = field(default_factory=list)  # claims of accepted tokens
    rejected: list[str] = field(default_factory=list)  # why tokens were refused
    received: list[tuple[str, str]] = field(default_factory=list)  # (method, path) of every request
    lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None
    port: int = 0

    # --- life cycle ------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ImmichStandin:
        handler = type("Handler", (_Handler,), {"standin": self})
        server = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # --- helpers for tests -----------------------------------------------------------------
    def add_admin_key(self, permissions: tuple[str, ...] = ("adminUser.read", "adminSession.read"), *, admin: bool = True) -> str:
        key = secrets.token_urlsafe(24)
        owner = str(uuid.uuid4())
        self.users[owner] = {"id": owner, "email": f"admin-{owner[:4]}@immich.example", "name": "Admin", "oauthId": "", "isAdmin": admin}
        self.api_keys[hashlib.sha256(key.encode()).hexdigest()] = {"user": owner, "permissions": set(permissions)}
        return key

    def session_for_token(self, token: str) -> StandinSession | None:
        digest = hashlib.sha256(token.encode()).hexdigest()
        with self.lock:
            return next((s for s in self.sessions.values() if s.token_hash == digest), None)

    def accepts(self, token: str) -> bool:
        response = requests.get(f"{self.url}/api/users/me", headers={"Authorization": f"Bearer {token}"}, timeout=5)
        return response.status_code == 200

    # --- the OAuth side (what Immich's server does) ----------------------------------------
    def _oauth(self, redirect_uri: str, **kwargs) -> OAuth2Session:
        return OAuth2Session(
            self.client_id,
            self.client_secret,
            scope="openid email profile",
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_post",
            **kwargs,
        )

    def discovery(self) -> dict:
        return requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=5).json()

    def jwks(self) -> dict:
        return requests.get(self.discovery()["jwks_uri"], timeout=5).json()

    def authorize(self, redirect_uri: str) -> str:
        meta = self.discovery()
        verifier = secrets.token_urlsafe(48)
        nonce = secrets.token_urlsafe(16)
        url, state = self._oauth(redirect_uri).create_authorization_url(
            meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce
        )
        with self.lock:
            self.pending[state] = {"verifier": verifier, "nonce": nonce, "redirect_uri": redirect_uri}
        return url

    def callback(self, url: str, headers) -> dict:
        query = parse_qs(urlsplit(url).query)
        state = (query.get("state") or [""])[0]
        with self.lock:
            pending = self.pending.pop(state, None)
        if pending is None:
            raise ValueError("OAuth state is missing")
        meta = self.discovery()
        token = self._oauth(pending["redirect_uri"], state=state).fetch_token(
            meta["token_endpoint"], authorization_response=url, code_verifier=pending["verifier"]
        )
        claims = verified_claims(
            token["id_token"],
            self.jwks(),
            iss=meta["issuer"],
            aud=self.client_id,
            nonce=pending["nonce"],
        )
        sid = claims.get("sid") if isinstance(claims.get("sid"), str) else None
        with self.lock:
            user = next((u for u in self.users.values() if u["oauthId"] == claims["sub"]), None)
            if user is None:  # auto-register
                user_id = str(uuid.uuid4())
                user = {
                    "id": user_id,
                    "email": (claims.get("email") or "").lower(),
                    "name": claims.get("name") or claims.get("email"),
                    "oauthId": claims["sub"],
                    "isAdmin": False,
                }
                self.users[user_id] = user
            raw = secrets.token_urlsafe(32)
            now = datetime.now(UTC)
            details = user_agent_details(headers)
            session = StandinSession(
                id=str(uuid.uuid4()),
                token_hash=hashlib.sha256(raw.encode()).hexdigest(),
                user_id=user["id"],
                oauth_sid=sid,
                created_at=now,
                updated_at=now,
                device_type=details["deviceType"] or "",
                device_os=details["deviceOS"] or "",
                app_version=details["appVersion"],
            )
            self.sessions[session.id] = session
        return {
            "accessToken": raw,
            "userId": user["id"],
            "userEmail": user["email"],
            "name": user["name"],
            "profileImagePath": "",
            "isAdmin": user["isAdmin"],
            "shouldChangePassword": False,
            "isOnboarded": False,
            "_claims": dict(claims),
        }

    # --- back-channel logout (section 2.6) ---------------------------------------------------
    def backchannel_logout(self, logout_token: str) -> tuple[int, str]:
        meta = self.discovery()
        try:
            claims = jwt.decode(logout_token, KeySet.import_key_set(self.jwks()), ["RS256"]).claims
        except (JoseError, ValueError) as error:
            return self._reject(f"signature: {error}")
        now = time.time()
        if claims.get("iss") != meta["issuer"]:
            return self._reject("iss")
        aud = claims.get("aud")
        if self.client_id not in (aud if isinstance(aud, list) else [aud]):
            return self._reject("aud")
        iat = claims.get("iat")
        if not isinstance(iat, int) or iat > now + CLOCK_TOLERANCE or now - iat > MAX_TOKEN_AGE + CLOCK_TOLERANCE:
            return self._reject("iat")
        exp = claims.get("exp")
        if exp is not None and (not isinstance(exp, int) or exp < now - CLOCK_TOLERANCE):
            return self._reject("exp")
        events = claims.get("events")
        if not isinstance(events, dict) or not isinstance(events.get(BACKCHANNEL_EVENT), dict):
            return self._reject("events")
        sid, sub = claims.get("sid"), claims.get("sub")
        if not sid and not sub:
            return self._reject("sid or sub")
        if "nonce" in claims:
            return self._reject("nonce")
        jti = claims.get("jti")
        with self.lock:
            if not jti or jti in self.seen_jti:
                return self._reject("jti")
            self.seen_jti.add(jti)
            owners = {u["id"] for u in self.users.values() if sub and u["oauthId"] == sub}
            doomed = [
                s.id
                for s in self.sessions.values()
                if (not sid or s.oauth_sid == sid) and (not sub or s.user_id in owners)
            ]
            for session_id in doomed:
                del self.sessions[session_id]
            self.logout_tokens.append(dict(claims))
        return 200, ""

    def _reject(self, why: str) -> tuple[int, str]:
        with self.lock:
            self.rejected.append(why)
        return 400, f"Error backchannel logout: token validation failed ({why})"


class _Handler(BaseHTTPRequestHandler):
    standin: ImmichStandin
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without this, Nagle's algorithm waits for the
    # client's delayed ACK and every keep-alive answer takes 40 ms (the gate benchmark saw it).
    disable_nagle_algorithm = True

    def log_message(self, *args) -> None:  # quiet
        pass

    def _send(self, status: int, body: object = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, message: str) -> None:
        self._send(status, {"message": message, "statusCode": status})

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _session(self) -> StandinSession | None:
        query = parse_qs(urlsplit(self.path).query)
        scheme, _, rest = self.headers.get("Authorization", "").partition(" ")
        cookies = SimpleCookie()
        try:
            cookies.load(self.headers.get("Cookie", ""))
        except CookieError:
            pass
        token = (
            self.headers.get("x-immich-user-token")
            or self.headers.get("x-immich-session-token")
            or (query.get("sessionKey") or [""])[0]
            or (rest.split(" ")[0] if scheme.lower() == "bearer" else "")
            or (cookies["immich_access_token"].value if "immich_access_token" in cookies else "")
        )
        return self.standin.session_for_token(token) if token else None

    def parse_request(self) -> bool:
        ok = super().parse_request()
        if ok:
            with self.standin.lock:
                self.standin.received.append((self.command, urlsplit(self.path).path))
        return ok

    def _api_key(self, permission: str) -> bool:
        key = self.headers.get("x-api-key")
        entry = self.standin.api_keys.get(hashlib.sha256(key.encode()).hexdigest()) if key else None
        if entry is None:
            self._error(401, "Authentication required" if not key else "Invalid API key")
            return False
        if not self.standin.users[entry["user"]]["isAdmin"]:
            self._error(403, "Forbidden")
            return False
        if permission not in entry["permissions"] and "all" not in entry["permissions"]:
            self._error(403, f"Missing required permission: {permission}")
            return False
        return True

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        standin = self.standin
        if path == "/api/server/ping":
            return self._send(200, {"res": "pong"})
        if path == "/api/users/me":
            session = self._session()
            if session is None:
                return self._error(401, "Invalid user token")
            return self._send(200, standin.users[session.user_id])
        if path == "/api/sessions":
            session = self._session()
            if session is None:
                return self._error(401, "Invalid user token")
            with standin.lock:
                mine = [s for s in standin.sessions.values() if s.user_id == session.user_id]
                self._send(200, [s.dto(session.id) for s in mine])
            return None
        if path == "/api/admin/users":
            if self._api_key("adminUser.read"):
                with standin.lock:
                    self._send(200, list(standin.users.values()))
            return None
        match = re.fullmatch(r"/api/admin/users/([0-9a-f-]{36})/sessions", path)
        if match:
            if self._api_key("adminSession.read"):
                with standin.lock:
                    items = sorted(
                        (s for s in standin.sessions.values() if s.user_id == match[1]),
                        key=lambda s: (s.updated_at, s.created_at),
                        reverse=True,
                    )
                    self._send(200, [s.dto() for s in items])
            return None
        return self._error(404, "Not found")

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        standin = self.standin
        if path == "/api/oauth/backchannel-logout":
            if not self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
                return self._error(400, "Expected a form")
            form = parse_qs(self._body().decode())
            status, message = standin.backchannel_logout((form.get("logout_token") or [""])[0])
            return self._send(status, None) if status == 200 else self._error(status, message)
        body = json.loads(self._body() or b"{}")
        if path == "/api/oauth/authorize":
            return self._send(201, {"url": standin.authorize(body["redirectUri"])})
        if path == "/api/oauth/callback":
            try:
                return self._send(201, standin.callback(body["url"], self.headers))
            except Exception as error:
                return self._error(400, f"OAuth authentication failed: {error}")
        if path == "/api/auth/logout":
            session = self._session()
            if session is None:
                return self._error(401, "Invalid user token")
            with standin.lock:
                standin.sessions.pop(session.id, None)
            return self._send(200, {"successful": True, "redirectUri": "/auth/login"})
        return self._error(404, "Not found")
