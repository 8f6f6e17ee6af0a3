"""The OpenAPI schema, the docs page, and the one JSON error shape for every failure under /api/."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from tests.api_support import SESSIONS, app_client, assert_error, bearer, token_for

pytestmark = pytest.mark.django_db


def test_openapi_schema_describes_every_operation_and_both_token_headers():
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    operations = {
        (method.upper(), path) for path, item in schema["paths"].items() for method in item
    }
    assert operations == {
        ("POST", "/api/auth/login"),
        ("POST", "/api/auth/logout"),
        ("GET", "/api/sessions"),
        ("DELETE", "/api/sessions"),
        ("DELETE", "/api/sessions/{session_id}"),
    }
    schemes = schema["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= schemes["BearerToken"].items()
    assert schemes["ImmichUserToken"]["name"] == "x-immich-user-token"
    login = schema["paths"]["/api/auth/login"]["post"]
    assert "security" not in login or login["security"] == []
    assert set(login["responses"]) == {"201", "400", "401", "429"}
    assert set(schema["paths"]["/api/sessions/{session_id}"]["delete"]["responses"]) == {
        "204",
        "400",
        "401",
        "403",  # the password is needed again after the sudo window
        "404",
        "429",
    }


def test_docs_page_is_served_locally():
    response = Client().get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/api/openapi.json" in html
    assert "/static/ninja/swagger-ui-bundle.js" in html  # no CDN


@pytest.mark.parametrize(
    "path",
    [
        "/api/",
        "/api/nope",
        "/api/sessions/",
        "/api/auth/login/",
        "/api/sessions/a/b",
        "/api/auth",
        "/api/%00",
        "/api/" + "x" * 5000,
    ],
)
def test_unknown_addresses_under_api_are_json_404(path):
    assert_error(Client().get(path), 404)
    assert_error(Client().post(path), 404)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/auth/login"),
        ("put", SESSIONS),
        ("patch", SESSIONS),
        ("post", SESSIONS),
        ("get", "/api/auth/logout"),
        ("get", f"{SESSIONS}/x"),
        ("head", SESSIONS),
        ("options", SESSIONS),
    ],
)
def test_wrong_methods_are_json_405(user, method, path):
    token = token_for(app_client(), user.email)
    response = getattr(Client(), method)(path, **bearer(token))
    assert response.status_code == 405
    assert response["Allow"]
    if method != "head":
        assert_error(response, 405)


@pytest.mark.parametrize(
    ("handler", "status"),
    [("bad_request", 400), ("permission_denied", 403), ("page_not_found", 404)],
)
def test_project_error_handlers_answer_json_under_api(handler, status):
    """Errors raised outside the API's views (a session ended mid-request: SessionInterrupted,
    a forged Host) reach the project's handlers, which keep the API's shape."""
    from pixelunion import views

    request = RequestFactory().get("/api/sessions")
    assert_error(getattr(views, handler)(request, Exception()), status)
    page = getattr(views, handler)(RequestFactory().get("/account/security/"), Exception())
    assert page["Content-Type"].startswith("text/html")


def test_database_outage_under_api_is_json_503():
    import sys

    from django.db import OperationalError

    from pixelunion import views

    request = RequestFactory().get("/api/sessions")
    try:
        raise OperationalError("connection refused")
    except OperationalError:
        assert sys.exc_info()[0] is OperationalError
        response = views.server_error(request)
    assert_error(response, 503)
    assert response["Retry-After"]


def test_a_changed_token_session_ended_by_its_own_request_is_not_written_back(user):
    """OTPMiddleware drops a device id that names no device, which changes the session; the
    request then ends its own session. The answer stays the view's, and the row stays gone."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from sessions_ui.client import ClientInfo
    from sessions_ui.keys import hash_key
    from sessions_ui.models import Session
    from sessions_ui.signin import start_session

    store = start_session(
        user,
        ClientInfo("83.250.0.1", "Immich_Android_1.132.3"),
        extra={DEVICE_ID_SESSION_KEY: "otp_totp.totpdevice/999"},
    )
    token = store.session_key
    response = Client().delete(f"{SESSIONS}/{store.public_id}", **bearer(token))
    assert response.status_code == 204
    assert not Session.objects.filter(key_hash=hash_key(token)).exists()
    assert_error(Client().get(SESSIONS, **bearer(token)), 401)


def test_a_changed_token_session_is_saved_without_a_cookie(user):
    from django_otp import DEVICE_ID_SESSION_KEY

    from sessions_ui.backends.db import SessionStore
    from sessions_ui.client import ClientInfo
    from sessions_ui.keys import hash_key
    from sessions_ui.models import Session
    from sessions_ui.signin import start_session

    store = start_session(
        user,
        ClientInfo("83.250.0.1", "Immich_Android_1.132.3"),
        extra={DEVICE_ID_SESSION_KEY: "otp_totp.totpdevice/999"},
    )
    response = Client().get(SESSIONS, **bearer(store.session_key))
    assert response.status_code == 200
    assert "Set-Cookie" not in response
    row = Session.objects.get(key_hash=hash_key(store.session_key))
    assert DEVICE_ID_SESSION_KEY not in SessionStore().decode(row.session_data)
