"""`make bench`: requests/s and session cost per request, this project against Django and peers.

One run, one machine, one PostgreSQL database (`bench`), one Redis database (7), the same tiny
authenticated view (benchmarks/urls.py) behind gunicorn with 2 sync workers per configuration.
The load generator is wrk on loopback (8 connections, 2 threads); every configuration is warmed
up, then measured in interleaved rounds (so drift hits all alike) and the median is reported.
Queries and writes per request are counted in-process (benchmarks/probe.py), and so are the
instructions one request costs, under callgrind (benchmarks/instructions.py: the same on a busy
machine as on a quiet one); the device list and "sign out all others" are timed at growing
session counts (benchmarks/scale.py).

The peers are installed only into benchmarks/.venv, which this script creates on first use;
the project's own dependencies never include them. Never part of `make test`.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VENV = HERE / ".venv"
VENV_PYTHON = VENV / "bin" / "python"
PEERS = ["django-user-sessions>=2,<3", "django-qsessions>=2,<3"]
TOOLS = ["pyinstrument>=5,<6"]

CONFIGS = [  # (settings module, label, what it is)
    ("project_redis", "this project, Redis", "tracked, live activity (≤ 1 min)"),
    ("project_db", "this project, no Redis", "tracked, live activity (≤ 1 min)"),
    ("django_cached_db", "Django cached_db", "no tracking"),
    (
        "project_env_django_cached_db",
        "Django cached_db inside this project's settings (diagnostic)",
        "no tracking",
    ),
    ("django_db", "Django db", "no tracking"),
    ("django_signed_cookies", "Django signed_cookies", "no tracking, no revocation"),
    ("qsessions_cached_db", "django-qsessions cached_db", "tracked, activity goes stale"),
    ("qsessions_db", "django-qsessions db", "tracked, activity goes stale"),
    ("user_sessions", "django-user-sessions", "tracked, activity goes stale"),
    ("user_sessions_every_request", "django-user-sessions + SAVE_EVERY_REQUEST", "live activity"),
    ("allauth_usersessions", "allauth usersessions, TRACK_ACTIVITY", "live activity"),
]
BASELINE = "django_cached_db"
CONNECTIONS, THREADS = 8, 2
WARMUP_SECONDS, ROUND_SECONDS, ROUNDS = 3, 3, 8
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0"


def log(message: str) -> None:
    print(f"[bench] {message}", flush=True)


# --- the separate venv ----------------------------------------------------------------------------
def ensure_venv() -> None:
    """Re-run this script inside benchmarks/.venv (project deps + peers), creating it once."""
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    stamp = VENV / ".installed"
    if not stamp.exists() or stamp.stat().st_mtime < (ROOT / "pyproject.toml").stat().st_mtime:
        log("creating benchmarks/.venv (project dependencies + peers, once)")
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        import tomllib

        project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
        pip = [str(VENV_PYTHON), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        result = subprocess.run(
            [*pip, *project["dependencies"], *PEERS, *TOOLS], capture_output=True, text=True
        )
        if result.returncode:
            sys.exit(f"pip install failed:\n{result.stdout[-2000:]}{result.stderr[-3000:]}")
        stamp.touch()
    os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), str(Path(__file__).resolve()), *sys.argv[1:]])


def ensure_tool(command: str, package: str) -> str | None:
    """The path of ``command``, installing its Debian package first if we may."""
    path = shutil.which(command)
    if path is None and os.geteuid() == 0 and shutil.which("apt-get"):
        log(f"installing {package} (Debian package)")
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", package],
            check=False,
            stdout=subprocess.DEVNULL,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
        path = shutil.which(command)
    return path


# --- services -------------------------------------------------------------------------------------
def env_for(config: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": f"benchmarks.configs.{config}",
        "PYTHONPATH": str(ROOT),
    }


def prepare_services() -> None:
    import psycopg
    import redis

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as pg:
        if not pg.execute("SELECT 1 FROM pg_database WHERE datname = 'bench'").fetchone():
            pg.execute("CREATE DATABASE bench")
    client = redis.Redis.from_url(os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7"))
    for key in client.scan_iter(match="bench-*", count=1000):
        client.delete(key)
    client.close()


def django(config: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "django", *args],
        cwd=ROOT,
        env=env_for(config),
        capture_output=True,
        text=True,
    )
    if result.returncode:
        sys.exit(f"{config}: django {' '.join(args[:1])} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http(port: int, path: str, cookie: str = "") -> tuple[int, dict[str, str]]:
    import http.client
    from http.cookies import SimpleCookie

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"User-Agent": USER_AGENT, **({"Cookie": cookie} if cookie else {})}
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    response.read()
    cookies = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        cookies.update({k: m.value for k, m in SimpleCookie(header).items()})
    conn.close()
    return response.status, cookies


def start_server(config: str) -> tuple[subprocess.Popen, int, str]:
    port = free_port()
    # The project's own gunicorn.conf.py for every configuration alike: 2 sync workers,
    # preloaded app, gc.freeze() before forking; no worker recycling during a run.
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "benchmarks.wsgi"],
        cwd=ROOT,
        env={
            **env_for(config),
            "PORT": str(port),
            "WEB_CONCURRENCY": "2",
            "GUNICORN_MAX_REQUESTS": "0",
            "GUNICORN_LOG_LEVEL": "warning",
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            status, cookies = http(port, "/bench/login/")
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{config}: gunicorn did not start") from None
            time.sleep(0.2)
    session = cookies.get("sessionid", "")
    if status != 200 or not session:
        raise RuntimeError(f"{config}: sign-in failed ({status})")
    cookie = f"sessionid={session}"
    if http(port, "/bench/", cookie)[0] != 200:
        raise RuntimeError(f"{config}: the session does not authenticate")
    return process, port, cookie


def wrk(wrk_path: str, port: int, cookie: str, seconds: int) -> float:
    output = subprocess.run(
        [
            wrk_path,
            f"-t{THREADS}",
            f"-c{CONNECTIONS}",
            f"-d{seconds}s",
            "-H",
            f"Cookie: {cookie}",
            "-H",
            f"User-Agent: {USER_AGENT}",
            f"http://127.0.0.1:{port}/bench/",
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=seconds + 30,
    ).stdout
    if "Non-2xx" in output:
        raise RuntimeError(f"non-2xx answers under load:\n{output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


# --- the run --------------------------------------------------------------------------------------
def main() -> None:
    ensure_venv()
    sys.path.insert(0, str(ROOT))
    from benchmarks import instructions as counting

    started = time.monotonic()
    wrk_path = ensure_tool("wrk", "wrk")
    if wrk_path is None:
        sys.exit("wrk is needed: apt-get install wrk")
    prepare_services()
    for config, *_ in CONFIGS:
        django(config, "migrate", "--noinput", "-v", "0")
    django(
        CONFIGS[0][0],
        "shell",
        "-c",
        (
            "from django.contrib.auth import get_user_model as g; U = g();"
            "U.objects.filter(username='bench').exists() or "
            "U.objects.create_user('bench', 'bench@example.com', 'bench-password-123')"
        ),
    )

    vacuum()
    wait_for_quiet()
    load_before = os.getloadavg()[0]
    servers = {}
    try:
        for config, *_ in CONFIGS:
            servers[config] = start_server(config)
        log(f"{len(servers)} configurations up; probing queries and writes per request")
        probes = {}
        for config, *_ in CONFIGS:
            out = django(
                config,
                "shell",
                "-c",
                f"import benchmarks.probe as p; p.main({servers[config][2]!r})",
            )
            probes[config] = json.loads(out.strip().splitlines()[-1])
        log(f"warm-up {WARMUP_SECONDS} s each, then {ROUNDS} rounds × {ROUND_SECONDS} s")
        for config, *_ in CONFIGS:
            _, port, cookie = servers[config]
            wrk(wrk_path, port, cookie, WARMUP_SECONDS)
        samples: dict[str, list[float]] = {config: [] for config, *_ in CONFIGS}
        for round_no in range(ROUNDS):
            order = CONFIGS[round_no % len(CONFIGS) :] + CONFIGS[: round_no % len(CONFIGS)]
            for config, *_ in order:
                _, port, cookie = servers[config]
                samples[config].append(wrk(wrk_path, port, cookie, ROUND_SECONDS))
            log(
                f"round {round_no + 1}: "
                + ", ".join(f"{c} {samples[c][-1]:.0f}" for c, *_ in CONFIGS)
            )
    finally:
        for process, _, _ in servers.values():
            process.terminate()
        for process, _, _ in servers.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()

    load_after = os.getloadavg()[0]
    instructions: dict[str, int] = {}
    if ensure_tool("valgrind", "valgrind"):
        log("instructions per request under callgrind (two configurations at a time, ~7 min)")
        instructions = counting.measure([config for config, *_ in CONFIGS])
    else:
        log("valgrind not found: no instruction counts (apt-get install valgrind)")
    log("timing the device list and sign-out-all at growing session counts")
    scale = json.loads(
        subprocess.run(
            [sys.executable, str(HERE / "scale.py")],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )

    from benchmarks.report import write_results

    meta = {**machine(), "load": f"{load_before:.2f} before, {load_after:.2f} after the load phase"}
    text = write_results(
        HERE / "RESULTS.md",
        CONFIGS,
        BASELINE,
        samples,
        probes,
        scale,
        instructions,
        meta=meta,
        elapsed=time.monotonic() - started,
        setup=dict(
            connections=CONNECTIONS,
            threads=THREADS,
            warmup=WARMUP_SECONDS,
            seconds=ROUND_SECONDS,
            rounds=ROUNDS,
        ),
    )
    print(text)
    # The Immich gate: through nginx with and without it, and against cached_db (benchmarks/gate.py).
    log("the Immich gate (benchmarks/gate.py, ~2 min)")
    project_python = ROOT / ".venv" / "bin" / "python"
    subprocess.run(
        [str(project_python if project_python.exists() else sys.executable), str(HERE / "gate.py")],
        cwd=ROOT,
        check=False,
    )


def vacuum() -> None:
    """Earlier runs leave dead rows behind (scale.py deletes thousands): start from clean tables."""
    import psycopg

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/bench", autocommit=True) as pg:
        pg.execute("VACUUM ANALYZE")


def wait_for_quiet(limit: float = 1.5, patience: int = 90) -> None:
    """On a shared machine, wait (bounded) for other work to calm down before measuring."""
    deadline = time.monotonic() + patience
    while os.getloadavg()[0] > limit and time.monotonic() < deadline:
        time.sleep(5)
    log(f"load average {os.getloadavg()[0]:.2f} at the start")


def machine() -> dict[str, str]:
    from importlib.metadata import version

    def run(*cmd: str) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return "?"

    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    packages = [
        "Django",
        "django-redis",
        "redis",
        "psycopg",
        "gunicorn",
        "django-allauth",
        "django-user-sessions",
        "django-qsessions",
    ]
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": f"{cpu} × {os.cpu_count()}",
        "os": platform.platform(),
        "python": platform.python_version(),
        "postgresql": run(
            "psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", "SHOW server_version"
        ),
        "redis": run("redis-cli", "INFO", "server").split("redis_version:")[-1].split()[0]
        if "redis_version" in run("redis-cli", "INFO", "server")
        else "?",
        "wrk": run("wrk", "-v").splitlines()[0] if run("wrk", "-v") else "?",
        "packages": ", ".join(f"{p} {version(p)}" for p in packages),
    }


if __name__ == "__main__":
    main()
