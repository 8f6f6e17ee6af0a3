"""Development only: the demo account, with a story that holds together.

Anna Demo lives in Stockholm: a laptop, an iPhone and the Immich app in Tumba have signed in for
two months, with one trip to London (the Säkerhetslogg holds every sign-in the device list
shows). Then, in the last days, the five signs, each once: Ny plats, Okänd enhet and Flera länder
(Firefox on Linux in Germany, while Stockholm is active too), Omöjlig resa (the laptop's browser
in London half an hour after the iPhone in Stockholm), Ovanlig tid (the laptop at home at 03:30).

``seed_demo`` creates the account when it is missing; ``seed_demo --reset`` (``make demo``)
deletes it and starts again: the demo password, 2FA off, the same story. The password has no
"ä", so it can be typed on any keyboard.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from accounts.models import EventKind, SecurityEvent
from accounts.security_log import record_event
from sessions_ui.backends.limits import expiry
from sessions_ui.client import ClientInfo
from sessions_ui.models import ClientKind, Session
from sessions_ui.revocation import revoke_other_sessions
from sessions_ui.signin import start_session

DEMO_EMAIL = "demo@pixelunion.example"
DEMO_PASSWORD = "Kontosakerhet-2026"
HOME = ZoneInfo("Europe/Stockholm")

STOCKHOLM, TUMBA, GERMANY, BRITAIN = "83.250.0.1", "83.251.0.1", "5.9.0.1", "81.2.69.142"
LAPTOP = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
APP = ClientInfo(TUMBA, "Immich_Android_1.132.3", device_model="Pixel 8", device_type="Android")

FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0"

# Ended sign-ins, from home and from a trip to London: (days ago, local hour, client).
HOME_SIGN_INS = [
    (60, 9, LAPTOP), (52, 19, IPHONE), (45, 10, LAPTOP), (38, 20, IPHONE), (31, 8, LAPTOP),
    (24, 18, IPHONE), (17, 11, LAPTOP), (12, 21, IPHONE), (9, 14, LAPTOP),
]  # fmt: skip
HISTORY = [
    (40, 10, ClientInfo(BRITAIN, LAPTOP)),
    (55, 12, APP),
    *((days, hour, ClientInfo(STOCKHOLM, agent)) for days, hour, agent in HOME_SIGN_INS),
]


class Command(BaseCommand):
    help = "Creates the demo account (dev only), or with --reset deletes and recreates it."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--reset", action="store_true", help="start the demo again")

    def handle(self, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("seed_demo is for development only (DJANGO_DEBUG=1).")
        User = get_user_model()
        existing = User.objects.filter(username="demo").first()
        if existing is not None and options["reset"]:
            revoke_other_sessions(existing, None)
            existing.delete()
            existing = None
        if existing is None:
            # No alert emails for a story told after the fact.
            with override_settings(SIGN_IN_ALERTS=False), transaction.atomic():
                seed(User)
        elif not existing.check_password(DEMO_PASSWORD):
            self.stdout.write(
                self.style.WARNING("The demo password was changed: `make demo` resets it.")
            )
        self.stdout.write(
            self.style.SUCCESS(f"Demo account: {DEMO_EMAIL}  password: {DEMO_PASSWORD}")
        )


def at(days: float, hour: int, minute: int = 0) -> datetime:
    """``days`` ago at ``hour``:``minute`` Stockholm time (never in the future)."""
    now = timezone.now()
    moment = (now - timedelta(days=days)).astimezone(HOME)
    moment = moment.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return min(moment, now - timedelta(minutes=1))


def signed_in(user, client: ClientInfo, when: datetime, *, kind=ClientKind.WEB, last=None):
    """A session signed in at ``when`` and its Säkerhetslogg sign-in event, as the real sign-in
    writes them (the event's snapshot is the session's)."""
    store = start_session(user, client, kind=kind)
    last = last or when
    Session.objects.filter(public_id=store.public_id).update(
        created_at=when, last_activity=last, expire_date=expiry(kind, when, last)
    )
    row = Session.objects.get(public_id=store.public_id)
    event = record_event(EventKind.SIGN_IN, user=user, session=row, details={"method": "password"})
    SecurityEvent.objects.filter(pk=event.pk).update(created_at=when)
    return row


def seed(User) -> None:
    user = User.objects.create_user(
        username="demo", email=DEMO_EMAIL, password=DEMO_PASSWORD, first_name="Anna"
    )
    EmailAddress.objects.create(user=user, email=DEMO_EMAIL, verified=True, primary=True)
    for days, hour, client in HISTORY:
        kind = ClientKind.APP if client is APP else ClientKind.WEB
        ended = signed_in(user, client, at(days, hour), kind=kind)
        ended.delete()  # signed out long ago; the sign-in stays in the log
    now = timezone.now()
    signed_in(user, APP, at(30, 12), kind=ClientKind.APP, last=now - timedelta(minutes=42))
    # Every moment at a fixed local hour, so the story is the same whatever the time of day.
    iphone = signed_in(
        user, ClientInfo(STOCKHOLM, IPHONE), at(3, 18), last=now - timedelta(hours=3)
    )
    # Half an hour after the iPhone in Stockholm, the laptop's browser in London (known from the
    # trip, but 1,400 km in 30 minutes); quiet since, so not active in two countries.
    signed_in(
        user,
        ClientInfo(BRITAIN, LAPTOP),
        iphone.created_at + timedelta(minutes=30),
        last=iphone.created_at + timedelta(hours=1),
    )
    # A browser never seen before, in a country never seen before, active within the day while
    # Stockholm is too.
    signed_in(
        user,
        ClientInfo(GERMANY, FIREFOX_LINUX),
        at(1, 14),
        last=now - timedelta(hours=1),
    )
    # The laptop at home, in the middle of the night.
    signed_in(user, ClientInfo(STOCKHOLM, LAPTOP), at(1, 3, 30), last=now - timedelta(minutes=5))
