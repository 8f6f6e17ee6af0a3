"""Tasks for the background-work tests: importable by a worker process, like the real ones."""

from __future__ import annotations

import time
from pathlib import Path

from background.retry import retrying_task


@retrying_task
def fail_times(folder: str, failures: int) -> int:
    """Fails ``failures`` times (counted in a file), then succeeds; returns the run number."""
    runs = Path(folder) / "runs"
    count = int(runs.read_text()) + 1 if runs.exists() else 1
    runs.write_text(str(count))
    if count <= failures:
        raise ConnectionError(f"run {count} fails")
    return count


@retrying_task
def hold_until_released(folder: str) -> str:
    """Says it started, then waits for ``release`` (at most 60 s): a task a worker dies in."""
    base = Path(folder)
    with (base / "started").open("a") as started:
        started.write("x")
    deadline = time.monotonic() + 60
    while not (base / "release").exists():
        if time.monotonic() > deadline:
            raise TimeoutError("never released")
        time.sleep(0.05)
    (base / "done").write_text("done")
    return "done"
