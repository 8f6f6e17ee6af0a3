"""allauth's account signals, wired to our operations (one function each)."""

from __future__ import annotations

from allauth.account.signals import password_changed, password_reset
from django.contrib import messages
from django.dispatch import receiver
from django.utils.translation import ngettext

from accounts.passwords import end_other_sessions_after_password_change


@receiver(password_changed)
@receiver(password_reset)
def _end_other_sessions(sender, request, user, **kwargs) -> None:
    ended = end_other_sessions_after_password_change(request, user)
    if ended and request is not None:
        messages.info(
            request,
            ngettext(
                "%(count)d other device was signed out.",
                "%(count)d other devices were signed out.",
                len(ended),
            )
            % {"count": len(ended)},
        )
