"""The Immich gate: the reverse proxy asks here about every Immich request before Immich sees it.

nginx ``auth_request`` (Traefik ``forwardAuth``, Caddy ``forward_auth``) sends the request's
headers to ``GATE_PATH``; we answer **204** (let it through) or **401** (refuse it). The
configuration we ship and test is ``deploy/nginx/immich-gate.conf``; docs/immich.md, "The gate".

- The credential is read as Immich reads it (``immich.credentials``). Shared-link keys, API
  keys and requests without a credential pass untouched: Immich decides about them.
- A session token is never stored or logged: only its SHA-256, which is also what Immich keeps.
  Once the gate has tied a token to its session row, the row is *keyed* by that hash
  (``sessions_ui.signin.bind_credential``), so the session store loads, tracks and revokes it
  exactly like a browser session: a warm token is one cache read (no SQL), IP, user agent and
  place are recorded only when they change, last activity at most once per
  ``SESSION_ACTIVITY_INTERVAL``, and an ended session's token meets the revocation tombstone
  (or, past it, no row and an ``EndedImmichSession``): 401 on every app server at once.
- A token not seen before passes (Immich checks it itself) and is mapped in the background,
  once: Immich's own ``GET /api/sessions``, asked with that token, marks its session
  ``current``; the link from that Immich session to our row comes from ``immich.linking``
  (run now if the sync has not linked it yet). A marker in the session cache keeps the other
  app servers from mapping it too; a token Immich refuses is remembered as refused.
- Only the proxy may ask: ``IMMICH_GATE_SECRET`` must arrive in ``X-PixelUnion-Gate`` and is
  compared in constant time; without the setting the gate answers 404 to everyone.
- Served in front of Django's handler (``immich.gate_wsgi``): ``gate`` needs only the environ.
"""

from __future__ import annotations

import hmac
import logging
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.db import DatabaseError, IntegrityError, close_old_connections, connections
from django.http import HttpResponse
from django.utils import timezone

from immich import api
from immich.credentials import Kind, is_token_shaped, original_query, read_credential
from immich.models import Authorization, EndedImmichSession
from immich.sync import sync_user
from sessions_ui.client import ClientInfo, client_from_meta
from sessions_ui.keys import hash_key as token_hash  # SHA-256, as Immich keeps it too
from sessions_ui.models import ClientKind, Session
from sessions_ui.revocation import session_store_class
from sessions_ui.signin import bind_credential

logger = logging.getLogger(__name__)

GATE_PATH = "/immich/gate"
SECRET_HEADER = "HTTP_X_PIXELUNION_GATE"
PASS, REFUSED, FORBIDDEN, OFF, UNAVAILABLE = 204, 401, 403, 404, 503

# Markers in the session cache for tokens that have no row (yet): being mapped, not one of
# ours (another Immich session: a child session for casting, one from before PixelUnion), or
# refused by Immich / ended here.
MARKER_PREFIX = "immich-gate."
PENDING, FOREIGN, DEAD = "pending", "foreign", "refused"
PENDING_SECONDS, FOREIGN_SECONDS = 30, 60
# Unseen tokens mapped at the same time per process; beyond it they simply pass unmapped
# (and are mapped at a later request), so a flood of made-up tokens cannot queue work.
MAX_MAPPINGS = 32


def _answer(status: int) -> HttpResponse:
    response = HttpResponse(status=status)
    response["Cache-Control"] = "no-store"
    return response


