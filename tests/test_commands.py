"""Management commands: the dev-only demo account (account_security/management/commands)."""

from __future__ import annotations

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client

from account_security.management.commands.seed_demo import DEMO_EMAIL, DEMO_PASSWORD
from account_security.presentation import session_cards
from accounts.models import EventKind, SecurityEvent
from sessions_ui.models import Session
from tests.two_factor_support import add_authenticator

pytestmark = pytest.mark.django_db


def test_seed_demo_refuses_outside_debug():
    with pytest.raises(CommandError):
        call_command("seed_demo")
    assert not Session.objects.exists()


def demo_cards():
    from django.contrib.auth import get_user_model

    return session_cards(get_user_model().objects.get(email=DEMO_EMAIL), None)


# Whatever the hour `make run` is started at (UTC; Stockholm is an hour or two ahead): the
# demo's moments are set at fixed local hours, so its story never gains an "Ovanlig tid".
@pytest.mark.parametrize("clock", ["2026-12-02 08:00Z", "2026-12-02 20:05Z", "2026-07-01 23:30Z"])
def test_seed_demo_tells_a_story_that_holds_together(settings, capsys, clock):
    settings.DEBUG = True
    with time_machine.travel(clock, tick=False):
        tell_the_story(capsys)


def tell_the_story(capsys) -> None:
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent
    out = capsys.readouterr().out
    assert DEMO_EMAIL in out and DEMO_PASSWORD in out and "ä" not in DEMO_PASSWORD
    cards = demo_cards()
    assert len(cards) == 5
    assert {c.location.split(", ")[-1] for c in cards} == {"Sverige", "Storbritannien", "Tyskland"}
    # Each of the five warning signs, once.
    kinds = [str(flag.kind) for card in cards for flag in card.flags]
    assert sorted(kinds) == sorted(
        ["new_place", "new_device", "several_countries", "impossible_travel", "unusual_time"]
    )
    # The Säkerhetslogg holds the sign-in of every session the device list shows.
    signed_in = set(
        SecurityEvent.objects.filter(kind=EventKind.SIGN_IN).values_list(
            "session_public_id", flat=True
        )
    )
    assert {c.public_id for c in cards} <= signed_in
    assert len(signed_in) > len(cards)  # and the earlier ones


def test_make_demo_resets_password_and_two_factor(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(email=DEMO_EMAIL)
    user.set_password("Something else entirely 7")
    user.save()
    add_authenticator(user)
    call_command("seed_demo")
    assert "make demo" in capsys.readouterr().out
    call_command("seed_demo", "--reset")
    assert len(demo_cards()) == 5
    response = Client().post("/accounts/login/", {"login": DEMO_EMAIL, "password": DEMO_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/account/security/"
