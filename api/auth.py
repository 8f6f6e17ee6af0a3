"""What the API's sign-in adds to ``accounts``: a checked code as session data, and the log entry.

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
    verified_session_data,
)

__all__ = ["CodeResult", "check_code", "log_sign_in"]


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


def log_sign_in(user, request: HttpRequest, session, method: str) -> None:
    """A completed app sign-in, in the session it created."""
    record_event(
        EventKind.SIGN_IN,
        user=user,
        request=request,
        session=session,
        details={"method": method, "client": "app"},
    )
