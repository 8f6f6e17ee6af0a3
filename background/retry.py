"""Tasks that retry with back-off.

django-tasks runs a task once: an exception marks its result FAILED and that is the end. Work
that must not be lost (an email, a clean-up) is declared with ``retrying_task`` instead of
``task``: when it raises, the same task is enqueued again, ``TASK_RETRY_FIRST_DELAY`` seconds
later, doubling up to ``TASK_RETRY_MAX_DELAY``, for ``TASK_RETRY_ATTEMPTS`` attempts in all. The
failed attempt stays in the results table (status FAILED, with its traceback) beside the next
one, so an operator sees both in the admin.

A retried task runs again from the start, and a task a killed worker left running is run again
(background.recovery): every task declared here must be safe to run twice.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django_tasks import task
from django_tasks.base import Task

logger = logging.getLogger(__name__)


def retry_delay(attempt: int) -> timedelta:
    """The wait after the ``attempt``-th failure: first delay, doubled each time, capped."""
    seconds = settings.TASK_RETRY_FIRST_DELAY * 2 ** max(attempt - 1, 0)
    return timedelta(seconds=min(seconds, settings.TASK_RETRY_MAX_DELAY))


def retrying_task(
    function: Callable[..., Any] | None = None, *, attempts: int | None = None, **options: Any
):
    """``@task`` whose failures are retried; the attempt number travels as ``attempt=``."""

    def wrap(function: Callable[..., Any]) -> Task:
        @functools.wraps(function)
        def run(*args: Any, attempt: int = 1, **kwargs: Any) -> Any:
            try:
                return function(*args, **kwargs)
            except Exception as error:
                schedule_retry(the_task, args, kwargs, attempt, error, attempts)
                raise

        the_task = task(**options)(run)
        return the_task

    return wrap(function) if function is not None else wrap


def schedule_retry(
    the_task: Task, args: tuple, kwargs: dict, attempt: int, error: Exception, attempts: int | None
) -> None:
    limit = attempts or settings.TASK_RETRY_ATTEMPTS
    name = the_task.name
    if attempt >= limit:
        logger.error("Task %s gave up after %d attempts: %s", name, attempt, type(error).__name__)
        return
    delay = retry_delay(attempt)
    logger.warning(
        "Task %s failed (attempt %d of %d, %s); next attempt in %d s",
        name,
        attempt,
        limit,
        type(error).__name__,
        delay.total_seconds(),
    )
    the_task.using(run_after=timezone.now() + delay).enqueue(*args, attempt=attempt + 1, **kwargs)
