"""``manage.py worker`` (``make worker``): django-tasks-db's ``db_worker`` under a stable id.

Before it takes new work it queues again what a killed run of itself left RUNNING, and what any
worker abandoned long ago (background.recovery). Its id is the host name, or ``TASK_WORKER_ID``
(one per worker process when a host runs several); every other option is ``db_worker``'s.
"""

from __future__ import annotations

from django.conf import settings
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from background.recovery import requeue_abandoned, requeue_held_by


class Command(DbWorkerCommand):
    help = "Run the background worker (db_worker), first taking back what a killed run left."

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(worker_id=settings.TASK_WORKER_ID, queue_name="*")

    def handle(self, *args, **options) -> None:
        requeue_held_by(options["worker_id"])
        requeue_abandoned()
        super().handle(*args, **options)
