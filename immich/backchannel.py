"""OpenID Connect Back-Channel Logout 1.0: telling Immich that a session has ended.

Every ended Immich session row gets an outbox row (``LogoutDelivery``) in the transaction that
ended it; the delivery task runs after the commit, in the worker (``manage.py worker``). Each
attempt signs a fresh logout token, because Immich accepts tokens at most two minutes old
(server/src/repositories/oauth.repository.ts, ``validateLogoutToken``: ``maxTokenAge: '2m'``,
``clockTolerance: '5s'``, issuer and audience checked, the ``events`` claim required, no
``nonce``), and POSTs it as the form field ``logout_token`` to
``{IMMICH_URL}/api/oauth/backchannel-logout`` (server/src/controllers/oauth.controller.ts,
``logoutOAuth``; answers 200, or 400 for a token it rejects). Immich then deletes the session
whose ``oauthSid`` is our ``sid`` and whose user's ``oauthId`` is our ``sub``
(server/src/repositories/session.repository.ts, ``invalidateOAuth``).

A failed attempt is retried with exponential back-off (``BACKCHANNEL_FIRST_DELAY`` doubling up to
``BACKCHANNEL_MAX_DELAY``) for ``BACKCHANNEL_ATTEMPTS`` attempts; the last failure is written to
the user's security log. Immich being down for ten minutes loses nothing: the row waits.
"""

from __future__ import annotations

import logging
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import datetime, timedelta

import jwt
from allauth.core.internal import jwkkit
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from accounts.models import EventKind
from accounts.security_log import record_event
from immich.clients import subject
from immich.models import LogoutDelivery
from immich.provider import BACKCHANNEL_EVENT, ImmichOIDCAdapter
from sessions_ui.models import ClientKind

logger = logging.getLogger(__name__)

# Short-lived: Immich allows two minutes; ours expire sooner than that.
LOGOUT_TOKEN_LIFETIME = 60


def logout_token(sid: uuid.UUID | str, sub: str, *, now: float | None = None) -> str:
    """A signed logout token for one session (Back-Channel Logout 1.0, section 2.4)."""
    issued = int(now if now is not None else time.time())
    claims = {
        "iss": settings.OIDC_ISSUER,
        "aud": settings.IMMICH_OIDC_CLIENT_ID,
        "iat": issued,
        "exp": issued + LOGOUT_TOKEN_LIFETIME,
        "jti": uuid.uuid4().hex,
        "sub": sub,
        "sid": str(sid),
        "events": {BACKCHANNEL_EVENT: {}},
    }
    jwk, private_key = jwkkit.load_jwk_from_pem(ImmichOIDCAdapter().get_signing_key().pem)
    return jwt.encode(
        claims, private_key, algorithm="RS256", headers={"kid": jwk["kid"], "typ": "logout+jwt"}
    )


def logout_endpoint() -> str:
    return f"{settings.IMMICH_URL}/api/oauth/backchannel-logout"


def queue_logouts(ended) -> list[LogoutDelivery]:
    """Outbox rows for the ended Immich sessions among ``ended``; delivered after the commit."""
    if not settings.IMMICH_URL:
        return []
    rows = [
        LogoutDelivery(sid=s.public_id, sub=subject(s.user_id), user_id=s.user_id)
        for s in ended
        if s.client == ClientKind.IMMICH and s.user_id is not None
    ]
    if not rows:
        return []
    rows = LogoutDelivery.objects.bulk_create(rows)
    ids = [row.pk for row in rows]
    transaction.on_commit(lambda: [deliver_logout.enqueue(pk) for pk in ids])
    return rows


def retry_delay(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s, … after the 1st, 2nd, 3rd failure, capped."""
    seconds = settings.BACKCHANNEL_FIRST_DELAY * (2 ** max(attempts - 1, 0))
    return timedelta(seconds=min(seconds, settings.BACKCHANNEL_MAX_DELAY))


def post_logout(token: str) -> tuple[bool, str]:
    """One POST to Immich: (delivered, what went wrong)."""
    body = urllib.parse.urlencode({"logout_token": token}).encode()
    request = urllib.request.Request(  # noqa: S310 - IMMICH_URL is the operator's http(s) URL
        logout_endpoint(),
        data=body,
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.IMMICH_HTTP_TIMEOUT) as response:  # noqa: S310
            return 200 <= response.status < 300, f"HTTP {response.status}"
    except urllib.error.HTTPError as error:
        return False, f"HTTP {error.code}"
    except (OSError, ValueError) as error:  # refused, timed out, DNS, bad URL
        return False, type(error).__name__


def attempt_delivery(delivery: LogoutDelivery, *, now: datetime | None = None) -> bool:
    """Try once; record the outcome. Returns whether it was delivered."""
    now = now or timezone.now()
    delivered, outcome = post_logout(logout_token(delivery.sid, delivery.sub))
    delivery.attempts += 1
    delivery.last_error = "" if delivered else outcome[:255]
    if delivered:
        delivery.state = LogoutDelivery.State.DELIVERED
        delivery.finished_at = now
    elif delivery.attempts >= settings.BACKCHANNEL_ATTEMPTS:
        delivery.state = LogoutDelivery.State.FAILED
        delivery.finished_at = now
    else:
        delivery.next_attempt_at = now + retry_delay(delivery.attempts)
    delivery.save(
        update_fields=["attempts", "last_error", "state", "finished_at", "next_attempt_at"]
    )
    if delivery.state == LogoutDelivery.State.FAILED:
        _log_failure(delivery)
    return delivered


def _log_failure(delivery: LogoutDelivery) -> None:
    logger.error(
        "Back-channel logout of Immich session %s failed after %d attempts (%s)",
        delivery.sid,
        delivery.attempts,
        delivery.last_error,
    )
    if delivery.user_id is None:
        return
    record_event(
        EventKind.APP_SIGN_OUT_FAILED,
        user=delivery.user_id,
        details={
            "session": str(delivery.sid),
            "app": "Immich",
            "attempts": delivery.attempts,
            "error": delivery.last_error,
        },
    )


@task()
def deliver_logout(delivery_id: int) -> str:
    """The worker's side: one attempt, and the next one scheduled if it failed."""
    with transaction.atomic():
        delivery = (
            LogoutDelivery.objects.select_for_update()
            .filter(pk=delivery_id, state=LogoutDelivery.State.PENDING)
            .first()
        )
        if delivery is None:
            return "done"
        delivered = attempt_delivery(delivery)
        if not delivered and delivery.state == LogoutDelivery.State.PENDING:
            run_after = delivery.next_attempt_at
            transaction.on_commit(
                lambda: deliver_logout.using(run_after=run_after).enqueue(delivery_id)
            )
    return delivery.state


def requeue_stale(*, now: datetime | None = None, grace: timedelta = timedelta(minutes=5)) -> int:
    """Enqueue again the pending rows whose task was lost (a worker killed mid-attempt)."""
    now = now or timezone.now()
    stale = list(
        LogoutDelivery.objects.filter(
            state=LogoutDelivery.State.PENDING, next_attempt_at__lt=now - grace
        ).values_list("pk", flat=True)
    )
    for pk in stale:
        deliver_logout.enqueue(pk)
    return len(stale)
