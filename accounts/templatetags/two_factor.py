"""Template filters for pages that must know whether the session still owes its 2FA code."""

from __future__ import annotations

from django import template

from accounts.two_factor import second_factor_pending

register = template.Library()


@register.filter(name="owes_second_factor")
def owes_second_factor(request) -> bool:
    """True while the signed-in session has not passed the code step of an account with 2FA."""
    return second_factor_pending(getattr(request, "user", None))
