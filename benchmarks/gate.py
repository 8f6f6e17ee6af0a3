"""The Immich gate under load: what it adds to a request through nginx, and how fast it answers.

    .venv/bin/python benchmarks/gate.py      # alone (about 2 minutes); `make bench` runs it too

One run: Debian's nginx with the shipped deploy/nginx/immich-gate.conf in front of the Immich
stand-in (tests/immich_standin.py), once as shipped and once with ``auth_request off``; the
gate itself (gunicorn, 2 sync workers, the whole product: PostgreSQL ``bench``, Redis db 7)
asked directly; and Django's ``cached_db`` backend serving the benchmarks' signed-in page
(benchmarks/urls.py, the baseline of benchmarks/run.py), all with wrk (the through-nginx latency rows one connection at a time, the throughput rows 8 connections, 2
threads), interleaved rounds, medians. SQL queries per warm gate request are counted
in-process. Figures are printed and written to benchmarks/RESULTS-gate.md.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

CONNECTIONS, THREADS, SECONDS, ROUNDS = 8, 2, 4, 3
SECRET = "benchmark-gate-secret-0123456789"
APP_UA = "immich-android/3.2.2"
CLIENT_IP = "83.250.0.1"


def log(message: str) -> None:
    print(f"[bench-gate] {message}", flush=True)


def site_env(**extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.configs.project_site",
        "PYTHONPATH": str(ROOT),
        "IMMICH_GATE_SECRET": SECRET,
        "TRUSTED_PROXIES": "127.0.0.1",
        **extra,
    }


SETUP = """
import os, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0, interactive=False)
from django.contrib.auth import get_user_model
from immich.gate import token_hash
from sessions_ui.client import ClientInfo
from sessions_ui.models import ClientKind, Session
from sessions_ui.signin import bind_credential, start_session
User = get_user_model()
user = User.objects.filter(username="gatebench").first() or User.objects.create_user("gatebench", "gatebench@example.com", "x")
Session.objects.filter(user=user).delete()
store = start_session(user, ClientInfo(ip=None, user_agent=""), kind=ClientKind.IMMICH)
assert bind_credential(store.public_id, token_hash(os.environ["GATE_TOKEN"]))
"""

PROBE = """
import os, django
django.setup()
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from pixelunion.wsgi import application  # what gunicorn serves: the gate in front of Django
headers = dict(HTTP_X_PIXELUNION_GATE=os.environ["IMMICH_GATE_SECRET"], HTTP_X_IMMICH_USER_TOKEN=os.environ["GATE_TOKEN"],
               HTTP_USER_AGENT=os.environ["GATE_UA"], HTTP_X_FORWARDED_FOR=os.environ["GATE_IP"], HTTP_X_ORIGINAL_URI="/api/users/me", REMOTE_ADDR="127.0.0.1")
def ask():
    status = []
    application(RequestFactory().get("/immich/gate", **headers).environ, lambda line, _headers: status.append(line))
    return status[0]
for _ in range(3):
    assert ask().startswith("204")
with CaptureQueriesContext(connection) as queries:
    for _ in range(200):
        assert ask().startswith("204")
