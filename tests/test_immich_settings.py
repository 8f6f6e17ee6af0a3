"""Configuration: the signing key is required in production; without Immich's URL nothing goes out."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from immich.backchannel import queue_logouts, retry_delay
from immich.models import LogoutDelivery
from sessions_ui.models import ClientKind
from sessions_ui.revocation import EndedSession

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "OIDC_"))}
    clean.update(DJANGO_SETTINGS_MODULE="pixelunion.settings", **env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True)


def test_production_refuses_to_start_without_a_signing_key():
    result = _manage("check", DJANGO_SECRET_KEY="x7#kq" * 12, DJANGO_ALLOWED_HOSTS="photos.example")
    assert result.returncode != 0
    assert "OIDC_PRIVATE_KEY" in result.stderr


def test_the_key_may_come_from_a_file(tmp_path):
    key = tmp_path / "oidc.pem"
    key.write_text(os.environ["OIDC_PRIVATE_KEY"])
    result = _manage("check", DJANGO_SECRET_KEY="x7#kq" * 12, DJANGO_ALLOWED_HOSTS="photos.example", OIDC_PRIVATE_KEY_FILE=str(key))
    assert result.returncode == 0, result.stderr


def _ended(user_id: int) -> EndedSession:
    import uuid

    return EndedSession(public_id=uuid.uuid4(), user_id=user_id, client=ClientKind.IMMICH, device_kind="app", browser="Immich",
                        os="Android", device_model="Pixel 8", app_version="3.2.2", ip=None, country_code="", city="")


@pytest.mark.django_db
def test_without_immich_url_nothing_is_queued(user, settings):
    settings.IMMICH_URL = ""
    assert queue_logouts([_ended(user.pk)]) == []
    assert not LogoutDelivery.objects.exists()


@pytest.mark.django_db
def test_with_immich_url_one_row_per_ended_immich_session(user, settings, django_capture_on_commit_callbacks):
    settings.IMMICH_URL = "http://127.0.0.1:9"
    with django_capture_on_commit_callbacks() as callbacks:
        rows = queue_logouts([_ended(user.pk), _ended(user.pk)])
    assert len(rows) == 2 and LogoutDelivery.objects.count() == 2
    assert len(callbacks) == 1  # the tasks are enqueued only once the transaction commits


def test_back_off_doubles_and_is_capped(settings):
    settings.BACKCHANNEL_FIRST_DELAY = 5
    settings.BACKCHANNEL_MAX_DELAY = 900
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 10)] == [5, 10, 20, 900]
