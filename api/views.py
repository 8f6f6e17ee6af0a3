"""The JSON API of the Immich mobile app's sessions, shaped like Immich's own.

Views only translate HTTP to the operations in ``api.signin`` and ``sessions_ui.revocation`` (the
very functions the Enhetsaktivitet page calls). The caller's token was resolved into
``request.session`` / ``request.user`` by ``TrackedSessionMiddleware`` before a view runs.
"""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Status

from accounts.reauth import (
    RateLimited,
    ReauthenticationRequired,
    WrongCode,
    WrongPassword,
    confirm_recent_authentication,
    window_seconds,
)
from accounts.two_factor import SecondFactorThrottled
from api.errors import error_response, install_handlers
from api.schemas import ErrorOut, LoginIn, LoginOut, LogoutOut, SessionOut, session_list
from api.security import TOKEN_AUTH
from api.signin import SignInRefused, sign_in_app
from sessions_ui.middleware import current_public_id
from sessions_ui.revocation import (
    Reason,
    SessionNotFound,
    parse_public_id,
    revoke_other_sessions,
    revoke_session,
)

api = NinjaAPI(
    title="PixelUnion API",
    version="1",
    description=(
        "Sign the Immich mobile app in and manage the account's sessions. Every error is "
        '`{"message", "statusCode", "error"}`. Send the token as `Authorization: Bearer <token>` '
        "or `x-immich-user-token: <token>`; cookies are ignored."
    ),
    urls_namespace="api",
    auth=TOKEN_AUTH,
)
install_handlers(api)

UNAUTHORIZED = {401: ErrorOut}


@api.post(
    "/auth/login",
    url_name="login",
    auth=None,
    response={201: LoginOut, 400: ErrorOut, 401: ErrorOut, 429: ErrorOut},
    tags=["auth"],
    summary="Sign in; the answer's accessToken is a new app session",
)
def login(request: HttpRequest, credentials: LoginIn):
    try:
        signed_in = sign_in_app(
            request, credentials.email, credentials.password, credentials.totpCode
        )
    except SignInRefused as refused:
        headers = {"Retry-After": str(refused.retry_after)} if refused.retry_after else None
        return error_response(refused.status, refused.message, headers)
    user = signed_in.user
    return Status(
        201,
        {
            "accessToken": signed_in.token,
            "userId": str(user.pk),
            "userEmail": user.email,
            "name": user.get_full_name() or user.get_username(),
        },
    )


@api.post(
    "/auth/logout",
    url_name="logout",
    response={200: LogoutOut, **UNAUTHORIZED},
    tags=["auth"],
    summary="End the caller's own session (the token stops working at once)",
)
def logout(request: HttpRequest):
    current = current_public_id(request)
    try:
        revoke_session(request.user, current, reason=Reason.SIGN_OUT, by_session=current)
    except SessionNotFound:
        pass  # ended meanwhile by another request: the outcome the caller asked for
    return {"successful": True, "redirectUri": reverse("account_login")}


@api.get(
    "/sessions",
    url_name="sessions",
    response={200: list[SessionOut], **UNAUTHORIZED},
    tags=["sessions"],
    summary="The account's active sessions, most recent activity first",
)
def list_sessions(request: HttpRequest):
    return session_list(request.user, current_public_id(request))


REAUTH = {400: ErrorOut, 403: ErrorOut, 429: ErrorOut}


def reauthentication_refused(request: HttpRequest) -> JsonResponse | None:
    """None if the caller may end sessions now: inside the sudo window (as on the web: a
    password or code entered on this session within ``ACCOUNT_REAUTHENTICATION_TIMEOUT``), or
    with the right ``password`` (and ``totpCode``) in the JSON body. Else the answer that says
    what to do, so a stolen token alone cannot sign the owner out everywhere."""
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return error_response(400)
    if not isinstance(body, dict):
        return error_response(400)
    password, code = body.get("password"), body.get("totpCode")
    if not isinstance(password, str | None) or not isinstance(code, str | None):
        return error_response(400)
    try:
        confirm_recent_authentication(request, password, code or "", rotate_key=False)
    except ReauthenticationRequired:
        minutes = max(1, window_seconds() // 60)
        return error_response(
            403,
            _(
                "Confirm that it is you: send your password as \"password\" in the JSON body "
                "(and, with two-factor authentication, a code as \"totpCode\"). Ending "
                "sessions needs it when this session last entered them more than %(minutes)d "
                "minutes ago."
            )
            % {"minutes": minutes},
        )
    except WrongPassword:
        return error_response(403, _("Incorrect password."))
    except WrongCode:
        return error_response(403, _("Incorrect two-factor code."))
    except (RateLimited, SecondFactorThrottled):
        return error_response(429)
    return None


@api.delete(
    "/sessions",
    url_name="sessions",
    response={204: None, **REAUTH, **UNAUTHORIZED},
    tags=["sessions"],
    summary="End every session of the account except the caller's (403: password needed)",
)
def delete_other_sessions(request: HttpRequest):
    refused = reauthentication_refused(request)
    if refused is not None:
        return refused
    revoke_other_sessions(request.user, current_public_id(request), reason=Reason.OTHERS)
    return Status(204, None)


@api.delete(
    "/sessions/{session_id}",
    url_name="session",
    response={204: None, 404: ErrorOut, **REAUTH, **UNAUTHORIZED},
    tags=["sessions"],
    summary="End one session of the account (404 for any id that is not one of them; "
    "403: password needed, except for the caller's own)",
)
def delete_session(request: HttpRequest, session_id: str) -> HttpResponse | Status:
    current = current_public_id(request)
    try:
        target = parse_public_id(session_id)
        if target == current:
            reason = Reason.SIGN_OUT  # signing oneself out needs no password, as on the web
        else:
            reason = Reason.USER
            refused = reauthentication_refused(request)
            if refused is not None:
                return refused
        revoke_session(request.user, target, reason=reason, by_session=current)
    except SessionNotFound:
        return error_response(404)
    return Status(204, None)
