"""Scheduled work as durable tasks: the timer only enqueues, the worker runs and retries.

A cron job that runs ``clearsessions`` itself fails silently when the database blinks at 03:00,
and nobody runs it again until the next night. Here the timer (deploy/systemd, deploy/cron)
runs ``manage.py enqueue clearsessions prune_security_log``: a task row per command, which the
worker runs, and retries with back-off when it fails (background.retry). Each command is safe to
run twice.
"""

from __future__ import annotations

import io

from django.core.management import call_command

from background.retry import retrying_task

# The commands a task may run: the scheduled ones, nothing a forged task row could abuse.
SCHEDULED_COMMANDS = frozenset(
    {"clearsessions", "prune_security_log", "send_session_reminders", "immich_sync"}
)


@retrying_task
def run_command(name: str) -> str:
    """One scheduled management command; its output is kept as the task's result."""
    if name not in SCHEDULED_COMMANDS:
        raise ValueError(f"{name!r} is not a scheduled command")
    output = io.StringIO()
    call_command(name, stdout=output)
    return output.getvalue()[-2000:]
