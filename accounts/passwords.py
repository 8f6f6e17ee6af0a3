"""Password hygiene: a new password ends every other session of the account."""

from __future__ import annotations

from sessions_ui.revocation import EndedSession, Reason, revoke_other_sessions


def end_other_sessions_after_password_change(request, user) -> list[EndedSession]:
    """The current session (if it is the user's) survives; every other one ends now.

    Django's ``update_session_auth_hash`` already gave the current session a new key.
    """
    current = None
    session = getattr(request, "session", None)
    if session is not None and getattr(request, "user", None) == user:
        current = getattr(session, "public_id", None)
    return revoke_other_sessions(user, current, reason=Reason.PASSWORD)
