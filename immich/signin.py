"""An Immich sign-in: the authorization code is issued, then Immich exchanges it for tokens.

At the code (the user's own browser request) we note who approved it, from which browser and
with which second factor. At the exchange (Immich's server calling our token endpoint, right
before it creates its own session) we start the session row whose public id becomes the ``sid``:
one row per authorization, so every Immich session has a row of its own to show and to end.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY

from accounts.sign_in import amr_of
from immich.models import Authorization
from immich.sync import schedule_sync
from sessions_ui.client import USER_AGENT_MAX, ClientInfo, client_from_request
from sessions_ui.models import ClientKind, Session
from sessions_ui.signin import start_session

MOBILE_REDIRECTS = ("app.immich:",)
MOBILE_REDIRECT_PATH = "/api/oauth/mobile-redirect"


def is_mobile_redirect(uri: str) -> bool:
    """Immich's app callback (``app.immich:///oauth-callback``) or the web form of it that Immich
    forwards to the app (server/src/controllers/oauth.controller.ts, ``mobile-redirect``)."""
    uri = (uri or "").strip()
    if uri.lower().startswith(MOBILE_REDIRECTS):
        return True
    return uri.split("?", 1)[0].rstrip("/").endswith(MOBILE_REDIRECT_PATH)


def record_authorization(code_token, request) -> Authorization | None:
    """Note an authorization code issued to Immich (called when allauth saves the code)."""
    grant_id = code_token.get_grant_id()
    if not grant_id or code_token.user_id is None:
        return None
    client = client_from_request(request) if request is not None else None
    session = getattr(request, "session", None)
    otp_device = ""
    user = getattr(request, "user", None)
    is_verified = getattr(user, "is_verified", None)
    if session is not None and callable(is_verified) and is_verified():
        otp_device = session.get(DEVICE_ID_SESSION_KEY, "") or ""
    amr = amr_of(session) or []
    if amr and "mfa" in amr and not otp_device:
        amr = []  # the session no longer holds its second factor: say only what is known
    return Authorization.objects.create(
        grant_id=grant_id,
        user_id=code_token.user_id,
        ip=client.ip if client else None,
        user_agent=(client.user_agent if client else "")[:USER_AGENT_MAX],
        otp_device=otp_device,
        amr=amr,
        mobile=is_mobile_redirect(code_token.get_redirect_uri() or ""),
    )


def _current_grant_id() -> str | None:
    # allauth keeps the grant being redeemed in its validator context (a code, or the grant of
    # a refresh token); populate_id_token is given neither. Pinned: django-allauth 65.x.
    from allauth.idp.oidc.internal.oauthlib.utils import get_validator_context

    ctx = get_validator_context()
    if ctx.grant_id:
        return ctx.grant_id
    refresh = getattr(ctx, "refresh_token", None)
    return refresh.get_grant_id() if refresh is not None else None


def session_for_token_exchange(sub: str) -> Authorization | None:
    """The authorization being exchanged, with its session row started on first exchange."""
    grant_id = _current_grant_id()
    if not grant_id:
        return None
    auth = Authorization.objects.select_for_update().filter(grant_id=grant_id).first()
    if auth is None or str(auth.user_id) != str(sub):
        return None
    if auth.session_public_id is not None:
        return auth
    user = get_user_model().objects.get(pk=auth.user_id)
    store = start_session(
        user,
        ClientInfo(ip=auth.ip, user_agent=auth.user_agent),
        kind=ClientKind.IMMICH,
        extra={DEVICE_ID_SESSION_KEY: auth.otp_device} if auth.otp_device else None,
    )
    auth.session_public_id = store.public_id
    auth.exchanged_at = timezone.now()
    auth.save(update_fields=["session_public_id", "exchanged_at"])
    schedule_sync(auth.user_id)
    return auth


def immich_rows(user):
    """The user's live Immich session rows."""
    return Session.objects.of_user(user).filter(client=ClientKind.IMMICH)

