"""The real Redis for the cache tests (database 6), a dead one, and a round-trip counter.

Each test gets key prefixes of its own and deletes only its own keys afterwards, so parallel
runs (SQLite and PostgreSQL, other engineers) never see each other's entries.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import uuid

import pytest
import redis
from django.core.cache import caches
from django.test.utils import CaptureQueriesContext

REDIS_TEST_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/6")
# Nothing listens here: connections are refused at once.
DEAD_REDIS_URL = "redis://127.0.0.1:6399/0"
SESSION_TABLE = "sessions_ui_session"
_WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


class CountingConnection(redis.Connection):
    """A real Redis connection that counts what it sends: one call is one round-trip
    (a pipeline is sent whole, then its replies are read)."""

    round_trips = 0

    def send_packed_command(self, command, check_health=True):
        type(self).round_trips += 1
        return super().send_packed_command(command, check_health)


def redis_caches(location: str, prefix: str, *, counting: bool = False) -> dict:
    """The project's two Redis aliases, as ``pixelunion.settings`` builds them."""
    options = {
        "CLIENT_CLASS": "django_redis.client.DefaultClient",
        "SOCKET_CONNECT_TIMEOUT": 0.5,
        "SOCKET_TIMEOUT": 0.5,
    }
    session_pool = {"connection_class": CountingConnection} if counting else {}
    return {
        "default": {
            "BACKEND": "pixelunion.cache.FailoverRedisCache",
            "LOCATION": location,
            "KEY_PREFIX": f"{prefix}-d",
            "OPTIONS": options,
        },
        "sessions": {
            "BACKEND": "django_redis.cache.RedisCache",
            # django-redis keeps one pool per URL and process: a URL of its own gets a pool
            # of counting connections.
            "LOCATION": f"{location}?client_name=counted-sessions" if counting else location,
            "KEY_PREFIX": f"{prefix}-s",
            "OPTIONS": {
                **options,
                "IGNORE_EXCEPTIONS": False,
                "CONNECTION_POOL_KWARGS": session_pool,
            },
        },
    }


def redis_answers(url: str = REDIS_TEST_URL) -> bool:
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TcpProxy:
    """A loopback TCP forwarder to Redis that can be cut and restored on the same port: Redis
    "goes down" for the app (connections refused, open ones reset) and "comes back"."""

    def __init__(self, target: tuple[str, int] = ("127.0.0.1", 6379)) -> None:
        self.target = target
        self.port = free_port()
        self._server: socket.socket | None = None
        self._sockets: list[socket.socket] = []

    @property
    def url(self) -> str:
        db = REDIS_TEST_URL.rsplit("/", 1)[-1]
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        self._server = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, args=(self._server,), daemon=True).start()

    def stop(self) -> None:
        for sock in [self._server, *self._sockets]:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        self._server, self._sockets = None, []

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def session_sql(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if SESSION_TABLE in q["sql"]]


def session_writes(queries: CaptureQueriesContext) -> list[str]:
    return [sql for sql in session_sql(queries) if _WRITE.match(sql)]


def use_redis_sessions(settings, *, counting: bool = False, location: str = REDIS_TEST_URL) -> str:
    """Point the settings at the real Redis the way ``REDIS_URL`` does; returns the prefix."""
    prefix = f"t6-{uuid.uuid4().hex[:10]}"
    settings.CACHES = redis_caches(location, prefix, counting=counting)
    settings.SESSION_ENGINE = "sessions_ui.backends.cached_db"
    settings.SESSION_CACHE_ALIAS = "sessions"
    settings.REDIS_URL = REDIS_TEST_URL
    return prefix


@pytest.fixture
def fresh_rate_limits():
    """allauth counts sign-ins per IP in the default cache, across tests: start from zero
    (only a local-memory cache is cleared; a Redis one is per test already)."""
    from django.core.cache.backends.locmem import LocMemCache

    if isinstance(caches["default"], LocMemCache):
        caches["default"].clear()


@pytest.fixture
def redis_sessions(settings, db):
    """The cached store on the real Redis (db 6); yields the sessions cache alias."""
    if not redis_answers():
        pytest.skip(f"Redis not answering at {REDIS_TEST_URL}")
    use_redis_sessions(settings)
    yield caches["sessions"]
    caches["sessions"].delete_pattern("*")
    caches["default"].delete_pattern("*")


@pytest.fixture
def counted_redis_sessions(settings, db):
    """Like ``redis_sessions``, with ``CountingConnection`` under the sessions alias."""
    if not redis_answers():
        pytest.skip(f"Redis not answering at {REDIS_TEST_URL}")
    use_redis_sessions(settings, counting=True)
    yield caches["sessions"]
    caches["sessions"].delete_pattern("*")
    caches["default"].delete_pattern("*")


@pytest.fixture(params=[pytest.param("redis", marks=pytest.mark.redis), "locmem"])
def any_cache(request):
    """Both cache paths: Redis (atomic Lua guard) and a plain Django cache (get, then delete)."""
    return request.getfixturevalue(f"{request.param}_sessions")


@pytest.fixture
def locmem_sessions(settings, db):
    """The cached store on the local-memory cache: the path without Redis."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "sessions": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"sessions-{uuid.uuid4().hex}",
        },
    }
    settings.SESSION_ENGINE = "sessions_ui.backends.cached_db"
    settings.SESSION_CACHE_ALIAS = "sessions"
    yield caches["sessions"]
    caches["sessions"].clear()


@pytest.fixture
def dead_redis_sessions(settings, db):
    """The cached store pointed at a closed port: Redis is down."""
    use_redis_sessions(settings)
    settings.CACHES = redis_caches(DEAD_REDIS_URL, "dead")
    yield caches["sessions"]
