"""Enhetsaktivitet with Immich sessions costs the same queries as without."""

from __future__ import annotations

import pytest

from sessions_ui.models import ClientKind, Session
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db
DEVICES = "/account/security/devices/"


def _count(browser) -> int:
    browser.get(DEVICES)  # warm
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert browser.get(DEVICES).status_code == 200
    return len(ctx.captured_queries)


def test_immich_sessions_cost_no_extra_query(user, django_assert_num_queries):
    browser = sign_in(user.email)
    sign_in(user.email)
    without = _count(browser)
    other = Session.objects.exclude(client=ClientKind.IMMICH).filter(user=user).order_by("created_at").first()
    # Three Immich rows, as the token exchange and the sync leave them.
    for model in ("Pixel 8", "Pixel 9", ""):
        Session.objects.create(
            user=user, client=ClientKind.IMMICH, key_hash=f"{model or 'web'}".ljust(64, "x"),
            session_data="", expire_date=other.expire_date, created_at=other.created_at,
            last_activity=other.last_activity, device_kind="app" if model else "desktop",
            browser="Immich" if model else "Chrome", os="Android" if model else "Windows",
            device_model=model, app_version="3.2.2" if model else "",
        )
    with django_assert_num_queries(without):
        html = browser.get(DEVICES).content.decode()
    assert html.count("data-immich") == 3
