"""Password hygiene: a new password ends every other session of the account, and is logged."""

from __future__ import annotations

from accounts.models import EventKind
from accounts.security_log import record_event
from sessions_ui.middleware import current_public_id
from sessions_ui.revocation import EndedSession, Reason, revoke_other_sessions


def end_other_sessions_after_password_change(
    request, user, *, reset: bool = False
) -> list[EndedSession]:
    """The current session (if it is the user's) survives; every other one ends now.

    Django's ``update_session_auth_hash`` already gave the current session a new key. A reset
    by email comes from a session that is not signed in, so every session of the user ends.
    The ended sessions are logged by the ``sessions_ended`` receiver; the change itself here.
    """
    current = current_public_id(request) if getattr(request, "user", None) == user else None
    ended = revoke_other_sessions(user, current, reason=Reason.PASSWORD)
    record_event(
        EventKind.PASSWORD_RESET if reset else EventKind.PASSWORD_CHANGED,
        user=user,
        request=request,
        details={"signed_out": len(ended)},
    )
    return ended
