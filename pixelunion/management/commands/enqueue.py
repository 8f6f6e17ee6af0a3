"""``manage.py enqueue clearsessions prune_security_log``: what the daily timer runs.

Each named command becomes a task the worker runs (and retries, pixelunion.tasks). Tasks a
worker abandoned long ago are queued again at the same time (background.recovery).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from background.recovery import requeue_abandoned
from pixelunion.tasks import SCHEDULED_COMMANDS, run_command


class Command(BaseCommand):
    help = "Queue scheduled management commands for the background worker."

    def add_arguments(self, parser) -> None:
        parser.add_argument("commands", nargs="+", help=", ".join(sorted(SCHEDULED_COMMANDS)))

    def handle(self, *args, commands: list[str], **options) -> None:
        unknown = sorted(set(commands) - SCHEDULED_COMMANDS)
        if unknown:
            raise CommandError(
                f"Not a scheduled command: {', '.join(unknown)} "
                f"(one of {', '.join(sorted(SCHEDULED_COMMANDS))})."
            )
        requeue_abandoned()
        for name in commands:
            result = run_command.enqueue(name)
            self.stdout.write(f"Queued {name} ({result.id}).")
