"""gunicorn settings for `make serve`, read from the environment (see the README).

Sync workers: a request is a few milliseconds of CPU and a database round-trip, so one process
per request in flight is the simplest model that uses every core. Workers default to
2 × CPUs + 1, gunicorn's own rule of thumb; ``WEB_CONCURRENCY`` overrides it.
"""

import multiprocessing
import os

_host, _port = os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT", "8000")
bind = os.environ.get("GUNICORN_BIND") or f"{_host}:{_port}"
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Restart workers now and then, so a slow leak in any library never becomes an outage.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "10000"))
max_requests_jitter = max_requests // 10
# Load the app before forking: workers share its memory, and a broken deploy fails at once.
preload_app = True
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# LOG_FORMAT=json: gunicorn's own lines (errors, and the access log when on) as JSON objects too,
# with the same fields and redaction as the app's (pixelunion/log.py).
if os.environ.get("LOG_FORMAT", "text").strip().lower() == "json":
    from pixelunion.log import logging_config

    logconfig_dict = logging_config(level=loglevel.upper(), json_format=True)
    logconfig_dict["loggers"] = {
        name: {"level": loglevel.upper(), "handlers": ["console"], "propagate": False}
        for name in ("gunicorn.error", "gunicorn.access")
    }
# Behind a proxy on another host, list it in FORWARDED_ALLOW_IPS (and TRUSTED_PROXIES).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def pre_fork(server, worker):
    """Everything loaded so far (Django, the apps, the user-agent regexes, GeoIP tables…) lives
    as long as the process: move it out of the garbage collector's sight. Full collections then
    scan only what requests allocate (measured: ~20 µs less per request), and the workers'
    memory pages stay shared with the master instead of being dirtied by the collector."""
    import gc

    gc.freeze()


def post_fork(server, worker):
    """Connections opened while preloading must not be shared between processes."""
    from django.db import connections

    connections.close_all()
