"""Instructions per request of the Django process: the cost of a configuration's code, free of noise.

    benchmarks/.venv/bin/python benchmarks/instructions.py project_redis django_cached_db

Requests per second on a shared 2-core machine move by ±10 % from one round to the next, and so
does CPU time (steal time, cache effects): too coarse to tell whether tracking costs 2 % or 6 %.
``valgrind --tool=callgrind`` counts the instructions the process executes, which are the same
whatever else the machine does. Each configuration runs profile_view.py's in-process loop (the
WSGI handler called with a signed-in cookie) twice under callgrind, with a short and a long
loop; the difference divided by the extra requests is the cost of one warm request, with
start-up and sign-in cancelled out. Repeated runs agree within about 1 % (network waits in
the database and Redis clients loop a varying number of times). The kernel's share (the socket calls to PostgreSQL and
Redis) is not counted; ``strace -c`` shows it is the same calls for every cache-backed
configuration (3 recvfrom, 2 sendto, 3 poll per request).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# profile_view.py runs a warm-up batch and five measured batches: 6 × N requests.
SHORT, LONG = 10, 40
BATCHES = 6


def _collected(config: str, requests: int) -> int:
    out = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            str(HERE / "profile_view.py"),
            config,
            "--json",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": f"benchmarks.configs.{config}",
            "PYTHONPATH": str(ROOT),
            "PYTHONHASHSEED": "0",
            "PROFILE_CHILD": "1",
            "PROFILE_REQUESTS": str(requests),
            # Under valgrind a request takes ~50 times longer, so the once-a-minute activity
            # write would land every few hundred requests instead of every ~30,000 (one session
            # at ~500 requests/s): counted with the interval at an hour, the write is left out,
            # as it is from the queries/writes column (20 requests inside the interval).
            "SESSION_ACTIVITY_INTERVAL": "3600",
        },
        capture_output=True,
        text=True,
        check=True,
    )
    match = re.search(r"Collected\s*:\s*([\d,]+)", out.stderr)
    if match is None:
        raise RuntimeError(f"{config}: no callgrind total in:\n{out.stderr[-2000:]}")
    return int(match.group(1).replace(",", ""))


def per_request(config: str) -> int:
    """Instructions one warm request costs under ``config``."""
    short, long = _collected(config, SHORT), _collected(config, LONG)
    return round((long - short) / ((LONG - SHORT) * BATCHES))


def measure(configs: list[str], workers: int | None = None) -> dict[str, int]:
    """Instructions per request for each configuration, two at a time (valgrind is serial)."""
    with ThreadPoolExecutor(max_workers=workers or max(1, os.cpu_count() or 1)) as pool:
        return dict(zip(configs, pool.map(per_request, configs), strict=True))


def main() -> None:
    configs = [a for a in sys.argv[1:] if not a.startswith("--")] or [
        "project_redis",
        "django_cached_db",
    ]
    counts = measure(configs)
    if "--json" in sys.argv:
        print(json.dumps(counts))
        return
    for config, count in counts.items():
        print(f"{config:30} {count:>12,} instructions per request")


if __name__ == "__main__":
    main()
