"""Where the Immich integration hooks into the rest: allauth's codes and the ended-session signal.

The engine (``sessions_ui``) and the accounts app do not know this app exists.
"""

from __future__ import annotations

from typing import Any

from allauth.core import context
from allauth.idp.oidc.models import Token
from django.db.models.signals import post_save
from django.dispatch import receiver

from immich.backchannel import queue_logouts
from immich.clients import is_immich_client
from immich.gate import remember_ended
from immich.models import Authorization
from immich.signin import record_authorization
from sessions_ui.models import ClientKind
from sessions_ui.signals import sessions_ended


@receiver(post_save, sender=Token, dispatch_uid="immich_authorization_code")
def _authorization_code_issued(sender, instance: Token, created: bool, **kwargs: Any) -> None:
    if (
        created
        and instance.type == Token.Type.AUTHORIZATION_CODE
        and is_immich_client(instance.client)
    ):
        record_authorization(instance, context.request)


@receiver(sessions_ended, dispatch_uid="immich_sessions_ended")
def _immich_sessions_ended(sender, ended, **kwargs: Any) -> None:
    """Tell Immich (outbox) and forget the grant: its tokens can no longer be refreshed."""
    immich = [s for s in ended if s.client == ClientKind.IMMICH]
    if not immich:
        return
    queue_logouts(immich)
    public_ids = [s.public_id for s in immich]
    auths = list(
        Authorization.objects.filter(session_public_id__in=public_ids).values_list(
            "grant_id", "immich_session_id", "token_hash"
        )
    )
    remember_ended([(session_id, token_hash) for _, session_id, token_hash in auths])
    grants = [grant for grant, _, _ in auths]
    if grants:
        Token.objects.filter(data__grant_id__in=grants).delete()
    Authorization.objects.filter(session_public_id__in=public_ids).delete()
