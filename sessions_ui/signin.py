"""Starting a session outside the browser flow (the mobile app's tokens, demo data)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db import IntegrityError

from sessions_ui.client import ClientInfo
from sessions_ui.models import ClientKind, Session
from sessions_ui.revocation import session_store_class


def start_session(
    user,
    client: ClientInfo,
    *,
    kind: str = ClientKind.APP,
    backend: str | None = None,
    extra: dict | None = None,
):
    """Create a signed-in session row for ``user``; returns the store (its key is the token).

    The data is what ``django.contrib.auth.login`` would write, so the same session is valid for
    ``get_user`` on every path; it is stored with one INSERT. ``backend`` defaults to the first
    of ``AUTHENTICATION_BACKENDS`` (the project's, which loads the user and its 2FA status with
    one prepared query on every request).
    """
    store = session_store_class()(client=client, client_kind=kind)
    store[SESSION_KEY] = user._meta.pk.value_to_string(user)
    store[BACKEND_SESSION_KEY] = backend or settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    for key, value in (extra or {}).items():
        store[key] = value
    store.create()
    return store


def bind_credential(public_id, key_hash: str) -> bool:
    """Key the session row ``public_id`` by the hash of a credential its client really holds
    (an Immich token, whose hash Immich gives us no other way to learn), so that the store
    loads, tracks and revokes it by that hash like any other session.

    False if there is no such row, or if ``key_hash`` already keys another row.
    """
    old = Session.objects.filter(public_id=public_id).values_list("key_hash", flat=True).first()
    if old is None:
        return False
    if old == key_hash:
        return True
    try:
        return session_store_class().rekey(old, key_hash)
    except IntegrityError:
        return False
