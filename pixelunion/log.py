"""Logs an operator can use: one line per event with time, level, logger and request id; JSON
with ``LOG_FORMAT=json``; never a session key or token (the standard library's ``logging``, no
structlog: every library here already logs through it, and two formatters and two filters are
all this needs).

Redaction happens in the formatter, on the finished line (message, arguments and traceback
alike), so no call site can leak a key by forgetting: Django session keys and our API tokens
(32 characters of ``[a-z0-9]``), JWTs (ID and logout tokens), Immich's base64url session
tokens, and whatever follows ``Bearer``. SHA-256 hashes (64 hex digits) stay: logs name sessions
by public id or hash prefix. Newlines are escaped, so a user agent cannot forge a log line.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime
from typing import Any

REDACTED = "[redacted]"
_SECRETS = re.compile(
    r"(?i:bearer)\s+\S+"  # an Authorization header's credential
    r"|eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"  # a JWT
    r"|(?<![A-Za-z0-9_-])(?=[a-z0-9]*[g-z])[a-z0-9]{32}(?![A-Za-z0-9_-])"  # a session key
    r"|(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{40,43}(?![A-Za-z0-9_-])"  # an Immich session token
)


def redact(text: str) -> str:
    return _SECRETS.sub(
        lambda m: "Bearer " + REDACTED if m.group(0)[:6].lower() == "bearer" else REDACTED, text
    )


request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_INCOMING_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class TextFormatter(logging.Formatter):
    """``2026-12-02T15:04:05.123Z WARNING django.request [request id] message`` (UTC)."""

    converter = time.gmtime
    default_time_format = "%Y-%m-%dT%H:%M:%S"
    default_msec_format = "%s.%03dZ"

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        line = super().format(record)
        return redact(line).replace("\r", "\\r").replace("\n", "\\n")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", None) or request_id.get(),
            "message": redact(record.getMessage()),
        }
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def logging_config(*, level: str, json_format: bool) -> dict[str, Any]:
    """``LOGGING`` for settings.py: everything to stderr, one formatter, the request id filter."""
    formatter = {"()": JsonFormatter} if json_format else {"()": TextFormatter}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"line": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "line",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        # Django's own loggers log through the root handler, formatted the same way.
        "loggers": {"django": {"handlers": [], "propagate": True}},
    }


def new_request_id(environ: dict[str, Any]) -> str:
    """The proxy's ``X-Request-ID`` when it is a plain token, else a new one."""
    incoming = environ.get("HTTP_X_REQUEST_ID", "")
    return incoming if _INCOMING_ID.fullmatch(incoming) else uuid.uuid4().hex


def _request_started(sender: Any, environ: dict[str, Any] | None = None, **kwargs: Any) -> None:
    # From request_started to request_finished: Django logs 4xx/5xx answers after the
    # middleware has returned, and those lines need the id too.
    request_id.set(new_request_id(environ or {}))


def _request_finished(sender: Any, **kwargs: Any) -> None:
    request_id.set("-")


def connect_request_signals() -> None:
    from django.core.signals import request_finished, request_started

    request_started.connect(_request_started, dispatch_uid="pixelunion.log.started")
    request_finished.connect(_request_finished, dispatch_uid="pixelunion.log.finished")


class RequestIdMiddleware:
    """Sends the request id back (``X-Request-ID``), so a user's report can be found in the logs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        current = request_id.get()
        if current == "-":  # a request that did not come through a handler's signal
            current = new_request_id(request.META)
            request_id.set(current)
        response = self.get_response(request)
        response["X-Request-ID"] = current
        return response


def scrub_event(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """Sentry's ``before_send``: the same redaction over every string of the event."""

    def clean(value: Any) -> Any:
        if isinstance(value, str):
            return redact(value)
        if isinstance(value, dict):
            return {key: clean(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [clean(item) for item in value]
        return value

    return clean(event)


def init_sentry(dsn: str, *, environment: str, traces_sample_rate: float) -> None:
    """Errors (and error log records) to Sentry; no cookies, headers with credentials or PII."""
    import sentry_sdk

    sentry_sdk.init(
        dsn=dsn,
        environment=environment or None,
        send_default_pii=False,
        traces_sample_rate=traces_sample_rate,
        before_send=scrub_event,
    )
