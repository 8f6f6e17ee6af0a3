"""The API's single import point for two-factor authentication and the security log.

Everything ``api/`` needs from ``accounts`` (the 2FA issue's ``accounts.two_factor`` and the
security log's ``accounts.security_log``) is imported here and nowhere else, so a change of
those modules' interface is a change of this file only.

What is logged where: a wrong password is logged by the ``user_login_failed`` receiver (Django's
``authenticate`` sends it), a wrong or throttled code by ``match_second_factor`` itself, ended
sessions by the ``sessions_ended`` receiver; this module writes the one event the API owns, the
completed app sign-in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.http import HttpRequest
from django.utils import timezone

from accounts.models import EventKind
from accounts.security_log import record_event
from accounts.two_factor import (
    SecondFactorThrottled,
    match_second_factor,
    second_factor_pending,
    user_has_two_factor,
    verified_session_data,
)

__all__ = [
    "CodeResult",
    "check_code",
    "has_two_factor",
    "log_sign_in",
    "second_factor_satisfied",
]


def has_two_factor(user) -> bool:
    """Whether ``user`` must give a second factor to sign in."""
    return user_has_two_factor(user)


@dataclass(frozen=True, slots=True)
class CodeResult:
    """A checked code: session data marking the session verified, or why there is none."""

    session_data: dict[str, str] | None = None
    method: str = ""
    retry_after: int | None = None  # set when the 2FA throttle refused to check the code

    @property
    def accepted(self) -> bool:
        return self.session_data is not None


def check_code(user, code: str, request: HttpRequest) -> CodeResult:
    """Check a TOTP code or a backup code with the 2FA module (its throttle, its log)."""
    try:
        match = match_second_factor(user, code, request=request, purpose="sign_in")
    except SecondFactorThrottled as throttled:
        return CodeResult(retry_after=_seconds_until(throttled.locked_until))
    if match is None:
        return CodeResult()
    return CodeResult(session_data=verified_session_data(match.device), method=match.method)


def _seconds_until(moment: datetime | None) -> int:
    if moment is None:
        return 1
    return max(1, int((moment - timezone.now()).total_seconds()) + 1)


def second_factor_satisfied(request: HttpRequest) -> bool:
    """The signed-in user has no second factor, or this session was verified with it.

    ``accounts.middleware.TwoFactorMiddleware`` already makes such a request anonymous; this is
    the API's own check, free of queries after the middleware (both results are cached).
    """
    return not second_factor_pending(request.user)


def log_sign_in(user, request: HttpRequest, session, method: str) -> None:
    """A completed app sign-in, in the session it created."""
    record_event(
        EventKind.SIGN_IN,
        user=user,
        request=request,
        session=session,
        details={"method": method, "client": "app"},
    )
