"""Per-request behaviour of the tracked session middleware, seen through real requests."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sessions_ui.keys import hash_key
from sessions_ui.models import Session
from tests import agents

pytestmark = pytest.mark.django_db

HUB = "/account/security/"


def session_queries(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if "sessions_ui_session" in q["sql"]]


def test_page_view_inside_the_activity_window_costs_one_select_and_no_write(browser):
    browser.get(HUB)
    with CaptureQueriesContext(connection) as ctx:
        assert browser.get(HUB).status_code == 200
    sql = session_queries(ctx)
    # the session load, and the hub's own list of sessions; nothing else touches the table
    assert [s.split()[0] for s in sql] == ["SELECT", "SELECT"]


def test_activity_is_written_once_the_window_has_passed(user, browser):
    browser.get(HUB)
    row = Session.objects.get(user=user)
    past = timezone.now() - timedelta(minutes=5)
    Session.objects.filter(pk=row.pk).update(last_activity=past)
    with CaptureQueriesContext(connection) as ctx:
        browser.get(HUB)
    writes = [s for s in session_queries(ctx) if s.startswith("UPDATE")]
    assert len(writes) == 1
    assert Session.objects.get(pk=row.pk).last_activity > past


def test_many_requests_inside_the_window_write_activity_once(user, browser, settings):
    settings.SESSION_ACTIVITY_INTERVAL = 60
    Session.objects.filter(user=user).update(last_activity=timezone.now() - timedelta(minutes=2))
    with CaptureQueriesContext(connection) as ctx:
        for _ in range(20):
            browser.get(HUB)
    assert len([s for s in session_queries(ctx) if s.startswith("UPDATE")]) == 1


def test_ip_change_is_recorded_on_the_next_request(user, browser):
    browser.get(HUB, REMOTE_ADDR=agents.IP_BRITAIN)
    row = Session.objects.get(user=user)
    assert (row.ip, row.country_code) == (agents.IP_BRITAIN, "GB")


def test_anonymous_visits_write_nothing(client):
    with CaptureQueriesContext(connection) as ctx:
        client.get("/accounts/login/")
        client.get(HUB)
    assert not [s for s in session_queries(ctx) if not s.startswith("SELECT")]
    assert Session.objects.count() == 0


@pytest.mark.parametrize(
    "cookie",
    ["", "short", "x" * 10_000, "ÅÄÖåäö" * 6, "0123456789abcdefghijklmnopqrstuv", "' OR 1=1 --"],
)
def test_unknown_or_malformed_cookies_create_no_row(cookie):
    visitor = Client(HTTP_USER_AGENT=agents.CHROME_WINDOWS)
    visitor.cookies["sessionid"] = cookie
    with CaptureQueriesContext(connection) as ctx:
        response = visitor.get(HUB)
    assert response.status_code == 302
    assert Session.objects.count() == 0
    if cookie != "0123456789abcdefghijklmnopqrstuv":
        assert session_queries(ctx) == [], "a malformed key must never reach the database"


def test_login_rotates_the_key_and_the_old_key_is_dead(user, password):
    visitor = Client(HTTP_USER_AGENT=agents.CHROME_WINDOWS)
    visitor.get("/accounts/login/")
    session = visitor.session
    session["pre_login"] = "x"
    session.save()
    before = visitor.cookies["sessionid"].value
    visitor.post("/accounts/login/", {"login": user.email, "password": password})
    after = visitor.cookies["sessionid"].value
    assert after != before
    assert not Session.objects.filter(key_hash=hash_key(before)).exists()
    fixated = Client(HTTP_USER_AGENT=agents.CHROME_WINDOWS)
    fixated.cookies["sessionid"] = before
    assert fixated.get(HUB).status_code == 302


def test_database_outage_while_saving_a_session_is_503_not_session_deleted(user, password):
    visitor = Client(HTTP_USER_AGENT=agents.CHROME_WINDOWS, raise_request_exception=False)

    def refuse_session_writes(execute, sql, params, many, context):
        if "sessions_ui_session" in sql and not sql.lstrip().startswith("SELECT"):
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(refuse_session_writes):
        response = visitor.post("/accounts/login/", {"login": user.email, "password": password})
    assert response.status_code == 503
    assert "sessionid" not in response.cookies
    assert b"Traceback" not in response.content
    assert "tillfälligt otillgänglig" in response.content.decode()
    assert Session.objects.count() == 0


def test_database_outage_while_loading_a_session_grants_nothing(browser):
    browser.raise_request_exception = False

    def refuse_session_reads(execute, sql, params, many, context):
        if "sessions_ui_session" in sql:
            raise OperationalError("could not connect to server")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(refuse_session_reads):
        response = browser.get(HUB)
    assert response.status_code == 503
    assert "Aktiva sessioner" not in response.content.decode()
