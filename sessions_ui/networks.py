"""Hosting and VPN networks: the autonomous systems people do not sign in from at home.

An address's autonomous system comes from ``sessions_ui.geo.locate_network`` (an ASN file in
the MaxMind format, ``GEOIP_ASN_DB``: GeoLite2-ASN or DB-IP's free ASN Lite, kept current by the
operator's ``geoipupdate`` or cron job like the City file). Which of those systems are hosting
or VPN operators is not in any such file; no package in the registries we install from keeps
such a list current either (see CHANGELOG / issue 15's note), so the list below names the big
ones by number — cloud providers, server hosts, and the networks commercial VPNs rent their
exits from — and ``RISK_HOSTING_ASNS`` adds an operator's own.
"""

from __future__ import annotations

from django.conf import settings

HOSTING_ASNS = frozenset(
    {
        # Cloud providers
        16509,
        14618,
        8987,  # Amazon
        15169,
        396982,
        19527,  # Google
        8075,
        8068,  # Microsoft
        31898,  # Oracle
        45102,
        37963,  # Alibaba
        132203,
        45090,  # Tencent
        # Server and VPS hosts
        14061,  # DigitalOcean
        16276,  # OVH
        24940,
        213230,  # Hetzner
        63949,  # Akamai Connected Cloud (Linode)
        20473,  # Vultr (Choopa)
        51167,  # Contabo
        12876,  # Scaleway
        60781,
        28753,  # Leaseweb
        36352,  # ColoCrossing
        62567,  # DigitalOcean (old)
        397423,  # Tier.Net
        # Networks that commercial VPNs rent their exits from
        9009,  # M247
        60068,  # Datacamp (CDN77)
        212238,  # Datacamp
        136787,  # TEFINCOM (NordVPN)
        147049,  # PacketHub
        206092,  # SECURE INTERNET (IPVanish)
        39351,  # 31173 Services (Mullvad)
        49981,  # WorldStream
        43350,  # NForce
    }
)


def is_hosting_network(asn: int | None) -> bool:
    """Whether ``asn`` belongs to a hosting or VPN operator (built-in list + settings)."""
    if not asn:
        return False
    # Read for every sign-in of the history a page assesses: membership tests only, no copies.
    return asn in HOSTING_ASNS or asn in getattr(settings, "RISK_HOSTING_ASNS", ())
