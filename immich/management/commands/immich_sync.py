"""Periodic Immich work (run from a timer): sync due users, re-enqueue lost deliveries."""

from django.core.management.base import BaseCommand

from immich.backchannel import requeue_stale
from immich.gate import prune_ended
from immich.sync import enabled, sync_user, users_due


class Command(BaseCommand):
    help = "Fetch Immich's session details for users due a sync; retry lost logout deliveries."

    def handle(self, *args, **options):
        requeued = requeue_stale()
        pruned = prune_ended()
        synced = 0
        if enabled():
            for user in users_due():
                sync_user(user)
                synced += 1
        self.stdout.write(
            f"synced {synced} users, re-enqueued {requeued} deliveries, "
            f"forgot {pruned} ended sessions"
        )
