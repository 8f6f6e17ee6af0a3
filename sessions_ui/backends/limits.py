"""How long sessions live and how often their activity is written, read from settings once.

Every request checks a session's idle timeout and absolute lifetime (the stored expiry is
re-checked, so a shortened setting applies to existing sessions) and the activity interval;
reading four settings through Django's lazy settings object on every request is measurable
(``benchmarks/instructions.py``), so the values are kept per process and read again when a
setting changes (``setting_changed``: tests, mostly).
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from sessions_ui.models import ClientKind

_MICROSECOND = timedelta(microseconds=1)


@functools.cache
def _limits(client: str) -> tuple[timedelta, timedelta]:
    if client == ClientKind.IMMICH:
        return (
            timedelta(seconds=settings.IMMICH_SESSION_IDLE_TIMEOUT),
            timedelta(seconds=settings.IMMICH_SESSION_ABSOLUTE_LIFETIME),
        )
    if client == ClientKind.APP:
        return (
            timedelta(seconds=settings.APP_SESSION_IDLE_TIMEOUT),
            timedelta(seconds=settings.APP_SESSION_ABSOLUTE_LIFETIME),
        )
    return (
        timedelta(seconds=settings.SESSION_IDLE_TIMEOUT),
        timedelta(seconds=settings.SESSION_ABSOLUTE_LIFETIME),
    )


@functools.cache
def _limits_us(client: str) -> tuple[int, int]:
    idle, absolute = _limits(client)
    return idle // _MICROSECOND, absolute // _MICROSECOND


@functools.cache
def activity_interval() -> timedelta:
    return timedelta(seconds=settings.SESSION_ACTIVITY_INTERVAL)


@functools.cache
def activity_interval_us() -> int:
    return activity_interval() // _MICROSECOND


_LIMIT_SETTINGS = frozenset(
    {
        "SESSION_IDLE_TIMEOUT",
        "SESSION_ABSOLUTE_LIFETIME",
        "APP_SESSION_IDLE_TIMEOUT",
        "APP_SESSION_ABSOLUTE_LIFETIME",
        "IMMICH_SESSION_IDLE_TIMEOUT",
        "IMMICH_SESSION_ABSOLUTE_LIFETIME",
        "SESSION_ACTIVITY_INTERVAL",
    }
)


@receiver(setting_changed)
def _forget_limits(*, setting: str, **kwargs: Any) -> None:
    """The limits are read once per process (every request checks them); a changed setting
    (tests, mostly) is read again."""
    if setting in _LIMIT_SETTINGS:
        for cached in (_limits, _limits_us, activity_interval, activity_interval_us):
            cached.cache_clear()


def lifetimes(client: str) -> tuple[timedelta, timedelta]:
    """(idle timeout, absolute lifetime) for a client kind, from settings."""
    return _limits(client)


def lifetimes_us(client: str) -> tuple[int, int]:
    """``lifetimes`` in microseconds, for checks on cache entries (plain integers)."""
    return _limits_us(client)


def expiry(client: str, created_at: datetime, last_activity: datetime) -> datetime:
    idle, absolute = lifetimes(client)
    return min(last_activity + idle, created_at + absolute)
