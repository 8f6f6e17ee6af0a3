"""``/healthz/live`` and ``/healthz/ready``: what a load balancer or Kubernetes asks an instance."""

from __future__ import annotations

import pytest
from django.conf import settings

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_rate_limits")]

# How a load balancer asks: plain HTTP, the instance's own address as Host.
PROBE = {"HTTP_HOST": "10.0.3.7:8000"}


class TestLive:
    def test_answers_without_a_query(self, client, django_assert_num_queries):
        with django_assert_num_queries(0):
            response = client.get("/healthz/live")
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}
        assert "no-store" in response["Cache-Control"]

    @pytest.mark.django_db(transaction=True)
    def test_answers_while_the_database_is_down(self, client, unreachable_database):
        assert client.get("/healthz/live").status_code == 200


class TestReady:
    def test_ok_with_the_database(self, client, django_assert_num_queries):
        with django_assert_num_queries(1):  # SELECT 1
            response = client.get("/healthz/ready")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": "ok"}
        assert "no-store" in response["Cache-Control"]
        assert settings.SESSION_COOKIE_NAME not in response.cookies

    def test_the_old_address_answers_the_same(self, client):
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": "ok"}

    @pytest.mark.redis
    def test_ok_with_redis(self, redis_sessions, client):
        response = client.get("/healthz/ready")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}

    @pytest.mark.redis
    def test_degraded_but_ready_while_redis_is_down(self, dead_redis_sessions, client):
        """Sessions fall back to the database: the instance keeps its traffic."""
        response = client.get("/healthz/ready")
        assert response.status_code == 200
        assert response.json() == {"status": "degraded", "database": "ok", "cache": "down"}

    @pytest.mark.django_db(transaction=True)
    def test_not_ready_when_the_database_is_down(self, client, unreachable_database):
        response = client.get("/healthz/ready")
        assert response.status_code == 503
        assert response.json() == {"status": "down", "database": "down"}

    def test_other_methods_are_refused(self, client):
        response = client.post("/healthz/ready")
        assert response.status_code == 405
        assert response["Allow"] == "GET, HEAD"


class TestProbeByAddress:
    """The host check and the HTTPS redirect stay on for every page, not for the probes."""

    @pytest.mark.parametrize("path", ["/healthz/live", "/healthz/ready"])
    def test_plain_http_by_instance_ip_is_answered(self, settings, client, path):
        settings.SECURE_SSL_REDIRECT = True
        response = client.get(path, **PROBE)
        assert response.status_code == 200, response.content

    def test_a_page_by_instance_ip_is_still_refused(self, client):
        assert client.get("/accounts/login/", **PROBE).status_code == 400

    def test_a_page_over_plain_http_is_still_redirected(self, settings, client):
        settings.SECURE_SSL_REDIRECT = True
        response = client.get("/accounts/login/")
        assert response.status_code == 301
        assert response["Location"].startswith("https://")


@pytest.fixture
def unreachable_database():
    """The database connection pointed at a closed port (PostgreSQL runs only)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs a network database to point elsewhere")
    settings_dict = connection.settings_dict
    saved = dict(settings_dict)
    connection.close()
    settings_dict.update({"PORT": "6398", "HOST": "127.0.0.1"})
    yield
    connection.close()
    settings_dict.clear()
    settings_dict.update(saved)
