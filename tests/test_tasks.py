"""pixelunion.tasks and ``manage.py enqueue``: the daily clean-ups run in the worker."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import EventKind, SecurityEvent
from pixelunion.tasks import run_command
from sessions_ui.models import Session
from tests.task_worker import SUCCESSFUL, results, run_worker

pytestmark = pytest.mark.django_db(transaction=True)  # the worker commits, as in production


def test_the_daily_run_clears_expired_sessions_and_old_log_events(user, browser):
    session = Session.objects.get(user=user)
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    old = SecurityEvent.objects.create(user=user, kind=EventKind.SIGN_IN)
    SecurityEvent.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=400))
    output = StringIO()
    call_command("enqueue", "clearsessions", "prune_security_log", stdout=output)
    assert output.getvalue().count("Queued") == 2
    assert Session.objects.filter(pk=session.pk).exists()  # nothing ran yet: only queued
    run_worker()
    assert not Session.objects.filter(pk=session.pk).exists()
    assert not SecurityEvent.objects.filter(pk=old.pk).exists()
    rows = results("run_command")
    assert [row.status for row in rows] == [SUCCESSFUL, SUCCESSFUL]
    assert "Deleted 1 security events older than 365 days." in rows[1].return_value


def test_only_scheduled_commands_can_be_queued():
    with pytest.raises(CommandError, match="Not a scheduled command: flush"):
        call_command("enqueue", "flush")
    assert results("run_command") == []


def test_a_forged_task_row_cannot_run_another_command():
    with pytest.raises(ValueError, match="not a scheduled command"):
        run_command.call("flush", attempt=99)  # 99: no retry is queued for it
