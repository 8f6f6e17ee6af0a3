"""background.recovery and ``manage.py worker``: a killed worker loses nothing."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
import time_machine
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from background.recovery import requeue_abandoned, requeue_held_by
from tests.live import ROOT, server_env, stop_process
from tests.task_examples import fail_times
from tests.task_worker import READY, RUNNING, SUCCESSFUL, results, run_worker


def claimed(worker_id: str, task=fail_times, *args) -> DBTaskResult:
    """A task as the database worker leaves it when it is killed mid-task: claimed, RUNNING."""
    result = task.enqueue(*args)
    row = DBTaskResult.objects.get(pk=result.id)
    row.claim(worker_id)
    return row


@pytest.mark.django_db(transaction=True)  # the worker commits, as in production
class TestRequeue:
    def test_a_restarted_worker_takes_back_only_what_it_held(self, tmp_path):
        mine = claimed("worker-a", fail_times, str(tmp_path), 0)
        theirs = claimed("worker-b", fail_times, str(tmp_path), 0)
        assert requeue_held_by("worker-a") == 1
        mine.refresh_from_db()
        theirs.refresh_from_db()
        assert (mine.status, theirs.status) == (READY, RUNNING)

    def test_rows_running_for_too_long_are_abandoned(self, tmp_path, settings):
        settings.TASK_ABANDONED_AFTER = 3600
        row = claimed("gone-for-good", fail_times, str(tmp_path), 0)
        assert requeue_abandoned(now=timezone.now() + timedelta(minutes=59)) == 0
        assert requeue_abandoned(now=timezone.now() + timedelta(minutes=61)) == 1
        row.refresh_from_db()
        assert row.status == READY

    def test_the_worker_command_runs_what_it_held_when_it_died(self, tmp_path, settings):
        settings.TASK_WORKER_ID = "pixelunion-worker-1"
        claimed("pixelunion-worker-1", fail_times, str(tmp_path), 0)
        run_worker()
        [row] = results("fail_times")
        assert row.status == SUCCESSFUL
        assert row.worker_ids == ["pixelunion-worker-1", "pixelunion-worker-1"]

    def test_the_worker_leaves_another_live_workers_task_alone(self, tmp_path, settings):
        settings.TASK_WORKER_ID = "pixelunion-worker-1"
        claimed("pixelunion-worker-2", fail_times, str(tmp_path), 0)
        with time_machine.travel(timezone.now() + timedelta(minutes=10)):
            run_worker()
        assert [row.status for row in results("fail_times")] == [RUNNING]


@pytest.mark.postgres
@pytest.mark.django_db
def test_sigkill_mid_task_then_restart_finishes_the_task(live_database, tmp_path):
    """Real processes: the worker is killed (SIGKILL) inside a task and started again."""
    env = server_env(live_database, TASK_WORKER_ID="worker-under-test")
    enqueue = (
        "import django; django.setup();"
        "from tests.task_examples import hold_until_released as t;"
        f"print(t.enqueue({str(tmp_path)!r}).id)"
    )
    subprocess.run([sys.executable, "-c", enqueue], cwd=ROOT, env=env, check=True, capture_output=True)
    log = (tmp_path / "worker.log").open("w")
    worker_cmd = [sys.executable, "manage.py", "worker", "--interval", "0.1", "--no-startup-delay"]
    worker = subprocess.Popen(worker_cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "started").exists():
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()
            assert time.monotonic() < deadline, "the task never started"
            time.sleep(0.05)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        stop_process(worker)
    with psycopg.connect(live_database) as conn:
        [(status,)] = conn.execute("SELECT status FROM django_tasks_database_dbtaskresult").fetchall()
    assert status == "RUNNING"  # what the killed worker left behind
    (tmp_path / "release").touch()
    subprocess.run([*worker_cmd, "--batch"], cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
    with psycopg.connect(live_database) as conn:
        [(status, value)] = conn.execute(
            "SELECT status, return_value FROM django_tasks_database_dbtaskresult"
        ).fetchall()
    assert (status, value) == ("SUCCESSFUL", "done")
    assert (tmp_path / "started").read_text() == "xx"  # it ran again from the start
    assert Path(tmp_path / "done").read_text() == "done"
