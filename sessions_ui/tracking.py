"""What a session row should say about its client, computed only when the client changed.

Parsing a user agent and a GeoIP lookup happen here, on the write path, when the IP or the user
agent differs from what the row already holds, never while a page is rendered.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from django.utils import timezone

from sessions_ui import places
from sessions_ui.client import USER_AGENT_MAX, ClientInfo
from sessions_ui.devices import describe_device
from sessions_ui.geo import locate_ip, locate_network


class _Seen(Protocol):
    ip: str | None
    user_agent: str


def device_fields(client: ClientInfo) -> dict[str, Any]:
    device = describe_device(client.user_agent, client.device_model, client.device_type)
    return {
        "device_kind": device.kind,
        "browser": device.browser[:64],
        "os": device.os[:64],
        "device_model": device.model[:64],
        "app_version": device.app_version[:32],
    }


def location_fields(ip: str | None) -> dict[str, Any]:
    location = locate_ip(ip)
    return {
        "country_code": location.country_code,
        "city": location.city[:128],
        "time_zone": location.time_zone[:64],
        "latitude": location.latitude,
        "longitude": location.longitude,
    }


def network_fields(ip: str | None) -> dict[str, Any]:
    """The autonomous system of ``ip`` (kept on sign-in events, not on session rows)."""
    network = locate_network(ip)
    return {"asn": network.asn, "network": network.organisation[:128]}


def same_user_agent(client: ClientInfo, stored: str) -> bool:
    return client.user_agent[:USER_AGENT_MAX] == stored


def is_same_client(client: ClientInfo, ip: str | None, user_agent: str) -> bool:
    """Whether ``client`` is what a row holding ``ip`` and ``user_agent`` already says."""
    return client.ip == ip and same_user_agent(client, user_agent)


def client_fields(
    client: ClientInfo, previous: _Seen | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Model field values that changed between ``previous`` (the stored row) and ``client``.

    A new address also gives ``places``: the line for its place (``sessions_ui.places``), which
    the store writes as is into a new row and appends (``places.appended``) to an existing one.
    """
    fields: dict[str, Any] = {}
    if previous is None or not same_user_agent(client, previous.user_agent):
        fields["user_agent"] = client.user_agent[:USER_AGENT_MAX]
        fields.update(device_fields(client))
    if previous is None or client.ip != previous.ip:
        fields["ip"] = client.ip
        location = location_fields(client.ip)
        fields.update(location)
        asn = network_fields(client.ip)["asn"] if location["country_code"] else None
        fields["places"] = places.line(location, asn, now or timezone.now())
    return fields
