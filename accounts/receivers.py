"""Django's, allauth's and the sessions app's signals, wired to our operations (one each)."""

from __future__ import annotations

from allauth.account.signals import (
    email_added,
    email_changed,
    email_removed,
    password_changed,
    password_reset,
)
from django.contrib import messages
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils.translation import ngettext

from accounts import sign_in
from accounts.models import EventKind
from accounts.passwords import end_other_sessions_after_password_change
from accounts.security_log import record_event, record_sessions_ended
from sessions_ui.signals import sessions_ended


@receiver(password_changed)
@receiver(password_reset)
def _end_other_sessions(sender, request, user, signal=None, **kwargs) -> None:
    ended = end_other_sessions_after_password_change(request, user, reset=signal is password_reset)
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


@receiver(sessions_ended)
def _log_sessions_ended(sender, user, ended, reason, by_session=None, **kwargs) -> None:
    record_sessions_ended(user, ended, reason, by_session)


@receiver(user_logged_in)
def _log_sign_in(sender, request, user, **kwargs) -> None:
    sign_in.signed_in(request, user)


@receiver(user_logged_out)
def _log_sign_out(sender, request, user, **kwargs) -> None:
    sign_in.signed_out(request, user)


@receiver(user_login_failed)
def _log_failed_sign_in(sender, credentials, request=None, **kwargs) -> None:
    sign_in.sign_in_failed(request, credentials)


@receiver(email_changed)
def _log_email_changed(sender, request, user, from_email_address, to_email_address, **kw) -> None:
    record_event(
        EventKind.EMAIL_CHANGED,
        user=user,
        request=request,
        details={"action": "primary", "email": to_email_address.email},
    )


@receiver(email_added)
def _log_email_added(sender, request, user, email_address, **kwargs) -> None:
    record_event(
        EventKind.EMAIL_CHANGED,
        user=user,
        request=request,
        details={"action": "added", "email": email_address.email},
    )


@receiver(email_removed)
def _log_email_removed(sender, request, user, email_address, **kwargs) -> None:
    record_event(
        EventKind.EMAIL_CHANGED,
        user=user,
        request=request,
        details={"action": "removed", "email": email_address.email},
    )
