"""What kind of device a session belongs to, told from its user agent and the app's headers.

Parsing happens when a session's user agent changes, never when a page is rendered; the
result is stored on the session and :func:`device_title` turns it into the one-line label of
the device list. The user agent is client-controlled, so parsing is cut, cached and guarded.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache

from django.utils.translation import gettext as _
from user_agents import parse as parse_user_agent

from sessions_ui.client import USER_AGENT_MAX

logger = logging.getLogger(__name__)

_NAME_MAX = 64  # browser, os and model columns
_VERSION_MAX = 32
_DEVICE_TYPE_MAX = 32

# The Immich mobile app: Immich_Android_1.132.3, Immich_iOS_1.132.3, immich-android/1.132.3,
# immich-ios/1.132.3, possibly followed by " Dart/3.5 (dart:io)" or similar.
_IMMICH_UA = re.compile(
    r"^\s*immich[_-](?P<os>android|ios)(?:[_/]v?(?P<version>\d{1,6}(?:\.\d{1,6}){0,3}))?"
    r"(?![A-Za-z0-9])",
    re.IGNORECASE,
)
# Older app builds sent Dart's default user agent; their deviceModel/deviceType headers tell.
_DART_UA = re.compile(r"^\s*dart/", re.IGNORECASE)

_APP_OS = {"android": "Android", "ios": "iOS"}

_BROWSER_NAMES = {
    "Chrome Mobile": "Chrome",
    "Chrome Mobile iOS": "Chrome",
    "Chrome Mobile WebView": "Chrome",
    "Mobile Safari": "Safari",
    "Mobile Safari UI/WKWebView": "Safari",
    "Firefox Mobile": "Firefox",
    "Firefox iOS": "Firefox",
    "Edge Mobile": "Edge",
    "Opera Mobile": "Opera",
    "Other": "",
}
_OS_NAMES = {
    "Mac OS X": "macOS",
    "Mac OS": "macOS",
    "Chrome OS": "ChromeOS",
    "Other": "",
}
# Models whose name says more than the OS does ("Safari on iPhone", not "Safari on iOS").
_APPLE_MODELS = frozenset({"iPhone", "iPad", "iPod"})
_MODEL_PLACEHOLDERS = ("Other", "Generic", "Spider")


@dataclass(frozen=True, slots=True)
class Device:
    """A parsed device; ``kind`` is one of :class:`sessions_ui.models.DeviceKind`'s values."""

    kind: str
    browser: str
    os: str
    model: str
    app_version: str


UNKNOWN_DEVICE = Device(kind="unknown", browser="", os="", model="", app_version="")


def describe_device(user_agent: str, device_model: str = "", device_type: str = "") -> Device:
    """Parse a user agent (plus the Immich app's headers); never raises.

    Inputs are cut before they reach the cache, so a 100 KB header neither costs more to parse
    nor sits in memory as a cache key.
    """
    return _describe(
        (user_agent or "")[:USER_AGENT_MAX],
        (device_model or "")[:_NAME_MAX],
        (device_type or "")[:_DEVICE_TYPE_MAX],
    )


@lru_cache(maxsize=4096)
def _describe(user_agent: str, device_model: str, device_type: str) -> Device:
    try:
        app = _immich_app(user_agent, device_model, device_type)
        if app is not None:
            return app
        return _browser(user_agent)
    except Exception:  # the parser has raised ValueError, RecursionError, … on crafted input
        logger.debug("Could not parse user agent %r", user_agent[:80], exc_info=True)
        return UNKNOWN_DEVICE


def _immich_app(user_agent: str, device_model: str, device_type: str) -> Device | None:
    """The Immich mobile app, recognised before ``user-agents`` gets it wrong."""
    match = _IMMICH_UA.match(user_agent)
    header_os = _APP_OS.get(device_type.strip().lower(), "")
    if match is not None:
        os_name = _APP_OS[match["os"].lower()]
        version = (match["version"] or "")[:_VERSION_MAX]
    elif _DART_UA.match(user_agent) and (header_os or device_model.strip()):
        os_name, version = header_os, ""
    else:
        return None
    return Device(
        kind="app",
        browser="Immich",
        os=os_name,
        model=device_model.strip()[:_NAME_MAX],
        app_version=version,
    )


def _browser(user_agent: str) -> Device:
    if not user_agent.strip():
        return UNKNOWN_DEVICE
    parsed = parse_user_agent(user_agent)
    browser = _short_browser(parsed.browser.family or "")
    os_name = _OS_NAMES.get(parsed.os.family or "", parsed.os.family or "")[:_NAME_MAX]
    if parsed.is_bot:
        kind = "unknown"
    elif parsed.is_tablet:
        kind = "tablet"
    elif parsed.is_mobile:
        kind = "mobile"
    elif parsed.is_pc:
        kind = "desktop"
    else:
        kind = "unknown"
    model = ""
    if kind in ("mobile", "tablet"):
        family = parsed.device.family or ""
        if not family.startswith(_MODEL_PLACEHOLDERS):
            model = family[:_NAME_MAX]
    return Device(kind=kind, browser=browser, os=os_name, model=model, app_version="")


def _short_browser(family: str) -> str:
    """``Chrome Mobile`` → ``Chrome``: the list says where, the kind says mobile."""
    if family in _BROWSER_NAMES:
        return _BROWSER_NAMES[family]
    family = family.removesuffix(" Mobile").removeprefix("Mobile ")
    return family[:_NAME_MAX]


def snapshot_title(
    snapshot: object, *, with_version: bool = True, blank_if_unknown: bool = False
) -> str:
    """The device title of anything holding a client snapshot's fields: a session row, a security
    event, or the dict of those fields that the log and the risk history read.

    ``blank_if_unknown`` gives "" rather than "Unknown device" when neither browser, OS nor model
    is known (the alert email and the risk signals say "unknown" in their own words).
    """
    if isinstance(snapshot, dict):
        get = snapshot.get
    else:

        def get(name: str) -> object:
            return getattr(snapshot, name, "")

    kind, browser, os, model, version = (
        str(get(name) or "")
        for name in ("device_kind", "browser", "os", "device_model", "app_version")
    )
    if blank_if_unknown and not (browser or os or model):
        return ""
    return device_title(kind or "unknown", browser, os, model, version if with_version else "")


def device_title(kind: str, browser: str, os: str, model: str, app_version: str) -> str:
    """The localised one-line label of a device, e.g. "Chrome on Windows".

    iPhone and iPad name the place better than iOS does ("Safari on iPhone"); other phone and
    tablet models follow the OS ("Chrome on Android · Pixel 8").
    """
    if kind == "app":
        title = _("Immich mobile app on %(os)s") % {"os": os} if os else _("Immich mobile app")
        if model:
            title += f" · {model}"
        if app_version:
            title += f" · v{app_version}"
        return title
    extra = ""
    if model in _APPLE_MODELS:
        place = model
    else:
        place = os
        if model and kind in ("mobile", "tablet"):
            if place:
                extra = f" · {model}"
            else:
                place = model
    if browser and place:
        title = _("%(browser)s on %(os)s") % {"browser": browser, "os": place}
    elif browser or place:
        title = browser or place
    else:
        return _("Unknown device")
    return title + extra
