"""PixelUnion as Immich's OpenID Connect provider: allauth's ``allauth.idp.oidc`` with our hooks.

allauth brings discovery, JWKS, the authorization code flow with PKCE, the token endpoint and
RP-initiated logout. This adapter adds what Immich and Back-Channel Logout 1.0 need:

- ``sid``: the public id of the session row made for this sign-in (``immich.signin``). Immich
  (server/src/repositories/oauth.repository.ts, ``getProfileAndOAuthSid``) reads ``sid`` from the
  ID token and stores it on its session as ``oauthSid`` (server/src/services/auth.service.ts,
  ``createLoginResponse``);
- ``amr`` / ``acr``: how the approving session signed in (RFC 8176 values, from
  ``accounts.sign_in.AMR``: ``pwd``, ``otp``, ``hwk`` and ``user`` for a passkey, ``mfa``;
  ``acr`` "2" with two factors, "1" with the password only);
- ``name`` for Immich's auto-registered user (auth.service.ts falls back to the email otherwise);
- the discovery flags ``backchannel_logout_supported`` and ``backchannel_logout_session_supported``;
- a fixed issuer (``settings.OIDC_ISSUER``), because logout tokens are signed by the worker,
  outside any request, and must carry the issuer Immich discovered.
"""

from __future__ import annotations

from typing import Any

from allauth.idp.oidc.adapter import DefaultOIDCAdapter
from django.conf import settings

from immich.clients import is_immich_client, subject
from immich.signin import session_for_token_exchange

BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"


class ImmichOIDCAdapter(DefaultOIDCAdapter):
    def get_issuer(self) -> str:
        return settings.OIDC_ISSUER

    def get_user_sub(self, client, user) -> str:
        return subject(user.pk)

    def get_claims(self, purpose, user, client, scopes, email=None, **kwargs) -> dict[str, Any]:
        claims = super().get_claims(purpose, user, client, scopes, email=email, **kwargs)
        if "profile" in scopes and not claims.get("name"):
            name = (user.get_full_name() or "").strip() or user.get_username()
            if name:
                claims["name"] = name
        return claims

    def populate_id_token(self, id_token: dict[str, Any], client, scopes, **kwargs: Any) -> None:
        if not is_immich_client(client):
            return
        sign_in = session_for_token_exchange(id_token["sub"])
        if sign_in is None:
            return
        id_token["sid"] = str(sign_in.session_public_id)
        id_token["auth_time"] = int(sign_in.authorized_at.timestamp())
        amr = sign_in.methods
        id_token["amr"] = amr
        id_token["acr"] = "2" if "mfa" in amr else "1"

    def populate_server_metadata(self, data: dict[str, Any]) -> None:
        data["backchannel_logout_supported"] = True
        data["backchannel_logout_session_supported"] = True
        data["claims_supported"] = [
            "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "sid", "amr", "acr",
            "email", "email_verified", "name",
        ]
        data["acr_values_supported"] = ["1", "2"]
