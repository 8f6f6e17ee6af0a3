"""Immich as a registered client of our provider: its redirect URIs, scopes and secret."""

from __future__ import annotations

from typing import Any

from allauth.idp.oidc.models import Client
from django.conf import settings

SCOPES = ["openid", "email", "profile"]
# The app's own callback, as Immich's mobile app registers it.
MOBILE_CALLBACK = "app.immich:///oauth-callback"
DEMO_IMMICH_URL = "http://127.0.0.1:2283"
DEMO_SECRET = "immich-demo-secret-for-make-run-only"


def subject(user_id: object) -> str:
    """The ``sub`` of a user: its primary key as text (Immich's ``oauthId``)."""
    return str(user_id)


def is_immich_client(client: Any) -> bool:
    return getattr(client, "id", None) == settings.IMMICH_OIDC_CLIENT_ID


def redirect_uris(immich_url: str) -> list[str]:
    """Immich's web callbacks (sign-in and account linking), the mobile-redirect form and the
    app's callback (server/src/controllers/oauth.controller.ts; auth.service.ts
    ``resolveRedirectUri`` swaps ``app.immich:///oauth-callback`` for the override)."""
    base = immich_url.rstrip("/")
    return [
        f"{base}/auth/login",
        f"{base}/user-settings",
        f"{base}/api/oauth/mobile-redirect",
        MOBILE_CALLBACK,
    ]


def ensure_immich_client(
    *, client_id: str | None = None, secret: str | None = None, immich_url: str | None = None
) -> Client:
    """Create or update the Immich client from the settings (or the given values)."""
    client_id = client_id or settings.IMMICH_OIDC_CLIENT_ID
    secret = secret if secret is not None else settings.IMMICH_OIDC_CLIENT_SECRET
    immich_url = immich_url or settings.IMMICH_URL or DEMO_IMMICH_URL
    client = Client.objects.filter(id=client_id).first() or Client(id=client_id)
    client.name = "Immich"
    client.type = Client.Type.CONFIDENTIAL
    client.skip_consent = True  # our own service: no "allow Immich to…" page
    client.set_scopes(SCOPES)
    client.set_default_scopes(SCOPES)
    client.set_grant_types([Client.GrantType.AUTHORIZATION_CODE, Client.GrantType.REFRESH_TOKEN])
    client.set_response_types([Client.ResponseType.CODE])
    client.set_redirect_uris(redirect_uris(immich_url))
    if secret:
        client.set_secret(secret)
    client.save()
    return client
