"""PostgreSQL and Redis instances of a test's own, on spare loopback ports, to stop and start.

Fault tests never touch the machine's shared services on 5432/6379: they ``initdb`` a cluster
into a temporary folder (as the ``postgres`` user when running as root, since ``initdb`` refuses
root) and run ``redis-server`` with nothing kept on disk, then stop exactly those processes.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from tests.cache_support import free_port
from tests.live import listening, skip_or_fail, stop_process, wait_for_port


def _pg_bin(tool: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{tool}"))
    if found:
        return found[-1]
    path = shutil.which(tool)
    if path is None:
        skip_or_fail(f"PostgreSQL's {tool} not found (apt-get install postgresql)")
    return path  # type: ignore[return-value]


class PrivatePostgres:
    """A throw-away cluster: ``start()``, ``stop()`` (and ``start()`` again), ``destroy()``."""

    def __init__(self) -> None:
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="pu-private-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self._user = None
        if os.geteuid() == 0:
            try:
                self._user = pwd.getpwnam("postgres")
            except KeyError:
                skip_or_fail("running as root and no postgres user to run initdb as")
            os.chown(self.folder, self._user.pw_uid, self._user.pw_gid)
        self._run([_pg_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                   "-E", "UTF8", "--no-sync", "--no-instructions"])

    def _run(self, argv: list[str], timeout: float = 60) -> subprocess.CompletedProcess:
        if self._user is not None:
            argv = ["runuser", "-u", self._user.pw_name, "--", *argv]
        result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        assert result.returncode == 0, (argv, result.stdout[-2000:], result.stderr[-2000:])
        return result

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.folder}"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            " -c max_connections=60"
        )
        self._run([_pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options,
                   "-w", "-t", "30", "start"])

    def stop(self, mode: str = "fast") -> None:
        """``fast`` ends every client connection at once (what a crash or a failover looks like
        to the app, minus the recovery); ``immediate`` skips the shutdown checkpoint too."""
        self._run([_pg_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop"])

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists() and listening(self.port)

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            try:
                self.stop("immediate")
            except AssertionError:
                pass
        shutil.rmtree(self.folder, ignore_errors=True)


class PrivateRedis:
    """``redis-server --port N --save "" --appendonly no``: stopping it loses everything, as a
    crashed or replaced cache node does. With ``persist=True`` it keeps an RDB file in a folder
    of its own: ``save()`` writes it, and the next ``start()`` loads it, as a node restarted from
    its dump (or a restored backup) does, old entries and their expiry times included."""

    def __init__(self, *, persist: bool = False, extra: list[str] | None = None) -> None:
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            skip_or_fail("redis-server not found (apt-get install redis-server)")
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.persist = persist
        self.extra = list(extra or [])
        self.folder = Path(tempfile.mkdtemp(prefix="pu-private-redis-")) if persist else None
        # Where a replica's full sync writes its RDB (even with --save ""): never the checkout.
        self.scratch = self.folder or Path(tempfile.mkdtemp(prefix="pu-private-redis-"))

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def argv(self) -> list[str]:
        argv = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"]
        argv += ["--dir", str(self.scratch), "--dbfilename", "dump.rdb"]
        return [*argv, *self.extra]

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.argv(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_for_port(self.port, self.process, "redis-server")
        if self.folder is not None:
            # Loading the dump happens before the port answers commands: wait for it.
            import redis

            client = redis.Redis(port=self.port, socket_timeout=5)
            for _ in range(100):
                try:
                    if client.ping():
                        break
                except redis.exceptions.BusyLoadingError:
                    time.sleep(0.05)
            client.close()

    def save(self) -> None:
        """Write the RDB file now (SAVE): what the node would load after a restart."""
        import redis

        assert self.folder is not None, "PrivateRedis(persist=True) keeps a dump"
        client = redis.Redis(port=self.port, socket_timeout=10)
        try:
            client.save()
        finally:
            client.close()

    def stop(self) -> None:
        """SIGTERM. With ``--save ""`` nothing is written on the way down, so a kept dump
        stays the one ``save()`` wrote."""
        if self.process is not None:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGCONT)  # a frozen node cannot stop
            stop_process(self.process)
        self.process = None

    def freeze(self) -> None:
        """SIGSTOP: the port still accepts connections, nothing answers (a hung node)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.scratch, ignore_errors=True)


class PrivateSentinel:
    """Debian's ``redis-sentinel`` watching a primary of the test's own (quorum 1, down after
    ``down_after_ms``), on a spare port; its config lives in a folder of its own, since a
    sentinel rewrites it as it learns."""

    def __init__(self, primary_port: int, *, name: str = "pu", down_after_ms: int = 1000) -> None:
        self.binary = shutil.which("redis-sentinel")
        if self.binary is None:
            skip_or_fail("redis-sentinel not found (apt-get install redis-sentinel)")
        self.name = name
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="pu-private-sentinel-"))
        self.config = self.folder / "sentinel.conf"
        self.config.write_text(
            f"port {self.port}\nbind 127.0.0.1\ndaemonize no\ndir {self.folder}\n"
            f"sentinel monitor {name} 127.0.0.1 {primary_port} 1\n"
            f"sentinel down-after-milliseconds {name} {down_after_ms}\n"
            f"sentinel failover-timeout {name} 10000\n"
            f"sentinel parallel-syncs {name} 1\n"
        )
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, str(self.config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_for_port(self.port, self.process, "redis-sentinel")

    def primary(self) -> tuple[str, int] | None:
        """The primary the sentinel names now."""
        import redis

        client = redis.Redis(port=self.port, socket_timeout=2, decode_responses=True)
        try:
            found = client.sentinel_get_master_addr_by_name(self.name)
        finally:
            client.close()
        return (found[0], int(found[1])) if found else None

    def destroy(self) -> None:
        if self.process is not None:
            stop_process(self.process)
        self.process = None
        shutil.rmtree(self.folder, ignore_errors=True)


def replication_is_up(port: int) -> bool:
    """A replica's link to its primary is up and the first sync is done."""
    import redis

    client = redis.Redis(port=port, socket_timeout=2)
    try:
        info = client.info("replication")
    finally:
        client.close()
    return info.get("master_link_status") == "up" and not info.get("master_sync_in_progress")
