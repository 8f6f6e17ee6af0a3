"""Management commands: the dev-only demo account."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from sessions_ui.models import Session

pytestmark = pytest.mark.django_db


def test_seed_demo_refuses_outside_debug():
    with pytest.raises(CommandError):
        call_command("seed_demo")
    assert not Session.objects.exists()


def test_seed_demo_makes_a_realistic_picture(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent
    out = capsys.readouterr().out
    assert "demo@pixelunion.example" in out and "password" in out
    rows = Session.objects.filter(user__email="demo@pixelunion.example")
    assert rows.count() == 4
    assert {r.country_code for r in rows} == {"SE", "DE", "GB"}
    assert {r.device_kind for r in rows} == {"mobile", "app", "tablet", "desktop"}
