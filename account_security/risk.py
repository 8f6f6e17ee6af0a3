"""Warning signs on sessions, worked out from the account's own sign-in history.

Pure functions over plain data: no database, no clock of their own (``now`` is passed in), no
GeoIP. ``account_security.risk_history`` builds the history from the security log and the session
table; tests build it by hand. This module is the assessment (the fold through the history,
what teaches, severity, ``assess`` and ``flags_for``); the rest has a module each:
``risk_facts`` (a sign-in, a flag, the thresholds, distance and local time), ``risk_memory``
(what is familiar), ``risk_signals`` (each signal). The rules of all of them are stated here.

What is familiar (the account's *memory*), folded oldest first:

* A sign-in *teaches* (its place, device, hour and network become familiar) when the user
  confirmed it ("Det var jag"), when it raised no flag, or when it raised only a quiet note and
  has lived ``settle_days`` without being disowned ("Det var inte jag" keeps a sign-in out of
  the history altogether, at any time). So an unanswered note does not break the chain: the
  new phone at home, the new town in the home country, stop being new a week later.
  An attacker who simply waits gains nothing from it: a sign-in that raised a *warning* (a
  combination of signals, below) never teaches without "Det var jag", however long it lives;
  only a sign-in that already looked like the account's own in all but one weak respect does,
  and it shows its note for those days and can be disowned at any time.
* Places are compared by distance, not by name: a sign-in within ``near_km`` of a familiar spot
  is from a familiar place (GeoIP names the suburb, the next town, for the same line). A
  *roaming network* — an autonomous system the account's own trusted sign-ins and sessions
  have used from at least ``ROAMING_SPOTS`` distinct spots more than ``ROAMING_KM`` apart, as a
  carrier places a phone 100–400 km off from one day to the next — is familiar in every
  country it was used in, whatever city GeoIP names. Two spots are not enough: GeoIP puts a
  home broadband line in the home town or, after a new address, in the next one (or the
  operator's seat) 200 km off; that is still one line, not a network that roams, and an
  attacker on the same big broadband operator elsewhere in the country is still "Ny plats".
  The other way round, the positions GeoIP gives a roaming network are not places: the towns
  a carrier put the phone in make that carrier familiar, not those towns for any other
  network (a stranger on home broadband in one of them is still "Ny plats"). Without a
  network database (``GEOIP_ASN_DB``) a new town in a familiar country is still only a note.
* Trusted sessions teach where they go, too: every distinct place a session has been used
  from (``sessions_ui.places``: country, city, coordinates, network, first moment) is folded in
  at that moment, if and only if the session's sign-in taught (above), and only inside a
  country the account's trusted sign-ins have come from (a session carried abroad does not make
  the holiday city familiar to the next stranger signing in there; a sign-in would). The phone that signed
  in at home and is then used daily on its carrier across the region, or on the office
  network, makes those places and that network the account's own, so the new browser signing
  in there is only "Okänd enhet". Where a session that did not teach (a warning no one
  confirmed, an attacker's) has been teaches nothing. A visit makes a place familiar for the
  ``new_place_days`` window, never a *home* (below): home is where the account signs in. A
  home line GeoIP placed in the next town for a month must not make that town the account's
  for a year, to a stranger on the same operator there.
* The history read is the last ``RISK_HISTORY_DAYS`` (365) of sign-ins. Inside it, the memory
  keeps per place (city, country, spot) the last trusted sign-in *and how many there were*: a
  place with ``home_sign_ins`` trusted sign-ins is *home* and stays familiar for the whole
  history, not only the ``new_place_days`` (90) window that a one-off trip gets. Live sessions
  count as sign-ins too (a phone signed in 300 days ago is still in the history).
* What is older than the history is kept in *summary*, so a home signed in from rarely is not
  lost when its events age out. When ``prune_security_log`` deletes sign-in events (after
  ``SECURITY_LOG_RETENTION_DAYS``, 365), it first folds every one of them that taught (by the
  rules above: never a disowned one, never a warning no one confirmed) into summary rows
  (``account_security.risk_summary``): per place (country, city, coordinates, network), device
  and local hour, how many trusted sign-ins and the last one. A summary (``SignIn.summary``,
  ``SignIn.count``) teaches like that many sign-ins at its last moment and is never judged
  itself: three sign-ins at home two years ago still make home, one trip does not. The
  summaries are rows of the security event table read by the same query as the events (an
  OR of two kinds), because Kontosäkerhet and Enhetsaktivitet must cost the same number of
  queries; a separate table would have cost a query, or a UNION of unlike rows. They are
  written at pruning, not when an event leaves the ``RISK_HISTORY_DAYS`` window: the window and
  the retention are both 365 days by default, and a summary written at pruning is written
  once, in the transaction that deletes its events, so nothing is counted twice (with a
  shorter window, sign-ins between the window and the retention teach nothing until they are
  pruned). A summary goes once its last sign-in is ``RISK_SUMMARY_DAYS`` (1095) old.
* The account's first sign-in (the first one in the history read) raises nothing.

The signals of one sign-in:

* **Ny plats**: not from a familiar place (above); a new country weighs more than a new town,
  and so does a new town reached through a network (autonomous system) that none of the
  account's trusted sign-ins or sessions has used: the sentence names the network. A network
  alone never makes a familiar town new (the office network, the phone browser's carrier are
  new at those devices' first sign-ins; tried, and it cried wolf).
* **Okänd enhet**: for a browser, no trusted sign-in from that very browser (its own random id,
  ``sessions_ui.browsers``, kept on the sign-in event as a fingerprint): an attacker's Chrome
  on Windows is not the victim's, though the user agent says the same. "A new browser of a
  kind that signed in before" says so in its sentence and weighs the same: a second browser
  is what a stranger with the password brings. For the app, and for browsers whose trusted
  sign-ins were logged before they had an id (then the kind is all that is known of them),
  no trusted sign-in with the same device key (browser family + OS family, or the app + OS +
  phone model). A person who clears cookies gets a note at home ("Okänd enhet" alone), which
  settles like any note.
* **Ovanlig tid**: the local hour (the sign-in's own time zone, kept on its event) is more than
  ``usual_hours_margin`` hours away from every hour the account has signed in at — and, while
  fewer than ``usual_hours_min_sign_ins`` trusted sign-ins are known, also at night.
* **Omöjlig resa**: a trusted sign-in (ended sessions included: their events keep coordinates)
  at least ``travel_min_km`` away, earlier by less time than the trip takes at ``travel_kmh``.
* **Värdnätverk**: the address belongs to a hosting or VPN operator's network (its autonomous
  system; the adapter says which) that no trusted sign-in came from.
* **Flera länder** (about now, not about the sign-in): another session active within
  ``several_countries_hours`` is in another country, and this one is not *settled* (confirmed,
  or signed in from a familiar place and still there). Settled sessions never carry it: the
  laptop at home is not what is odd about a trip.

Severity: each signal has a weight (``weight``); a session whose flags reach ``WARNING_SCORE``
is a *warning* (highlighted, counted in the Kontosäkerhet banner, worth the alert email);
below it the flags are a quiet note on the session. One weak signal (a new browser on a familiar
network, a new town in a familiar country, an odd hour) is a note; two of them, a new country
with a new device or an odd hour or another active country, impossible travel, or a hosting
network are warnings. A new browser of a kind the account knows weighs half a new kind: with an
odd hour, or a new town through the home network (GeoIP moving the home line), it is still a
note — that is the person who cleared their cookies — but with a new town through a network
never used, or a new country, it is a warning: that is a stranger with the password and the
most common browser. Confirmed sessions show no flags. (The current device is never a warning
to itself: ``account_security.presentation`` decides that, it is about the viewer.)
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from account_security.risk_facts import Flag, FlagKind, SignIn, Thresholds
from account_security.risk_memory import Memory
from account_security.risk_signals import active_countries, several_countries, sign_in_flags
from sessions_ui.places import Visit

# Weights of the signals; flags that reach WARNING_SCORE together are a warning.
WEIGHTS = {
    FlagKind.NEW_DEVICE: 2,
    FlagKind.NEW_PLACE: 2,  # a new town in a familiar country; a new country: NEW_COUNTRY
    FlagKind.UNUSUAL_TIME: 2,
    FlagKind.SEVERAL_COUNTRIES: 1,
    FlagKind.IMPOSSIBLE_TRAVEL: 4,
    FlagKind.HOSTING_NETWORK: 4,
}
NEW_COUNTRY = 3
NEW_TOWN_NEW_NETWORK = 3  # a new town in a familiar country, through a network never used
NEW_BROWSER_OF_A_KNOWN_KIND = 1  # Okänd enhet, but the kind of browser has signed in before
WARNING_SCORE = 4


def weight(flag: Flag) -> int:
    if flag.kind == FlagKind.NEW_PLACE and flag.new_country:
        return NEW_COUNTRY
    if flag.kind == FlagKind.NEW_PLACE and flag.new_network:
        return NEW_TOWN_NEW_NETWORK
    if flag.kind == FlagKind.NEW_DEVICE and flag.known_kind:
        return NEW_BROWSER_OF_A_KNOWN_KIND
    return WEIGHTS[flag.kind]


def is_warning(flags: Sequence[Flag]) -> bool:
    """Whether flags together are a warning (banner, alert email) rather than a quiet note."""
    return sum(weight(flag) for flag in flags) >= WARNING_SCORE


def teaches(sign_in: SignIn, flags: Sequence[Flag], now: datetime, t: Thresholds) -> bool:
    """Whether a (not disowned) sign-in becomes familiar: confirmed, quiet, or a note that has
    lived ``settle_days``. A warning only ever teaches by "Det var jag"."""
    if sign_in.confirmed or not flags:
        return True
    return not is_warning(flags) and now - sign_in.at >= timedelta(days=t.settle_days)


def _timeline(history: Sequence[SignIn]) -> list[tuple[SignIn, Visit | None, datetime]]:
    """Sign-ins and the visits of their sessions, oldest first. A visit comes after the
    sign-in it belongs to (never before it: the session's first request may precede it)."""
    entries: list[tuple[tuple[datetime, int, str], SignIn, Visit | None, datetime]] = []
    for sign_in in history:
        session = str(sign_in.session_id or "")
        entries.append(((sign_in.at, 0, session), sign_in, None, sign_in.at))
        for visit in sign_in.visits:
            at = max(visit.at, sign_in.at)
            entries.append(((at, 1, session), sign_in, visit, at))
    entries.sort(key=lambda entry: entry[0])
    return [(sign_in, visit, at) for _, sign_in, visit, at in entries]


def _fold(
    history: Sequence[SignIn], now: datetime, t: Thresholds
) -> Iterator[tuple[SignIn, list[Flag], bool]]:
    """Each sign-in of ``history`` (summaries aside), oldest first, with the flags it raised
    against the memory of everything before it and whether it taught (see module doc)."""
    memory = Memory()
    taught: dict[int, bool] = {}  # by id() of the sign-in that carries the visits
    for sign_in, visit, at in _timeline(history):
        if visit is not None:
            if taught.get(id(sign_in)):
                memory.learn_visit(visit, at)
            continue
        if sign_in.summary:  # trusted sign-ins that left the log: they teach, nothing else
            memory.seen += sign_in.count
            memory.learn(sign_in, t)
            continue
        flags = sign_in_flags(sign_in, memory, t)
        memory.seen += 1
        taught[id(sign_in)] = teaches(sign_in, flags, now, t)
        if taught[id(sign_in)]:
            memory.learn(sign_in, t)
        yield sign_in, flags, taught[id(sign_in)]


def taught_sign_ins(
    history: Sequence[SignIn], now: datetime, thresholds: Thresholds | None = None
) -> list[SignIn]:
    """The sign-ins of ``history`` (summaries aside) that taught, oldest first: what a summary
    of the history may keep (``account_security.risk_summary``)."""
    t = thresholds or Thresholds.from_settings()
    return [sign_in for sign_in, _, taught in _fold(history, now, t) if taught]


def assess(
    history: Sequence[SignIn], now: datetime, thresholds: Thresholds | None = None
) -> dict[Hashable, tuple[Flag, ...]]:
    """The flags of every signed-in session (``active_at`` set) in ``history``, by session id.

    Several sign-ins of one session (a second sign-in on the same browser) count as history;
    the session is judged by its latest one. ``is_warning`` tells a warning from a note.
    """
    t = thresholds or Thresholds.from_settings()
    at_sign_in: dict[Hashable, list[Flag]] = {}
    latest: dict[Hashable, SignIn] = {}
    for sign_in, flags, _ in _fold(history, now, t):
        if sign_in.session_id is not None and sign_in.active_at is not None:
            at_sign_in[sign_in.session_id] = flags
            latest[sign_in.session_id] = sign_in
    settled = {
        session_id: session.confirmed
        or (
            session.country_now == session.country_code
            and not any(flag.kind == FlagKind.NEW_PLACE for flag in at_sign_in[session_id])
        )
        for session_id, session in latest.items()
    }
    active = active_countries(list(latest.values()), now, t)
    result: dict[Hashable, tuple[Flag, ...]] = {}
    for session_id, session in latest.items():
        if session.confirmed:
            result[session_id] = ()
            continue
        flags = list(at_sign_in[session_id])
        several = several_countries(session, active, settled[session_id], now, t)
        if several is not None:
            flags.append(several)
        result[session_id] = tuple(flags)
    return result


_PROBE = object()


def flags_for(
    session: SignIn,
    history: Sequence[SignIn],
    now: datetime,
    thresholds: Thresholds | None = None,
) -> list[Flag]:
    """The flags of one session against the rest of the account's history.

    ``history`` may or may not contain ``session`` itself. A sign-in without ``active_at``
    (one being alerted about, say) is judged as active at the moment it signed in.
    """
    probe = replace(
        session,
        session_id=_PROBE,
        active_at=session.active_at if session.active_at is not None else session.at,
    )
    others = [
        entry
        for entry in history
        if entry is not session
        and (session.session_id is None or entry.session_id != session.session_id)
    ]
    return list(assess([*others, probe], now, thresholds).get(_PROBE, ()))
