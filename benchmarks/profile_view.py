"""Per-request cost of configurations, in-process and without a load generator's noise.

    benchmarks/.venv/bin/python benchmarks/profile_view.py project_redis django_cached_db
    benchmarks/.venv/bin/python benchmarks/profile_view.py project_redis --profile

Each configuration runs in a subprocess of its own (settings differ): Django's WSGI handler is
called directly with a signed-in cookie, N times, and the median of 5 batches is printed in
microseconds per request. ``--profile`` prints a pyinstrument profile of one batch instead.
Run `make bench` once first (it creates benchmarks/.venv, the database and the tables).
"""

from __future__ import annotations

import io
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = int(os.environ.get("PROFILE_REQUESTS", "2000"))
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0"


def environ(path: str, cookie: str = "") -> dict:
    env = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_USER_AGENT": USER_AGENT,
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if cookie:
        env["HTTP_COOKIE"] = cookie
    return env


def child(config: str, profile: bool) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = f"benchmarks.configs.{config}"
    sys.path.insert(0, str(ROOT))
    from django.core.wsgi import get_wsgi_application

    app = get_wsgi_application()
    headers: list = []
    b"".join(app(environ("/bench/login/"), lambda status, h: headers.extend(h)))
    cookie = next(v.split(";")[0] for k, v in headers if k == "Set-Cookie" and "sessionid" in v)
    status: list = []

    def start_response(s, h):
        status.append(s)

    def batch() -> tuple[float, float]:
        """(wall, CPU of this process) in µs per request; CPU time is what other load on a
        shared machine cannot inflate."""
        start, cpu = time.perf_counter(), time.process_time()
        for _ in range(REQUESTS):
            b"".join(app(environ("/bench/", cookie), start_response))
        return (
            (time.perf_counter() - start) / REQUESTS * 1e6,
            (time.process_time() - cpu) / REQUESTS * 1e6,
        )

    batch()  # warm
    import gc

    gc.freeze()  # what gunicorn.conf.py does before forking its workers
    assert all(s.startswith("200") for s in status), set(status)
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0002)
        profiler.start()
        batch()
        profiler.stop()
        print(
            profiler.output_text(
                unicode=True, color=False, show_all=bool(os.environ.get("SHOW_ALL"))
            )
        )
        return
    runs = [batch() for _ in range(5)]
    wall = statistics.median(r[0] for r in runs)
    cpu = min(r[1] for r in runs)  # contention only ever adds CPU time
    if "--json" in sys.argv:
        print(json.dumps({"wall_us": wall, "cpu_us": cpu}))
        return
    print(f"{config:30} {wall:6.0f} µs wall  {cpu:6.0f} µs CPU per request")


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    profile = "--profile" in sys.argv
    if os.environ.get("PROFILE_CHILD"):
        child(args[0], profile)
        return
    for config in args or ["project_redis", "django_cached_db"]:
        subprocess.run(
            [sys.executable, __file__, config, *[a for a in sys.argv[1:] if a.startswith("--")]],
            env={**os.environ, "PROFILE_CHILD": "1", "PYTHONPATH": str(ROOT)},
            check=True,
        )


if __name__ == "__main__":
    main()
