"""Daily, from cron: enqueue this month's "review your sessions" emails (the worker sends them)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from account_security.reminders import enqueue_due_reminders


class Command(BaseCommand):
    help = "Enqueues the monthly session-review reminder of every account that is due."

    def handle(self, **options) -> None:
        count = enqueue_due_reminders()
        if options["verbosity"] > 0:
            self.stdout.write(f"{count} reminder(s) enqueued.")
