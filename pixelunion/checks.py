"""`manage.py check --deploy`: refuse the development defaults in production.

Setting only the secret key and the allowed hosts would otherwise give, with no word said,
SQLite, email that goes nowhere (sign-up verification included), a cache per process, and place
names from 2018. Each is an error here, unless the operator allows it by name (``ALLOW_*``, README
"Configuration"): a small single-server install may choose SQLite or no Redis knowingly.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

# Backends that do not deliver mail to anyone.
UNDELIVERED_EMAIL = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
}


def _allowed(name: str) -> bool:
    return bool(getattr(settings, name, False))


def uses_sqlite() -> bool:
    return any("sqlite" in db["ENGINE"] for db in settings.DATABASES.values())


def uses_redis() -> bool:
    """Redis behind any cache alias (a plain URL, Sentinel, or our failover wrapper)."""
    return any("redis" in cache["BACKEND"].lower() for cache in settings.CACHES.values())


@register(Tags.security, deploy=True)
def production_services(app_configs=None, **kwargs) -> list:
    if settings.DEBUG:
        return []
    problems = []
    if uses_sqlite() and not _allowed("ALLOW_SQLITE"):
        problems.append(
            Error(
                "The database is SQLite.",
                hint="Set DATABASE_URL=postgres://… (or ALLOW_SQLITE=1 for a single-server "
                "install that accepts one writer at a time).",
                id="pixelunion.E001",
            )
        )
    if settings.EMAIL_BACKEND in UNDELIVERED_EMAIL and not _allowed("ALLOW_CONSOLE_EMAIL"):
        problems.append(
            Error(
                f"Email is not delivered ({settings.EMAIL_BACKEND}): sign-up verification, "
                "password reset and new sign-in alerts would go nowhere.",
                hint="Set EMAIL_URL=smtp+tls://user:password@host:587 (or ALLOW_CONSOLE_EMAIL=1).",
                id="pixelunion.E002",
            )
        )
    if not uses_redis() and not _allowed("ALLOW_NO_REDIS"):
        problems.append(
            Error(
                "No Redis: rate limits are counted per worker process and every session is "
                "read from the database.",
                hint="Set REDIS_URL=redis://… (or ALLOW_NO_REDIS=1 for one server with few workers).",
                id="pixelunion.E003",
            )
        )
    geoip = str(getattr(settings, "GEOIP_DB", "") or "")
    if not geoip and not _allowed("ALLOW_EMBEDDED_GEOIP"):
        problems.append(
            Error(
                "GEOIP_DB is not set: places come from the embedded GeoLite2 data of 2018 "
                "(the demo extra), or there are none at all.",
                hint="Point GEOIP_DB at a current City .mmdb kept up to date by geoipupdate "
                "(README, 'GeoIP data'), or set ALLOW_EMBEDDED_GEOIP=1.",
                id="pixelunion.E004",
            )
        )
    elif geoip and not Path(geoip).is_file():
        problems.append(
            Warning(
                f"GEOIP_DB names {geoip}, which is not a file: every place shows as unknown.",
                id="pixelunion.W001",
            )
        )
    return problems


@register(Tags.security, deploy=True)
def host_prefixed_session_cookie(app_configs=None, **kwargs) -> list:
    """A ``__Host-`` cookie the browser would refuse signs nobody in: say so before it ships."""
    name = settings.SESSION_COOKIE_NAME
    if not name.startswith("__Host-"):
        return []
    secure, path = settings.SESSION_COOKIE_SECURE, settings.SESSION_COOKIE_PATH
    if secure and path == "/" and not settings.SESSION_COOKIE_DOMAIN:
        return []
    return [
        Error(
            f"{name} needs SESSION_COOKIE_SECURE, SESSION_COOKIE_PATH='/' and no "
            "SESSION_COOKIE_DOMAIN: browsers drop a __Host- cookie without them.",
            id="pixelunion.E005",
        )
    ]
