"""Health probes for load balancers and Kubernetes: ``/healthz/live`` and ``/healthz/ready``.

They are answered by ``HealthProbeMiddleware``, first in ``MIDDLEWARE``, before the host check,
the HTTPS redirect and the session: a load balancer asks over plain HTTP with the instance's
IP address as ``Host`` (which would get a 301 or a 400), and a probe must never create or touch a
session. The answers are constant JSON that uses no header of the request, so answering any
``Host`` here gives a forged one nothing to poison.

- live: the process answers (no query). A failing liveness probe restarts the process, so it
  must not depend on the database: an outage there is not cured by a restart.
- ready: the database answers (``SELECT 1``) or the instance takes no traffic (503). Redis
  down is ``"degraded"`` with 200: sessions are read from the database and sign-in keeps
  working (README, "When something breaks"), so the instance should keep its traffic.

``/healthz`` (the old address) answers like ``/healthz/ready``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers

LIVE = "/healthz/live"
READY = ("/healthz/ready", "/healthz")


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return "down"
    return "ok"


def cache_status() -> str | None:
    """Redis as the session store sees it; None without Redis.

    The sessions alias reports Redis errors as they are; the default alias would answer from its
    local stand-in while Redis is down (pixelunion/cache.py).
    """
    alias = settings.SESSION_CACHE_ALIAS
    if "redis" not in settings.CACHES[alias]["BACKEND"].lower():
        return None
    from django.core.cache import caches

    cache = caches[alias]
    try:
        cache.set("healthz", "1", 5)
        return "ok" if cache.get("healthz") == "1" else "down"
    except Exception:  # noqa: BLE001 - whatever the client raises, Redis is not usable
        return "down"


def readiness() -> tuple[int, dict[str, str]]:
    checks = {"database": database_status()}
    if (cache := cache_status()) is not None:
        checks["cache"] = cache
    if checks["database"] != "ok":
        return 503, {"status": "down", **checks}
    if any(value != "ok" for value in checks.values()):
        return 200, {"status": "degraded", **checks}
    return 200, {"status": "ok", **checks}


def probe_response(request: HttpRequest) -> HttpResponse | None:
    """The probe's answer, or None when ``request`` is not a probe."""
    path = request.path_info
    if path != LIVE and path not in READY:
        return None
    if request.method not in ("GET", "HEAD"):
        response = HttpResponse(status=405)
        response["Allow"] = "GET, HEAD"
        return response
    if path == LIVE:
        status, body = 200, {"status": "ok"}
    else:
        status, body = readiness()
    response = JsonResponse(body, status=status)
    add_never_cache_headers(response)
    return response


class HealthProbeMiddleware:
    """Answers the probes before any other middleware can redirect, refuse or touch a session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = probe_response(request)
        return response if response is not None else self.get_response(request)
