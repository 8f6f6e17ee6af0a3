"""Error pages (the health probes are in pixelunion/health.py).

A database that is down is an outage, not a bug: whatever raised it (a session save, a session
load, a view) the answer is a 503 page in the product's language, never a traceback and never
a response that was computed without a session check.
"""

from __future__ import annotations

import logging
import sys

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.translation import gettext_lazy as _

from sessions_ui.middleware import is_api_path

logger = logging.getLogger("pixelunion")


ERRORS = {
    400: (
        _("Bad request"),
        _("Your browser sent a request we could not understand. Check the address and try again."),
    ),
    403: (
        _("Access denied"),
        _(
            "You do not have permission to open this page. If you were signed out on another "
            "device, sign in again."
        ),
    ),
    404: (
        _("Page not found"),
        _(
            "We could not find the page you asked for. The address may be mistyped, or the page "
            "may have moved."
        ),
    ),
    500: (
        _("Something went wrong"),
        _(
            "An error on our side stopped this page. Please try again in a moment. If it keeps "
            "happening, contact support."
        ),
    ),
    503: (
        _("Temporarily unavailable"),
        _(
            "The service is temporarily unavailable. Nothing was changed; please try again in a moment."
        ),
    ),
}


def _render(request: HttpRequest | None, status: int, message: str = "") -> HttpResponse:
    """Outage and crash pages get no request: rendering them must not touch the database."""
    title, lead = ERRORS[status]
    context = {"status": status, "title": title, "lead": lead, "message": message}
    try:
        body = loader.render_to_string("error.html", context, request=request)
    except Exception:  # noqa: BLE001 - an error page must never fail itself
        body = f"<!doctype html><title>{status}</title><h1>{status}</h1>"
    response = HttpResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    if status == 503:
        response["Retry-After"] = "30"
    return response


def _message(exception: Exception | None) -> str:
    """Only messages we wrote ourselves (Http404/PermissionDenied text) are shown."""
    if exception is None or not exception.args:
        return ""
    message = exception.args[0]
    return message if isinstance(message, str) else ""


def _api_error(request: HttpRequest, status: int) -> HttpResponse | None:
    """Under /api/ the app gets the API's JSON error shape, never an HTML page."""
    if not is_api_path(getattr(request, "path", "")):
        return None
    from api.errors import error_response

    return error_response(status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if (api_response := _api_error(request, 400)) is not None:
        return api_response
    # No request context: a 400 may come from a forged Host header.
    return _render(None, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if (api_response := _api_error(request, 403)) is not None:
        return api_response
    return _render(request, 403, _message(exception))


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if (api_response := _api_error(request, 404)) is not None:
        return api_response
    return _render(request, 404, _message(exception))


def server_error(request: HttpRequest) -> HttpResponse:
    exc = sys.exc_info()[1]
    if isinstance(exc, DatabaseError):
        logger.error("Database unavailable: %s", exc.__class__.__name__)
        api_response = _api_error(request, 503)
        return api_response if api_response is not None else _render(None, 503)
    if (api_response := _api_error(request, 500)) is not None:
        return api_response
    return _render(None, 500)
