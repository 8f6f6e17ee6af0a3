"""background.retry: a failed task runs again with back-off, through the real worker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from background.retry import retry_delay
from tests.task_examples import fail_times
from tests.task_worker import FAILED, READY, SUCCESSFUL, results, run_worker

# transaction=True: the worker commits and checks its connection, as in production.
pytestmark = pytest.mark.django_db(transaction=True)

T0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


class TestRetryDelay:
    def test_doubles_from_the_first_delay_and_is_capped(self, settings):
        settings.TASK_RETRY_FIRST_DELAY = 30
        settings.TASK_RETRY_MAX_DELAY = 3600
        assert [retry_delay(n).total_seconds() for n in range(1, 10)] == [
            30, 60, 120, 240, 480, 960, 1920, 3600, 3600
        ]


class TestRetryingTask:
    def test_a_failure_runs_again_after_the_delay_and_then_succeeds(self, tmp_path):
        with time_machine.travel(T0, tick=False):
            fail_times.enqueue(str(tmp_path), 2)
            run_worker()
        assert [row.status for row in results("fail_times")] == [FAILED, READY]
        with time_machine.travel(T0 + timedelta(seconds=29), tick=False):
            run_worker()  # not due yet
        assert [row.status for row in results("fail_times")] == [FAILED, READY]
        with time_machine.travel(T0 + timedelta(seconds=30), tick=False):
            run_worker()
        with time_machine.travel(T0 + timedelta(seconds=90), tick=False):
            run_worker()
        rows = results("fail_times")
        assert [row.status for row in rows] == [FAILED, FAILED, SUCCESSFUL]
        assert rows[-1].return_value == 3
        assert [row.args_kwargs["kwargs"] for row in rows] == [{}, {"attempt": 2}, {"attempt": 3}]

    def test_a_task_that_succeeds_is_not_retried(self, tmp_path):
        fail_times.enqueue(str(tmp_path), 0)
        run_worker()
        assert [row.status for row in results("fail_times")] == [SUCCESSFUL]

    def test_gives_up_after_the_attempts(self, tmp_path, settings, caplog):
        settings.TASK_RETRY_ATTEMPTS = 2
        with time_machine.travel(T0, tick=False):
            fail_times.enqueue(str(tmp_path), 5)
            run_worker()
        with time_machine.travel(T0 + timedelta(hours=1), tick=False):
            run_worker()
        with time_machine.travel(T0 + timedelta(days=1), tick=False):
            run_worker()
        assert [row.status for row in results("fail_times")] == [FAILED, FAILED]
        assert "Task fail_times gave up after 2 attempts: ConnectionError" in caplog.text
