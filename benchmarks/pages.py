"""The real pages, with and without the prepared queries: is the compiled-once SQL worth its
use of Django's compiler internals (``sessions_ui/prepared_query.py``)?

    .venv/bin/python benchmarks/pages.py            # µs per request, wall and CPU
    .venv/bin/python benchmarks/pages.py --instructions   # plus instructions under callgrind

The whole product (``benchmarks.configs.project_site``: PostgreSQL, Redis) serves Kontosäkerhet
and Enhetsaktivitet to a signed-in browser with five other sessions, in-process through the WSGI
handler, and the tiny authenticated view of the other benchmarks as the trivial case. "ORM" swaps
``PreparedQuery.rows`` for building and running the same queryset each time, which is exactly
what the code did before the prepared queries: same SQL, same rows.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PAGES = {
    "trivial view": "/bench/",
    "Kontosäkerhet": "/account/security/",
    "Enhetsaktivitet": "/account/security/devices/",
}


def child(path: str, prepared: bool, requests: int) -> dict[str, float]:
    os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.configs.project_site"
    os.environ["SESSION_ACTIVITY_INTERVAL"] = "3600"  # measure reads, not the minute's write
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.urls import clear_url_caches, include
    from django.urls import path as url

    from benchmarks.scale import add_sessions, signed_in_browser
    from sessions_ui.models import Session
    from sessions_ui.prepared_query import PreparedQuery

    if not prepared:

        def orm_rows(self, using, **values):
            return list(self.build(**values).using(using))

        PreparedQuery.rows = orm_rows

    # The product's URLs plus the benchmarks' trivial view.
    import pixelunion.urls

    pixelunion.urls.urlpatterns.append(url("", include("benchmarks.urls")))
    clear_url_caches()
    settings.DEBUG = False

    user, browser = signed_in_browser("bench", settings.AUTHENTICATION_BACKENDS[0])
    add_sessions(user, 5)
    for _ in range(20):  # warm: caches filled, first-request work done
        assert browser.get(path).status_code == 200
    runs = []
    for _ in range(5):
        start, cpu = time.perf_counter(), time.process_time()
        for _ in range(requests):
            browser.get(path)
        runs.append(
            (
                (time.perf_counter() - start) / requests * 1e6,
                (time.process_time() - cpu) / requests * 1e6,
            )
        )
    Session.objects.filter(user=user).delete()
    return {"wall_us": statistics.median(r[0] for r in runs), "cpu_us": min(r[1] for r in runs)}


def run_child(path: str, prepared: bool, requests: int, valgrind: bool = False) -> str:
    command = [sys.executable, __file__, "--child", path, "1" if prepared else "0", str(requests)]
    if valgrind:
        command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *command]
    out = subprocess.run(
        command,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "0"},
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout if not valgrind else out.stderr


def instructions(path: str, prepared: bool) -> int:
    """Instructions of one request: two runs of 5 batches, 4 and 12 requests, subtracted."""

    def total(requests: int) -> int:
        match = re.search(r"Collected\s*:\s*([\d,]+)", run_child(path, prepared, requests, True))
        return int(match.group(1).replace(",", ""))

    return round((total(12) - total(4)) / (8 * 5))


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        _, path, prepared, requests = sys.argv[1:5]
        print(json.dumps(child(path, prepared == "1", int(requests))))
        return
    count = "--instructions" in sys.argv
    rows = []
    for name, path in PAGES.items():
        row = {"page": name}
        for prepared in (True, False):
            label = "prepared" if prepared else "orm"
            figures = json.loads(run_child(path, prepared, 300).strip().splitlines()[-1])
            row[f"{label}_cpu_us"] = round(figures["cpu_us"])
            if count:
                row[f"{label}_instructions"] = instructions(path, prepared)
        rows.append(row)
        print(json.dumps(row), flush=True)
    print()
    print(
        "| page | CPU µs/request, prepared | CPU µs/request, ORM | ORM ÷ prepared |"
        + (" instructions, prepared | instructions, ORM |" if count else "")
    )
    print("| --- | ---: | ---: | ---: |" + (" ---: | ---: |" if count else ""))
    for row in rows:
        line = (
            f"| {row['page']} | {row['prepared_cpu_us']} | {row['orm_cpu_us']} | "
            f"{row['orm_cpu_us'] / row['prepared_cpu_us']:.2f}× |"
        )
        if count:
            line += f" {row['prepared_instructions']:,} | {row['orm_instructions']:,} |"
        print(line)


if __name__ == "__main__":
    main()
