"""Development only: a demo account with sessions from other devices and countries."""

from __future__ import annotations

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sessions_ui.backends.limits import expiry
from sessions_ui.client import ClientInfo
from sessions_ui.models import ClientKind, Session
from sessions_ui.signin import start_session

DEMO_EMAIL = "demo@pixelunion.example"
DEMO_PASSWORD = "Kontosäkerhet-2026"

# (client, kind, minutes since last activity, days since sign-in)
DEVICES = [
    (
        ClientInfo(
            "83.250.0.1",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
        ),
        ClientKind.WEB,
        5,
        2,
    ),
    (
        ClientInfo(
            "83.250.0.1", "Immich_Android_1.132.3", device_model="Pixel 8", device_type="Android"
        ),
        ClientKind.APP,
        42,
        30,
    ),
    (
        ClientInfo(
            "5.9.0.1",
            "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
        ),
        ClientKind.WEB,
        60 * 26,
        6,
    ),
    (
        ClientInfo(
            "81.2.69.142",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Safari/537.36",
        ),
        ClientKind.WEB,
        60 * 24 * 3,
        9,
    ),
]


class Command(BaseCommand):
    help = "Creates the demo account (dev only) with sessions from other devices, and prints it."

    def handle(self, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("seed_demo is for development only (DJANGO_DEBUG=1).")
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username="demo", defaults={"email": DEMO_EMAIL, "first_name": "Demo"}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
            EmailAddress.objects.create(user=user, email=DEMO_EMAIL, verified=True, primary=True)
        if not Session.objects.filter(user=user).exists():
            now = timezone.now()
            for client, kind, minutes, days in DEVICES:
                store = start_session(user, client, kind=kind)
                created_at = now - timedelta(days=days)
                last = now - timedelta(minutes=minutes)
                Session.objects.filter(public_id=store.public_id).update(
                    created_at=created_at,
                    last_activity=last,
                    expire_date=expiry(kind, created_at, last),
                )
        self.stdout.write(
            self.style.SUCCESS(f"Demo account: {DEMO_EMAIL}  password: {DEMO_PASSWORD}")
        )
