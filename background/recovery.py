"""Tasks a killed worker left behind.

The database worker marks a task RUNNING when it claims it and SUCCESSFUL or FAILED when it ends.
A worker killed in between (SIGKILL, out of memory, the machine gone) leaves the row RUNNING
forever, and no worker takes it again. Two ways back, both setting the row READY again (our
tasks are safe to run twice, background.retry):

- a worker that starts again under its own id (``manage.py worker``: the host name, or
  ``TASK_WORKER_ID``) takes back what it held: no other process holds that id, so nothing that is
  really running is touched;
- rows RUNNING for longer than ``TASK_ABANDONED_AFTER`` seconds (far longer than any task: they
  make HTTP and SMTP calls with timeouts of seconds) are taken back by any worker's start and by
  the daily run, for a worker that never comes back.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)


def _requeue(ids: list) -> int:
    if not ids:
        return 0
    return DBTaskResult.objects.filter(pk__in=ids, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.READY, started_at=None
    )


def requeue_held_by(worker_id: str) -> int:
    """READY again: the rows this worker id was running when it died."""
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
    ids = [pk for pk, held in running.values_list("pk", "worker_ids") if held and held[-1] == worker_id]
    count = _requeue(ids)
    if count:
        logger.warning("Worker %s restarted: %d task(s) it was running are queued again", worker_id, count)
    return count


def requeue_abandoned(*, now: datetime | None = None) -> int:
    """READY again: rows RUNNING for longer than ``TASK_ABANDONED_AFTER``."""
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.TASK_ABANDONED_AFTER)
    ids = list(
        DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff)
        .values_list("pk", flat=True)
    )
    count = _requeue(ids)
    if count:
        logger.warning("%d abandoned task(s) queued again", count)
    return count