class ImmichGateMiddleware:
    """The gate inside Django's handler, first in ``MIDDLEWARE``: answered before anything else
    runs (no session, no locale, no CSRF, no host check, no HTTPS redirect). Real servers never
    get this far: ``immich.gate_wsgi`` answers the gate's path in front of Django's handler
    (pixelunion/wsgi.py); this is the same answer for whatever enters through Django itself
    (the ASGI application, the test client)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == GATE_PATH:
            return _answer(gate(request.META))
        return self.get_response(request)


def secret_matches(meta) -> bool:
    secret = settings.IMMICH_GATE_SECRET
    given = meta.get(SECRET_HEADER, "")
    # WSGI header values are latin-1 text; both sides as bytes for compare_digest.
    return hmac.compare_digest(given.encode("latin-1", "replace"), secret.encode("utf-8"))


def gate(meta: Mapping[str, Any]) -> int:
    """The status for the proxy: 204 pass, 401 refused (403/404: not asked by our proxy).

    ``meta`` is the request's WSGI environ (``request.META`` is the same mapping): nothing else
    of a request is needed, so the WSGI shortcut can answer without building one."""
    if not settings.IMMICH_GATE_SECRET:
        return OFF
    if not secret_matches(meta):
        return FORBIDDEN
    credential = read_credential(meta, original_query(meta))
    if credential is None or credential.kind != Kind.SESSION:
        return PASS
    if not is_token_shaped(credential.value):
        return REFUSED
    return check_token(credential.value, client_from_meta(meta))


def check_token(token: str, client: ClientInfo) -> int:
    key_hash = token_hash(token)
    try:
        store = _load(key_hash, client)
    except DatabaseError:
        logger.warning("Immich gate: database unavailable, request refused (503)")
        return UNAVAILABLE
    if store.has_row():
        try:
            store.record_activity()
        except DatabaseError:  # the session is valid; only its activity is not noted
            logger.warning("Immich gate: could not record activity of %s", store.public_id)
        return PASS
    if store.revoked:
        return REFUSED
    return _unseen(token, key_hash, client)


def _load(key_hash: str, client: ClientInfo | None):
    """The session store of the Immich session row keyed by ``key_hash``, loaded."""
    store = session_store_class().for_key_hash(key_hash, client=client, client_kind=ClientKind.IMMICH)
    store.load()
    return store


# --- tokens without a row --------------------------------------------------------------------------
def _cache():
    return caches[settings.SESSION_CACHE_ALIAS]


def _marker(key_hash: str):
    try:
        return _cache().get(MARKER_PREFIX + key_hash)
    except Exception:  # noqa: BLE001 - the cache is only a shortcut
        return None


def _set_marker(key_hash: str, value: str, seconds: int) -> None:
    try:
        _cache().set(MARKER_PREFIX + key_hash, value, timeout=seconds)
    except Exception:  # noqa: BLE001
        logger.debug("Immich gate: marker not cached (cache down)")


def _claim(key_hash: str) -> bool:
    """Whether this request is the one to map the token (one app server, once a while)."""
    try:
        return bool(_cache().add(MARKER_PREFIX + key_hash, PENDING, timeout=PENDING_SECONDS))
    except Exception:  # noqa: BLE001 - without the cache, map here (deduplicated per process)
        return True


def _unseen(token: str, key_hash: str, client: ClientInfo) -> int:
    marker = _marker(key_hash)
    if marker == DEAD:
        return REFUSED
    if marker in (PENDING, FOREIGN):
        return PASS
    try:
        ended = EndedImmichSession.objects.filter(token_hash=key_hash).exists()
    except DatabaseError:
        return UNAVAILABLE
    if ended:
        _set_marker(key_hash, DEAD, _dead_seconds())
        return REFUSED
    if _claim(key_hash):
        _schedule(token, key_hash, client)
    return PASS


def _dead_seconds() -> int:
    return int(getattr(settings, "SESSION_CACHE_TTL", 300))


_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()
_in_flight: set[str] = set()


def _schedule(token: str, key_hash: str, client: ClientInfo) -> None:
    """Map off the request path, on a small thread pool of this process. Losing a mapping
    (the worker exits) costs nothing but a later one: the marker expires and the next request
    with the token schedules it again."""
    global _executor
    with _executor_lock:
        if key_hash in _in_flight or len(_in_flight) >= MAX_MAPPINGS:
            return
        _in_flight.add(key_hash)
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="immich-gate")
    _executor.submit(_map_in_background, token, key_hash, client)


def _map_in_background(token: str, key_hash: str, client: ClientInfo) -> None:
    close_old_connections()
    try:
        map_token(token, client)
    except Exception:  # noqa: BLE001 - a background thread: log, never the token
        logger.exception("Immich gate: mapping token %s… failed", key_hash[:12])
        try:
            _cache().delete(MARKER_PREFIX + key_hash)
        except Exception:  # noqa: BLE001
            logger.debug("Immich gate: marker not dropped (cache down)")
    finally:
        with _executor_lock:
            _in_flight.discard(key_hash)
        connections.close_all()


def map_token(token: str, client: ClientInfo | None = None) -> str:
    """Tie an Immich token to its session row, once; returns what became of it:
    ``bound``, ``refused`` (Immich does not know it, or its session ended here), ``foreign``
    (an Immich session that is not one of our rows) or ``unavailable`` (try again later)."""
    key_hash = token_hash(token)
    try:
        immich_session_id, oauth_id = api.token_session(token)
    except api.TokenRefused:
        _set_marker(key_hash, DEAD, _dead_seconds())
        return "refused"
    except api.ImmichUnavailable as error:
        logger.warning("Immich gate: token %s… not mapped: %s", key_hash[:12], error)
        _cache().delete(MARKER_PREFIX + key_hash)
        return "unavailable"
    if EndedImmichSession.objects.filter(immich_session_id=immich_session_id).exists():
        EndedImmichSession.objects.filter(immich_session_id=immich_session_id, token_hash=None).update(
            token_hash=key_hash
        )
        _set_marker(key_hash, DEAD, _dead_seconds())
        return "refused"
    auth = Authorization.objects.filter(immich_session_id=immich_session_id).first()
    if auth is None:
        user = get_user_model().objects.filter(pk=oauth_id).first() if oauth_id.isdigit() else None
        if user is not None:
            sync_user(user)  # links the sign-ins Immich has made sessions of (immich.linking)
            auth = Authorization.objects.filter(immich_session_id=immich_session_id).first()
    if auth is None or auth.session_public_id is None or (auth.token_hash not in (None, key_hash)):
        _set_marker(key_hash, FOREIGN, FOREIGN_SECONDS)
        return "foreign"
    if not Session.objects.active().filter(public_id=auth.session_public_id).exists():
        # Its row ran out of time (idle timeout or lifetime) and awaits ``clearsessions``,
        # which tells Immich: ended here already, so refused here already.
        _set_marker(key_hash, DEAD, _dead_seconds())
        return "refused"
    if not bind_credential(auth.session_public_id, key_hash):
        _set_marker(key_hash, FOREIGN, FOREIGN_SECONDS)
        return "foreign"
    try:
        Authorization.objects.filter(pk=auth.pk).update(token_hash=key_hash)
    except IntegrityError:
        pass
    _cache().delete(MARKER_PREFIX + key_hash)
    if client is not None:  # the request that brought the token: its IP, place, activity
        store = _load(key_hash, client)
        if store.has_row():
            store.record_activity()
    return "bound"


def remember_ended(sessions: list[tuple[str | None, str | None]]) -> None:
    """(Immich session id, token hash) of Immich sessions just ended here: refused from now on."""
    rows = [
        EndedImmichSession(immich_session_id=session_id, token_hash=key_hash)
        for session_id, key_hash in sessions
        if session_id or key_hash
    ]
    if rows:
        EndedImmichSession.objects.bulk_create(rows, ignore_conflicts=True)


def prune_ended(*, now=None) -> int:
    """Forget ended sessions older than any Immich session can live (``immich_sync``)."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.IMMICH_SESSION_ABSOLUTE_LIFETIME)
    deleted, _ = EndedImmichSession.objects.filter(ended_at__lt=cutoff).delete()
    return deleted
