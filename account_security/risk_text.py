"""The words for a flag: a short title ("Ny plats") and a one-line reason, in the active language.

Kept apart from ``risk`` so the signals stay free of presentation; places are named with the
same labels as the device list (CLDR country names), times with the language's time format.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import formats
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from account_security.risk_facts import Flag, FlagKind
from sessions_ui.geo import country_name, location_label


@dataclass(frozen=True, slots=True)
class WordedFlag:
    """A flag as the device list shows it: its kind (for the page's markup) and its words."""

    kind: FlagKind
    title: str
    text: str


def worded(flag: Flag) -> WordedFlag:
    return WordedFlag(kind=flag.kind, title=flag_title(flag), text=flag_text(flag))


def flag_title(flag: Flag) -> str:
    titles = {
        FlagKind.NEW_PLACE: _("New place"),
        FlagKind.NEW_DEVICE: _("Unknown device"),
        FlagKind.SEVERAL_COUNTRIES: _("Several countries"),
        FlagKind.UNUSUAL_TIME: _("Unusual time"),
        FlagKind.IMPOSSIBLE_TRAVEL: _("Impossible travel"),
        FlagKind.HOSTING_NETWORK: _("Hosting network"),
    }
    return titles[flag.kind]


def join_names(names: list[str]) -> str:
    """ "Sverige och Tyskland", "Sverige, Norge och Tyskland"."""
    if len(names) < 2:
        return "".join(names)
    return _("%(names)s and %(last)s") % {"names": ", ".join(names[:-1]), "last": names[-1]}


_EPOCH = datetime(2000, 1, 1)


def duration(elapsed: timedelta) -> str:
    """ "40 minuter", "3 timmar": the gap between two sign-ins, at least a minute."""
    elapsed = max(elapsed, timedelta(minutes=1))
    return timesince(_EPOCH, _EPOCH + elapsed, depth=2)


def flag_text(flag: Flag) -> str:
    """The badge line, e.g. "Ny plats: första inloggningen från Tyskland"."""
    if flag.kind == FlagKind.NEW_PLACE:
        place = location_label(flag.country_code, flag.city)
        if flag.new_network and flag.network:
            return _(
                "New place: first sign-in from %(place)s, through a network this account has "
                "not used before (%(network)s)"
            ) % {"place": place, "network": flag.network}
        if flag.new_network:
            return _(
                "New place: first sign-in from %(place)s, through a network this account has "
                "not used before"
            ) % {"place": place}
        return _("New place: first sign-in from %(place)s") % {"place": place}
    if flag.kind == FlagKind.NEW_DEVICE:
        if not flag.device:
            return _("Unknown device: first sign-in with this device")
        if flag.known_kind:
            return _(
                "Unknown device: first sign-in from this browser; %(device)s has signed in "
                "before, but on another device"
            ) % {"device": flag.device}
        return _("Unknown device: first sign-in with %(device)s") % {"device": flag.device}
    if flag.kind == FlagKind.SEVERAL_COUNTRIES:
        names = sorted(country_name(code) or code for code in flag.countries)
        return ngettext(
            "Several countries: sessions from %(countries)s within %(hours)d hour",
            "Several countries: sessions from %(countries)s within %(hours)d hours",
            flag.hours,
        ) % {"countries": join_names(names), "hours": flag.hours}
    if flag.kind == FlagKind.UNUSUAL_TIME:
        moment = flag.signed_in_at
        return _("Unusual time: signed in at %(time)s local time") % {
            "time": formats.time_format(moment, "TIME_FORMAT") if moment else "?"
        }
    if flag.kind == FlagKind.HOSTING_NETWORK:
        if not flag.network:
            return _("Hosting network: signed in through a hosting or VPN provider")
        return _("Hosting network: signed in through %(network)s, a hosting or VPN provider") % {
            "network": flag.network
        }
    return _("Impossible travel: %(distance)s km from %(place)s in %(duration)s") % {
        "distance": formats.number_format(round(flag.distance_km), force_grouping=True),
        "place": location_label(flag.country_code, flag.city),
        "duration": duration(flag.elapsed),
    }
