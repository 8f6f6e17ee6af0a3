"""Who is on the other end of a request: IP address, user agent and the Immich app's headers.

Everything here reads client-controlled text, so nothing raises: a value that is not a clean IP
address becomes ``None`` (the session then simply has no location), and text is cut to the
lengths of the session table's columns. Addresses are parsed with :mod:`ipaddress` only, never
resolved, so no header can make us do a DNS lookup.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

USER_AGENT_MAX = 512
DEVICE_MODEL_MAX = 64
DEVICE_TYPE_MAX = 32

# "[2001:db8::1]:443" is 53 characters; anything much longer is not an address.
_ADDRESS_TEXT_MAX = 64
# Control characters are dropped from stored text: PostgreSQL rejects NUL, logs dislike newlines.
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class ClientInfo:
    """The client as seen on one request, ready to be stored on the session."""

    ip: str | None
    user_agent: str
    device_model: str = ""
    device_type: str = ""


def parse_ip(value: str | None) -> IPAddress | None:
    """Read one address as proxies and servers write it, or ``None`` for anything else.

    Accepts ``1.2.3.4``, ``1.2.3.4:8080``, ``2001:db8::1``, ``[2001:db8::1]`` and
    ``[2001:db8::1]:443``, optionally in RFC 7239 quotes. A zone id (``fe80::1%eth0``) is
    dropped, being meaningless beyond the link, and an IPv4-mapped IPv6 address becomes the
    IPv4 address so proxy trust and location work the same for both spellings.
    """
    if not value:
        return None
    text = value.strip().strip('"').strip()
    if not text or len(text) > _ADDRESS_TEXT_MAX:
        return None
    if text.startswith("["):
        end = text.find("]")
        if end == -1:
            return None
        rest = text[end + 1 :]
        if rest and not _is_port(rest):
            return None
        text = text[1:end]
    elif text.count(":") == 1:
        host, _, port = text.partition(":")
        if not _is_port(":" + port):
            return None
        text = host
    return address_from_text(text.split("%", 1)[0])


def address_from_text(text: str) -> IPAddress | None:
    """A plain address (``1.2.3.4``, ``2001:db8::1``), IPv4-mapped IPv6 read as IPv4; else None.

    The one place text becomes an ``ipaddress`` object: the GeoIP reader is only ever given
    such objects (a string could mean a DNS lookup).
    """
    if len(text) > _ADDRESS_TEXT_MAX:
        return None
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_port(text: str) -> bool:
    """``:443`` and the like; ASCII digits only (``str.isdigit`` also accepts ``²``)."""
    digits = text[1:]
    return text.startswith(":") and 0 < len(digits) <= 5 and digits.isascii() and digits.isdigit()


@lru_cache(maxsize=16)
def _trusted_networks(trusted: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    """Parse ``TRUSTED_PROXIES`` once per distinct value; a bad entry is logged and ignored."""
    networks: list[IPNetwork] = []
    for entry in trusted:
        try:
            network = ipaddress.ip_network(str(entry).strip(), strict=False)
        except ValueError:
            logger.warning("Ignoring invalid TRUSTED_PROXIES entry %r", entry)
            continue
        networks.append(network)
    return tuple(networks)


def _is_trusted(address: IPAddress, networks: Sequence[IPNetwork]) -> bool:
    # ``in`` across IP versions is simply False, never an error.
    return any(address in network for network in networks)


def client_ip(
    remote_addr: str | None, forwarded_for: str | None, trusted: Sequence[str]
) -> str | None:
    """The client's address: the peer itself, unless the peer is one of our trusted proxies.

    Behind trusted proxies ``X-Forwarded-For`` is read right to left, because only the entries
    our own proxies appended are believable; trusted hops are skipped and the first untrusted
    address is the client. If every hop is trusted, the left-most one is returned; if the peer
    is trusted but sent no ``X-Forwarded-For`` at all, the peer is the client.

    Empty entries (``a,,b``, trailing commas) are skipped. The first non-empty entry that is not
    a valid address ends the walk with ``None``: everything to its left was written by the
    client, so no address there can be believed either.
    """
    peer = parse_ip(remote_addr)
    if peer is None:
        return None
    if isinstance(trusted, str):  # a bare "10.0.0.1,10.0.0.2" instead of a list
        trusted = trusted.split(",")
    networks = _trusted_networks(tuple(trusted))
    if not networks or not _is_trusted(peer, networks):
        return str(peer)
    if not forwarded_for:
        return str(peer)
    leftmost: IPAddress | None = None
    for entry in reversed(forwarded_for.split(",")):
        if not entry.strip():
            continue
        address = parse_ip(entry)
        if address is None:
            return None
        if not _is_trusted(address, networks):
            return str(address)
        leftmost = address
    return str(leftmost if leftmost is not None else peer)


def _clean_text(value: str | None, limit: int) -> str:
    """Header text as stored: control characters removed, trimmed, cut to the column length."""
    if not value:
        return ""
    # Cut before cleaning too, so a huge header costs no more than a short one.
    return _CONTROL_CHARS.sub("", value[: limit * 2]).strip()[:limit]


def client_from_request(request: HttpRequest) -> ClientInfo:
    """Everything the session table records about the client of ``request``.

    Runs on every request (the session middleware compares it with the stored row), and one
    client sends the same headers request after request: the answer is remembered per distinct
    headers (bounded; the texts are cut as ``_clean_text`` cuts them anyway).
    """
    return client_from_meta(request.META)


def client_from_meta(meta: Mapping[str, Any]) -> ClientInfo:
    """``client_from_request`` from the request's WSGI environ alone (the Immich gate answers
    before Django builds a request)."""
    trusted = getattr(settings, "TRUSTED_PROXIES", None) or ()
    trusted = trusted if isinstance(trusted, str) else tuple(trusted)
    forwarded_for = meta.get("HTTP_X_FORWARDED_FOR")
    headers = (
        meta.get("REMOTE_ADDR"),
        forwarded_for,
        (meta.get("HTTP_USER_AGENT") or "")[: USER_AGENT_MAX * 2],
        (meta.get("HTTP_DEVICEMODEL") or "")[: DEVICE_MODEL_MAX * 2],
        (meta.get("HTTP_DEVICETYPE") or "")[: DEVICE_TYPE_MAX * 2],
        trusted,
    )
    if forwarded_for and len(forwarded_for) > _MEMO_FORWARDED_MAX:
        return _client_info(*headers)
    return _remembered_client_info(*headers)


_MEMO_FORWARDED_MAX = 1024


def _client_info(
    remote_addr: str | None,
    forwarded_for: str | None,
    user_agent: str,
    device_model: str,
    device_type: str,
    trusted: str | tuple[str, ...],
) -> ClientInfo:
    return ClientInfo(
        ip=client_ip(remote_addr, forwarded_for, trusted),
        user_agent=_clean_text(user_agent, USER_AGENT_MAX),
        device_model=_clean_text(device_model, DEVICE_MODEL_MAX),
        device_type=_clean_text(device_type, DEVICE_TYPE_MAX),
    )


_remembered_client_info = lru_cache(maxsize=1024)(_client_info)
