"""Running background tasks for real: the project's worker on the database backend."""

from __future__ import annotations

from django.core.management import call_command
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult


def run_worker() -> None:
    """``manage.py worker`` until no task is due (its recovery step included)."""
    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)


def results(task_name: str) -> list[DBTaskResult]:
    """Rows of one task, oldest first, a retry after the attempt it follows."""
    rows = DBTaskResult.objects.filter(task_path__endswith=f".{task_name}")
    return sorted(rows, key=lambda row: (row.enqueued_at, row.args_kwargs["kwargs"].get("attempt", 1)))


def statuses(task_name: str) -> list[str]:
    return [row.status for row in results(task_name)]


READY, RUNNING, FAILED, SUCCESSFUL = (
    TaskResultStatus.READY,
    TaskResultStatus.RUNNING,
    TaskResultStatus.FAILED,
    TaskResultStatus.SUCCESSFUL,
)
