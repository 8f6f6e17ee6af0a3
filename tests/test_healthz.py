"""``/healthz``: what a load balancer asks before sending traffic to an app server."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_rate_limits")]


def test_ok_with_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_needs_no_session_and_sets_no_cookie(client, django_assert_num_queries):
    with django_assert_num_queries(1):  # SELECT 1
        response = client.get("/healthz")
    assert "sessionid" not in response.cookies


@pytest.mark.redis
def test_ok_with_redis(redis_sessions, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


@pytest.mark.redis
def test_down_while_redis_is_down(dead_redis_sessions, client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "down", "database": "ok", "cache": "down"}


@pytest.mark.django_db(transaction=True)
def test_down_when_the_database_is(settings, client):
    from django.db import connection

    # A closed port: the next connection attempt fails.
    settings_dict = connection.settings_dict
    if connection.vendor != "postgresql":
        pytest.skip("needs a network database to point elsewhere")
    saved = dict(settings_dict)
    connection.close()
    settings_dict.update({"PORT": "6398", "HOST": "127.0.0.1"})
    try:
        response = client.get("/healthz")
    finally:
        connection.close()
        settings_dict.clear()
        settings_dict.update(saved)
    assert response.status_code == 503
    assert response.json()["database"] == "down"
