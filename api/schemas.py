"""The API's request and response bodies, named and shaped like Immich's (camelCase)."""

from __future__ import annotations

import uuid
from datetime import datetime

from ninja import Field, Schema

from sessions_ui.devices import snapshot_title
from sessions_ui.geo import country_name
from sessions_ui.models import LIST_FIELDS, Session

# Printable text only: control characters never reach a database query or a log line.
_PRINTABLE = r"^[^\x00-\x1f\x7f]*$"


class ErrorOut(Schema):
    message: str
    statusCode: int  # noqa: N815 - Immich's field names
    error: str


class LoginIn(Schema):
    email: str = Field(..., min_length=1, max_length=254, pattern=_PRINTABLE)
    password: str = Field(..., min_length=1, max_length=4096)
    totpCode: str | None = Field(  # noqa: N815
        None,
        max_length=64,
        pattern=r"^[A-Za-z0-9 \-]*$",
        description="A current TOTP code or an unused backup code; required when the account "
        "has two-factor authentication.",
    )


class LoginOut(Schema):
    accessToken: str  # noqa: N815
    userId: str  # noqa: N815
    userEmail: str  # noqa: N815
    name: str


class LogoutOut(Schema):
    successful: bool
    redirectUri: str  # noqa: N815


class LocationOut(Schema):
    country: str = Field(description="Country name in the request's language; empty if unknown.")
    countryCode: str  # noqa: N815
    city: str


class SessionOut(Schema):
    id: uuid.UUID
    createdAt: datetime  # noqa: N815
    updatedAt: datetime = Field(description="Last activity (recorded at most once a minute).")  # noqa: N815
    current: bool
    deviceType: str = Field(description="Browser name, or the phone model for the app.")  # noqa: N815
    deviceOS: str  # noqa: N815
    appVersion: str | None  # noqa: N815
    ip: str | None
    location: LocationOut
    client: str = Field(description='"web" (a browser) or "app" (the Immich mobile app).')
    title: str = Field(description="The device as Enhetsaktivitet names it, localised.")


def session_out(session: Session, current: uuid.UUID | None) -> dict:
    """One row of the session list; reads stored fields only (no parsing, no lookups)."""
    is_app = session.device_kind == "app"
    return {
        "id": session.public_id,
        "createdAt": session.created_at,
        "updatedAt": session.last_activity,
        "current": session.public_id == current,
        "deviceType": (session.device_model or session.browser)
        if is_app
        else (session.browser or session.device_model),
        "deviceOS": session.os,
        "appVersion": session.app_version or None,
        "ip": session.ip or None,
        "location": {
            "country": country_name(session.country_code),
            "countryCode": session.country_code,
            "city": session.city,
        },
        "client": session.client,
        "title": snapshot_title(session),
    }


def session_list(user, current: uuid.UUID | None) -> list[dict]:
    """The account's active sessions, most recent activity first; one query."""
    rows = Session.objects.of_user(user).only(*LIST_FIELDS).order_by("-last_activity", "-id")
    return [session_out(row, current) for row in rows]
