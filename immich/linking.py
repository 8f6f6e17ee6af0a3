"""Which Immich session is which of our sid rows.

Immich's session list (``SessionResponseDto``) does not carry ``oauthSid``, so the link is made
from what both sides know (docs/immich.md, "How sessions are matched"):

1. time: Immich creates its session in the same callback request that exchanged our code
   (server/src/services/auth.service.ts, ``callback`` → ``createLoginResponse``), so its
   ``createdAt`` lies seconds after our ``exchanged_at`` (window: ``LINK_WINDOW``);
2. device: a sign-in redirected to the app (``mobile``) becomes a session with an
   ``appVersion``; a web one has none; and a known OS must agree (Android with Android…);
3. order: when sign-ins overlap and still look alike, the earlier exchange takes the earlier
   session, as Immich handles callbacks in the order they arrive.

Ending a session never depends on this link: the logout token names the ``sid`` and Immich
resolves it itself. The link only decides which Immich details (device, version, last update)
are shown on which row, and lets Immich's own sign-outs leave the list.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from immich.api import ImmichSession
from immich.models import Authorization
from sessions_ui.devices import describe_device

# Immich's session is created right after our token exchange; allow for clock skew before it.
LINK_WINDOW = timedelta(minutes=2)
CLOCK_SKEW = timedelta(seconds=10)

_OS_FAMILIES = {
    "android": "android",
    "ios": "ios",
    "ipados": "ios",
    "mac os": "macos",
    "macos": "macos",
    "windows": "windows",
    "linux": "linux",
    "ubuntu": "linux",
    "chrome os": "chromeos",
    "chromeos": "chromeos",
}


def os_family(name: str) -> str:
    return _OS_FAMILIES.get((name or "").strip().lower(), "")


def compatible(auth: Authorization, session: ImmichSession) -> bool:
    """Could this Immich session be the one this authorization became?"""
    delta = session.created_at - auth.exchanged_at
    if delta < -CLOCK_SKEW or delta > LINK_WINDOW:
        return False
    if auth.mobile != session.is_app:
        return False
    ours = os_family(describe_device(auth.user_agent).os)
    theirs = os_family(session.device_os)
    return not (ours and theirs and ours != theirs)


def match(
    unlinked: Sequence[Authorization], candidates: Sequence[ImmichSession]
) -> dict[int, ImmichSession]:
    """Pairs (authorization pk → Immich session), earliest exchange first, each used once."""
    pairs: dict[int, ImmichSession] = {}
    taken: set[str] = set()
    for auth in sorted(unlinked, key=lambda a: (a.exchanged_at, a.pk)):
        fitting = [s for s in candidates if s.id not in taken and compatible(auth, s)]
        if not fitting:
            continue
        best = min(fitting, key=lambda s: (s.created_at, s.id))
        pairs[auth.pk] = best
        taken.add(best.id)
    return pairs
