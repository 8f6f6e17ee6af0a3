"""Every error of the API has one shape: ``{"message", "statusCode", "error"}``, as Immich's.

The app must be able to rely on it, so nothing under ``/api/`` answers with an HTML page or a
traceback: django-ninja's own handlers (422 for bad fields, ``{"detail": …}`` bodies, a plain-text
405) are replaced here, unknown paths get :func:`not_found`, and the project's error handlers
(``pixelunion.views``) call :func:`error_response` for ``/api/`` requests that fail before or
after a view ran (a session revoked mid-request, a database outage).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

logger = logging.getLogger("api")


def error_body(status: int, message: str) -> dict[str, Any]:
    return {"message": message, "statusCode": status, "error": HTTPStatus(status).phrase}


def error_response(
    status: int, message: str | None = None, headers: dict[str, str] | None = None
) -> JsonResponse:
    """The JSON error answer; ``message`` defaults to a localised sentence for the status."""
    response = JsonResponse(error_body(status, message or default_message(status)), status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    if status == 401:
        response.setdefault("WWW-Authenticate", 'Bearer realm="api"')
    if status == 503:
        response.setdefault("Retry-After", "30")
    return response


def default_message(status: int) -> str:
    messages = {
        400: _("The request is malformed."),
        401: _("Missing, invalid or ended access token."),
        403: _("You may not do that."),
        404: _("Not found."),
        405: _("Method not allowed."),
        429: _("Too many attempts. Try again later."),
        503: _("The service is temporarily unavailable. Try again shortly."),
    }
    return messages.get(status, _("Something went wrong on our side."))


# --- django-ninja exception handlers -------------------------------------------------------------


def _validation_details(errors: Iterable[dict[str, Any]]) -> str:
    """ "body.email: Field required" — where and what, never the value that was sent."""
    parts = []
    for error in errors:
        loc = list(error.get("loc", ()))
        if len(loc) > 2 and loc[0] == "body":
            del loc[1]  # the view's parameter name says nothing to the caller
        where = ".".join(str(part) for part in loc if part != "")
        parts.append(f"{where}: {error.get('msg', '')}" if where else str(error.get("msg", "")))
    return "; ".join(parts)[:500]


def _on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    details = _validation_details(exc.errors)
    return error_response(400, _("Invalid request: %(details)s") % {"details": details})


def _on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, AuthenticationError):
        return error_response(401)
    status = exc.status_code if exc.status_code in {s.value for s in HTTPStatus} else 400
    if status == 400 and exc.message.startswith("Cannot parse request body"):
        return error_response(400, _("The request body is not valid JSON."))
    return error_response(status, exc.message or None)


def _on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(404)


def _on_suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    if isinstance(exc, RequestDataTooBig):
        return error_response(400, _("The request body is too large."))
    return error_response(400)


def _on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error_response(403)


def _on_database_error(request: HttpRequest, exc: DatabaseError) -> HttpResponse:
    logger.error("Database unavailable during an API call: %s", exc.__class__.__name__)
    return error_response(503)


def _on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("Unexpected error in %s %s", request.method, request.path)
    return error_response(500)


def install_handlers(api: NinjaAPI) -> None:
    """Replace django-ninja's default handlers (registered in its constructor)."""
    api.add_exception_handler(ValidationError, _on_validation_error)
    api.add_exception_handler(HttpError, _on_http_error)
    api.add_exception_handler(Http404, _on_not_found)
    api.add_exception_handler(SuspiciousOperation, _on_suspicious)
    api.add_exception_handler(PermissionDenied, _on_permission_denied)
    api.add_exception_handler(DatabaseError, _on_database_error)
    api.add_exception_handler(Exception, _on_unexpected)


# --- views for what django-ninja answers in plain text -------------------------------------------


def json_method_not_allowed(view):
    """Turn django-ninja's plain-text 405 into the JSON error, keeping the ``Allow`` header."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            return error_response(405, headers={"Allow": response.get("Allow", "")})
        return response

    wrapped.__dict__.update(view.__dict__)  # keeps csrf_exempt
    wrapped.__name__ = getattr(view, "__name__", "api_view")
    return wrapped


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other address under /api/."""
    return error_response(404)
