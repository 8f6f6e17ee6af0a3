"""The Immich gate answered in front of Django's handler, at the WSGI level.

Every Immich request costs one gate subrequest, so the gate's own time is the latency it adds to
Immich. Through Django's handler a gate answer paid for machinery it does not use: the
``request_started`` / ``request_finished`` signals and their receivers (the log's request id,
caches), the request object, the middleware call chain and the response's conversion —
measured in-process with Redis sessions and a warm token, ~200 µs through the handler against
~100 µs here. ``gate()`` needs only the WSGI environ, so here the gate's path is answered
straight from it; every other path goes to Django untouched.

What Django's signals did that still matters is done here too: after every gate answer,
database connections that are unusable or past ``CONN_MAX_AGE`` are closed, as after any
request (``close_old_connections`` touches only connections that are open, so a worker that
has none pays for a loop over the aliases). ``immich.gate.ImmichGateMiddleware`` gives the same
answers to whatever enters through Django itself (the ASGI application, the test client).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.db import close_old_connections

from immich.gate import GATE_PATH, gate

logger = logging.getLogger(__name__)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

STATUS_LINES = {
    204: "204 No Content",
    401: "401 Unauthorized",
    403: "403 Forbidden",
    404: "404 Not Found",
    500: "500 Internal Server Error",
    503: "503 Service Unavailable",
}
HEADERS = [("Cache-Control", "no-store"), ("Content-Length", "0")]


def answer(environ: dict[str, Any]) -> int:
    """The gate's status for this environ; never raises (an error is a 500 for the proxy,
    which then fails closed or open as configured: deploy/nginx/immich-gate.conf)."""
    try:
        return gate(environ)
    except Exception:  # noqa: BLE001 - logged; the proxy decides what a broken gate means
        logger.exception("Immich gate: request failed")
        return 500
    finally:
        close_old_connections()


class GateFirst:
    """WSGI middleware: ``GATE_PATH`` answered here, everything else by ``app``."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != GATE_PATH:
            return self.app(environ, start_response)
        start_response(STATUS_LINES[answer(environ)], list(HEADERS))
        return [b""]
