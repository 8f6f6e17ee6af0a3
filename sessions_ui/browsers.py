"""Which browser a sign-in came from: a long-lived random cookie, kept apart from the session.

The device a sign-in names (browser family and OS, "Chrome på Windows") is shared by millions of
browsers: an attacker on Chrome for Windows looks like the victim's own laptop to a signal that
reads only the user agent. So every browser that signs in gets its own random id in a cookie that
outlives sign-outs and sessions (``BROWSER_COOKIE_AGE``, 400 days, the most Chromium keeps a
cookie; renewed at every sign-in), and the sign-in event keeps the SHA-256 fingerprint of it
(``details["browser"]``). The risk signals call a browser familiar when a trusted sign-in came
from that very browser (``account_security.risk``); a new browser of a familiar kind is still
"Okänd enhet".

Like the session key (DESIGN.md), the id itself is never stored: a leaked security log yields
no cookie to make a stranger's browser look familiar. The cookie is HttpOnly, SameSite=Lax and,
in production, Secure with the ``__Host-`` prefix. It names a browser, not a person: it is set
only when someone signs in, carries nothing else, and is the same for every account signed in on
that browser (each account only ever sees its fingerprint in its own log).
"""

from __future__ import annotations

import hashlib
import re
import secrets

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# What ``secrets.token_urlsafe(32)`` gives; anything else in the cookie is replaced.
_ID = re.compile(r"[A-Za-z0-9_-]{43}")
_ATTRIBUTE = "_pixelunion_browser_id"


def browser_fingerprint(request: HttpRequest) -> str:
    """The fingerprint of the browser ``request`` came from, for its sign-in event.

    A browser without a valid id gets a new one here; ``renew_browser_cookie`` sets (or, for a
    known one, renews) the cookie on the response of every request that asked.
    """
    value = getattr(request, _ATTRIBUTE, None)
    if value is None:
        value = request.COOKIES.get(settings.BROWSER_COOKIE_NAME, "")
        if not _ID.fullmatch(value):
            value = secrets.token_urlsafe(32)
        setattr(request, _ATTRIBUTE, value)
    return hashlib.sha256(value.encode()).hexdigest()


def renew_browser_cookie(request: HttpRequest, response: HttpResponse) -> None:
    """Set the browser's id on ``response`` if the request asked for its fingerprint."""
    value = getattr(request, _ATTRIBUTE, None)
    if value is None:
        return
    response.set_cookie(
        settings.BROWSER_COOKIE_NAME,
        value,
        max_age=settings.BROWSER_COOKIE_AGE,
        path="/",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
