"""Delete security events older than the retention period (365 days by default)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.security_log import prune_events


class Command(BaseCommand):
    help = "Delete security log events older than SECURITY_LOG_RETENTION_DAYS (default 365)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Keep this many days instead of SECURITY_LOG_RETENTION_DAYS.",
        )

    def handle(self, *args, days: int | None = None, **options) -> None:
        days = settings.SECURITY_LOG_RETENTION_DAYS if days is None else days
        if days < 1:
            raise CommandError("--days must be at least 1.")
        deleted = prune_events(days=days)
        self.stdout.write(f"Deleted {deleted} security events older than {days} days.")
