"""The account's passkeys for the Kontosäkerhet include (``accounts/_passkeys.html``), so the
page's view needs no change to show them."""

from __future__ import annotations

from django import template

from accounts.passkeys import passkeys_of

register = template.Library()


@register.simple_tag
def account_passkeys(user) -> list:
    """The signed-in user's passkeys, oldest first (one query)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return list(passkeys_of(user).only("pk", "name", "created_at", "last_used_at"))
