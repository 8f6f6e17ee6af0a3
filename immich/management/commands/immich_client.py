"""Register (or update) Immich as a client of the OpenID Connect provider."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from immich.clients import DEMO_IMMICH_URL, DEMO_SECRET, ensure_immich_client, redirect_uris


class Command(BaseCommand):
    help = "Create or update the Immich OAuth client from IMMICH_URL and IMMICH_OIDC_CLIENT_*."

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo", action="store_true", help="development only: a demo client (make run)"
        )

    def handle(self, *args, demo=False, **options):
        secret = settings.IMMICH_OIDC_CLIENT_SECRET
        if demo:
            if not settings.DEBUG:
                raise CommandError("--demo is for development only (DJANGO_DEBUG=1).")
            secret = secret or DEMO_SECRET
        elif not secret:
            raise CommandError("Set IMMICH_OIDC_CLIENT_SECRET (docs/immich.md).")
        client = ensure_immich_client(secret=secret)
        url = settings.IMMICH_URL or DEMO_IMMICH_URL
        self.stdout.write(f"Immich client {client.id!r}: redirect URIs {redirect_uris(url)}")
