"""Re-authentication, the "sudo" window.

Changing the password or email, turning 2FA on or off, regenerating backup codes and ending
sessions need a password (and, with 2FA on, a code) entered on *this session* within the last
``ACCOUNT_REAUTHENTICATION_TIMEOUT`` seconds (15 minutes by default).

The entries are allauth's own per-session authentication records (written by allauth at
sign-in, by ``two_factor.record_code_entry`` at the code step, and by ``reauthenticate`` here), so
allauth's own reauthentication checks agree with ours. allauth's re-authentication page is
not used: it asks for a password only (never a 2FA code), does not rotate the session key, and
its suspend/resume of POST requests stores the request's headers, session cookie included, in
the session data. Here the decorated action is asked for again with a plain GET after the
password, which works without JavaScript and stores nothing but the address.
"""

from __future__ import annotations

import time
from functools import wraps
from types import SimpleNamespace

from allauth.account.authentication import get_authentication_records
from allauth.account.internal.flows.login import record_authentication
from allauth.core import ratelimit
from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from accounts.models import EventKind
from accounts.security_log import record_event
from accounts.two_factor import match_second_factor, record_code_entry, user_has_two_factor


class RateLimited(Exception):
    """Too many re-authentication attempts (allauth's ``reauthenticate`` rate limit)."""


class WrongPassword(Exception):
    pass


class WrongCode(Exception):
    pass


class ReauthenticationRequired(Exception):
    """Outside the sudo window and no password given: the caller must ask for it."""


def window_seconds() -> int:
    return int(settings.ACCOUNT_REAUTHENTICATION_TIMEOUT)


def last_authenticated_at(request: HttpRequest) -> float | None:
    """Unix time of the latest password or code entry on this session, if any."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    moments = [r.get("at") for r in get_authentication_records(request, user)]
    moments = [m for m in moments if isinstance(m, (int, float))]
    return max(moments) if moments else None


def is_recently_authenticated(request: HttpRequest) -> bool:
    """Whether this session entered the password (or a code) inside the sudo window."""
    moment = last_authenticated_at(request)
    return moment is not None and time.time() - moment < window_seconds()


def reauthenticate(
    request: HttpRequest, password: str, code: str = "", *, rotate_key: bool = True
) -> None:
    """Check the password (and code, with 2FA) of the signed-in user; on success open the
    sudo window and give the session a new key (``rotate_key``; an app's token is its key, so
    the API keeps it: the token never travels in a cookie that could have been planted).

    Raises ``RateLimited``, ``WrongPassword``, ``WrongCode`` or
    ``accounts.two_factor.SecondFactorThrottled``.
    """
    user = request.user
    if not ratelimit.consume(request, action="reauthenticate", user=user):
        raise RateLimited
    if not user.check_password(password or ""):
        record_event(
            EventKind.SIGN_IN_FAILED,
            user=user,
            request=request,
            details={"step": "password", "purpose": "reauthentication"},
        )
        raise WrongPassword
    method = None
    if user_has_two_factor(user):
        match = match_second_factor(user, code, request=request, purpose="reauthentication")
        if match is None:
            raise WrongCode
        method = match.method
    record_authentication(request, user, method="password", reauthenticated=True)
    if method:
        record_code_entry(request, method)
    if rotate_key:
        request.session.cycle_key()


def confirm_recent_authentication(
    request: HttpRequest, password: str | None = None, code: str = "", *, rotate_key: bool = True
) -> None:
    """Pass inside the sudo window; outside it, the password (and code) given now reopen it.

    Raises ``ReauthenticationRequired`` when no password was given, else what
    ``reauthenticate`` raises.
    """
    if is_recently_authenticated(request):
        return
    if not password:
        raise ReauthenticationRequired
    reauthenticate(request, password, code, rotate_key=rotate_key)


def authentication_records(user, code_method: str | None = None) -> dict:
    """The session data of a password (and code) entered just now, for a session started
    outside a request's own session (an app signing in through the API), so its sudo window
    runs from its sign-in as a browser's does. allauth's own records, written by allauth."""
    holder = SimpleNamespace(session={})
    record_authentication(holder, user, method="password")
    if code_method:
        record_authentication(holder, user, method="mfa", type=code_method)
    return holder.session


def reauthentication_url(next_url: str) -> str:
    return f"{reverse('reauthenticate')}?{urlencode({REDIRECT_FIELD_NAME: next_url})}"


def safe_next(request: HttpRequest, default: str = "") -> str:
    """The ``next`` address of the request if it points at this site, else ``default``."""
    candidate = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME)
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default or reverse("account_security")


def reauthentication_required(view=None, *, allow_get: bool = False, unless=None):
    """View decorator: signed in, and inside the sudo window, or off to the password page.

    After the password the person comes back to the same address with a GET, so a decorated
    view must show its form (or confirmation page) on GET. ``allow_get`` lets GET through
    unchecked for views whose GET only shows information (the email page); ``unless`` is a
    predicate ``(request, *args, **kwargs) -> bool`` for requests that need no password (for
    example signing out the very device one is using).
    """

    def decorator(view_func):
        @wraps(view_func)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            passes = (allow_get and request.method in ("GET", "HEAD")) or (
                unless is not None and unless(request, *args, **kwargs)
            )
            if not passes and not is_recently_authenticated(request):
                return HttpResponseRedirect(reauthentication_url(request.get_full_path()))
            return view_func(request, *args, **kwargs)

        return wrapper

    return decorator(view) if view is not None else decorator
