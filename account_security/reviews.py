"""The user's answers to a flagged session: "Det var jag" and "Det var inte jag".

One function per answer, shared by the pages (and by the API, should it offer them). Both act
only on the user's own live sessions; anything else raises ``SessionNotFound`` (the pages
answer 404) and changes nothing.
"""

from __future__ import annotations

from django.utils import timezone

from account_security.models import SignInReview, Verdict
from sessions_ui.models import Session
from sessions_ui.revocation import (
    EndedSession,
    Reason,
    SessionNotFound,
    parse_public_id,
    revoke_session,
)


def _answer(user, public_id, verdict: Verdict) -> None:
    SignInReview.objects.update_or_create(
        user=user,
        session_public_id=public_id,
        defaults={"verdict": verdict, "reviewed_at": timezone.now()},
    )


def confirm_session(user, public_id: object) -> None:
    """ "Det var jag": the session stops being flagged, and its place, device and hour count as
    the account's own from now on (the signals learn from confirmed sign-ins)."""
    pid = parse_public_id(public_id)
    if not Session.objects.of_user(user).filter(public_id=pid).exists():
        raise SessionNotFound(pid)
    _answer(user, pid, Verdict.MINE)


def disown_session(user, public_id: object, *, by_session: object | None = None) -> EndedSession:
    """ "Det var inte jag": sign the session out at once, and keep its sign-in out of the
    history, so the intruder's place and device never become familiar.

    The session ends first: if the answer could not be stored, the device is still out.
    """
    ended = revoke_session(user, public_id, reason=Reason.USER, by_session=by_session)
    _answer(user, ended.public_id, Verdict.NOT_MINE)
    return ended