print(len(queries.captured_queries) / 200)
"""


def wrk(url: str, headers: dict[str, str], seconds: int, connections: int = CONNECTIONS) -> tuple[float, float]:
    """(requests/s, median latency in ms)."""
    threads = min(THREADS, connections)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run([*command, url], check=True, capture_output=True, text=True, timeout=seconds + 30).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"non-2xx answers from {url}:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    value, unit = re.search(r"50%\s+([\d.]+)(us|ms|s)", out).groups()
    return rps, float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def prepare_database() -> None:
    """The benchmarks' database (``BENCH_DATABASE``, default ``bench``), made if missing."""
    import psycopg

    name = os.environ.get("BENCH_DATABASE", "bench")
    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as pg:
        if not pg.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            pg.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    for tool, package in (("wrk", "wrk"), ("nginx", "nginx")):
        if not (shutil.which(tool) or Path(f"/usr/sbin/{tool}").exists()):
            if os.geteuid() == 0 and shutil.which("apt-get"):
                log(f"installing {package} (Debian package)")
                subprocess.run(["apt-get", "install", "-y", "-qq", package], check=False, stdout=subprocess.DEVNULL,
                               env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    # tests.live and tests.nginx_support import Django models: set Django up first.
    os.environ.update(IMMICH_GATE_SECRET=SECRET, DJANGO_SETTINGS_MODULE="benchmarks.configs.project_site")
    import django

    django.setup()
    from benchmarks import run as bench
    from tests.immich_standin import ImmichStandin, StandinSession
    from tests.live import wait_until_healthy
    from tests.nginx_support import nginx_gate

    prepare_database()
    token = secrets.token_urlsafe(32).replace("-", "a").replace("_", "b")
    log("preparing the bench database (migrate, one Immich session bound to a token)")
    subprocess.run([sys.executable, "-c", SETUP], cwd=ROOT, env=site_env(GATE_TOKEN=token), check=True)
    sql_per_request = float(
        subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=site_env(GATE_TOKEN=token, GATE_UA=APP_UA, GATE_IP=CLIENT_IP), check=True,
                       capture_output=True, text=True).stdout.strip().splitlines()[-1]
    )

    standin = ImmichStandin().start()
    now = datetime.now(UTC)
    standin.users["u1"] = {"id": "u1", "email": "g@example.com", "name": "G", "oauthId": "1", "isAdmin": False}
    standin.sessions["s1"] = StandinSession("s1", hashlib.sha256(token.encode()).hexdigest(), "u1", None, now, now, "Pixel 8", "Android", "3.2.2")

    port = bench.free_port()
    log_file = Path(tempfile.gettempdir()) / f"pu-bench-gate-{port}.log"
    with log_file.open("wb") as sink:
        gunicorn = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "pixelunion.wsgi"],
            cwd=ROOT, env=site_env(PORT=str(port), WEB_CONCURRENCY="2", GUNICORN_MAX_REQUESTS="0", GUNICORN_LOG_LEVEL="warning"),
            stdout=sink, stderr=subprocess.STDOUT,
        )
    bench.django("django_cached_db", "migrate", "--noinput", "-v", "0")
    bench.django("django_cached_db", "shell", "-c", (
        "from django.contrib.auth import get_user_model as g; U = g();"
        "U.objects.filter(username='bench').exists() or U.objects.create_user('bench', 'bench@example.com', 'bench-password-123')"
    ))
    page, page_port, cookie = bench.start_server("django_cached_db")
    app = {"x-immich-user-token": token, "User-Agent": APP_UA, "X-Forwarded-For": CLIENT_IP}
    gate_headers = {**app, "X-PixelUnion-Gate": SECRET, "X-Original-URI": "/api/users/me"}
    samples: dict[str, list[tuple[float, float]]] = {}
    try:
        wait_until_healthy(port, gunicorn, log_file)
        with nginx_gate(immich_port=standin.port, gate_port=port, secret=SECRET) as gated, nginx_gate(
            immich_port=standin.port, gate_port=port, secret=SECRET, without_gate=True
        ) as plain:
            # The latency rows go one request at a time: with 8 connections they would measure
            # the stand-in's queue (a Python ThreadingHTTPServer), not what the gate adds.
            targets = {
                "nginx → stand-in, no gate (1 connection)": (f"{plain.url}/api/users/me", app, 1),
                "nginx → gate → stand-in (1 connection)": (f"{gated.url}/api/users/me", app, 1),
                f"the gate alone (gunicorn, 2 workers, {CONNECTIONS} connections)": (
                    f"http://127.0.0.1:{port}/immich/gate", gate_headers, CONNECTIONS),
                f"Django cached_db, signed-in page (2 workers, {CONNECTIONS} connections)": (
                    f"http://127.0.0.1:{page_port}/bench/", {"Cookie": cookie, "User-Agent": bench.USER_AGENT}, CONNECTIONS),
            }
            for url, headers, connections in targets.values():  # warm-up
                wrk(url, headers, 2, connections)
            for round_no in range(ROUNDS):
                for name, (url, headers, connections) in targets.items():
                    samples.setdefault(name, []).append(wrk(url, headers, SECONDS, connections))
                log(f"round {round_no + 1}: " + ", ".join(f"{n}: {s[-1][0]:.0f}/s" for n, s in samples.items()))
    finally:
        for process in (gunicorn, page):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        standin.stop()

    rows = {name: (statistics.median(r for r, _ in s), statistics.median(m for _, m in s)) for name, s in samples.items()}
    names = list(rows)
    added = rows[names[1]][1] - rows[names[0]][1]
    ratio = rows[names[2]][0] / rows[names[3]][0]
    lines = [
        "# The Immich gate under load",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M UTC}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}; "
        f"wrk, {ROUNDS} rounds × {SECONDS} s, medians. `benchmarks/gate.py`.",
        "",
        "| what | requests/s | median latency |",
        "| --- | ---: | ---: |",
        *[f"| {name} | {rps:,.0f} | {ms:.2f} ms |" for name, (rps, ms) in rows.items()],
        "",
        f"- The gate adds **{added:.2f} ms** to the median request through nginx (target < 1 ms).",
        f"- The gate answers **{ratio:.2f}×** the requests/s of Django's cached_db signed-in page (target ≥ 2×).",
        f"- SQL queries per warm gate request, with Redis: **{sql_per_request:g}** (target 0).",
        "",
        "The stand-in is a Python `ThreadingHTTPServer`, far slower than Immich: the through-nginx",
        "rows measure the gate's latency, not Immich's throughput.",
    ]
    text = "\n".join(lines) + "\n"
    (HERE / "RESULTS-gate.md").write_text(text)
    print(text)
    print(json.dumps({"added_ms": round(added, 3), "ratio": round(ratio, 2), "sql_per_request": sql_per_request}))


if __name__ == "__main__":
    main()
