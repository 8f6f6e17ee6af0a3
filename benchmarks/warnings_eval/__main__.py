"""`python -m benchmarks.warnings_eval [--per-kind N] [--seed S] [--answers 0,50,100] [--kinds K,...]
[--why] [--json FILE]`

Builds the population (``--per-kind`` users of each kind, two takeovers each), writes the
simulated world's GeoIP files, migrates an in-memory SQLite database and drives every user-year
through the product once per answer rate. Prints one Markdown table per answer rate, and with
``--why`` one line per false warning and missed takeover (to find out why, not for the tables).
``--kinds`` runs only some kinds of user (the users are the same as in a full run).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.warnings_eval")
    parser.add_argument("--per-kind", type=int, default=4)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--answers", default="0,50,100")
    parser.add_argument("--kinds", default="", help="comma-separated kinds (default: all)")
    parser.add_argument("--why", action="store_true", help="explain each false warning / miss")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    from benchmarks.warnings_eval import geography
    from benchmarks.warnings_eval.population import KINDS, make_user

    book = geography.AddressBook()
    kinds = [kind for kind in KINDS for _ in range(args.per_kind)]
    chosen = set(args.kinds.split(",")) if args.kinds else set(KINDS)
    users = [
        make_user(index, kind, args.seed, book)
        for index, kind in enumerate(kinds)
        if kind in chosen
    ]
    folder = Path(tempfile.mkdtemp(prefix="warnings-eval-"))
    city_db, asn_db = book.write(folder)
    os.environ["WARNINGS_EVAL_CITY_DB"] = str(city_db)
    os.environ["WARNINGS_EVAL_ASN_DB"] = str(asn_db)
    os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.warnings_eval.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from django.core import mail

    mail.outbox = []
    report: dict = {"per_kind": args.per_kind, "seed": args.seed, "users": len(users), "runs": {}}
    for rate in [int(r) for r in args.answers.split(",")]:
        started = time.perf_counter()
        outcomes = [_run(user, rate, args.seed) for user in users]
        report["runs"][rate] = _summary(outcomes)
        seconds = time.perf_counter() - started
        print(_table(rate, report["runs"][rate], len(users), seconds))
        if args.why:
            print("\n".join(line for outcome in outcomes for line in outcome.why))
        sys.stdout.flush()
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, default=list))
    return 0


def _run(user, rate: int, seed: int):
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    from benchmarks.warnings_eval.drive import Driver

    email = user.email.replace("@", f"+a{rate}@")
    account = get_user_model().objects.create_user(
        username=email.split("@")[0], email=email, password="Rätt häst batteri häftklammer 42"
    )
    EmailAddress.objects.create(user=account, email=email, verified=True, primary=True)
    user.email = email
    driver = Driver(user, rate / 100, seed)
    for step in user.steps:
        driver.step(step)
    user.email = email.replace(f"+a{rate}@", "@")
    return driver.finish()


def _summary(outcomes) -> dict:
    by_kind: dict[str, dict] = {}
    groups = defaultdict(list)
    for outcome in outcomes:
        groups[outcome.kind].append(outcome)
    for kind, group in [*groups.items(), ("all", outcomes)]:
        takeovers = [t for o in group for t in o.takeovers]
        hardest = [t for t in takeovers if t["kind"] == "vpn_home"]
        by_kind[kind] = {
            "users": len(group),
            "sign_ins": sum(o.sign_ins for o in group),
            "false_warnings": sum(o.false_warnings for o in group) / len(group),
            "false_emails": sum(o.false_emails for o in group) / len(group),
            "notes": sum(o.notes for o in group) / len(group),
            "false_signals": dict(sum((o.false_signals for o in group), Counter())),
            "takeovers": len(takeovers),
            "flagged": sum(t["flagged"] for t in takeovers),
            "hardest": len(hardest),
            "hardest_flagged": sum(t["flagged"] for t in hardest),
            "emailed": sum(t["emailed"] for t in takeovers),
            "caught_signals": dict(
                Counter(s for t in takeovers if t["flagged"] for s in t["signals"])
            ),
            "by_takeover": {
                k: [
                    sum(t["flagged"] for t in takeovers if t["kind"] == k),
                    sum(1 for t in takeovers if t["kind"] == k),
                ]
                for k in ("foreign", "foreign_same_browser", "domestic", "vpn_home")
            },
        }
    return by_kind


SHORT = {
    "new_place": "place",
    "new_device": "device",
    "several_countries": "countries",
    "unusual_time": "time",
    "impossible_travel": "travel",
    "hosting_network": "hosting",
}


def _signals(counts: dict) -> str:
    return (
        ", ".join(
            f"{SHORT.get(k, k)} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])
        )
        or "–"
    )


def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:.0f} % ({a}/{b})" if b else "–"


def _table(rate: int, summary: dict, users: int, seconds: float) -> str:
    lines = [
        f"\n### Answer rate {rate} % ({users} user-years, {seconds:.0f} s)\n",
        "| users | false warnings / user-year | false alert emails / user-year | quiet notes "
        "/ user-year | takeovers flagged first time | hardest (VPN at home) | foreign · "
        "same browser · domestic | signals of false warnings | signals of caught takeovers |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for kind, row in summary.items():
        bt = row["by_takeover"]
        lines.append(
            f"| {kind} ({row['users']}) | {row['false_warnings']:.1f} | "
            f"{row['false_emails']:.1f} | {row['notes']:.1f} | "
            f"{_pct(row['flagged'], row['takeovers'])} | "
            f"{_pct(row['hardest_flagged'], row['hardest'])} | "
            f"{bt['foreign'][0]}/{bt['foreign'][1]} · {bt['foreign_same_browser'][0]}/"
            f"{bt['foreign_same_browser'][1]} · {bt['domestic'][0]}/{bt['domestic'][1]} | "
            f"{_signals(row['false_signals'])} | {_signals(row['caught_signals'])} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
