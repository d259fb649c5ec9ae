"""Command line: ``python -m bench [--quick] [--only fanout,list,...]``."""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

from bench import (
    common,
    escalation,
    fanout,
    listing,
    memory,
    outbound_channels,
    peer_env,
    realtime,
    report,
    subscribers,
)

SCENARIOS = [
    "fanout",
    "fixed_cost",
    "list",
    "unread_count",
    "inbox",
    "realtime",
    "memory",
    "subscribers",
    "escalation",
    "i18n",
    "outbound_channels",
]
#: Scenarios that compare with the peer (their runs need its virtualenv).
PEER_SCENARIOS = {"fanout", "list", "unread_count", "inbox"}
READ_SCENARIOS = {"list", "unread_count", "inbox"}

FULL = {
    "fanout_sizes": [1_000, 10_000, 100_000],
    "fanout_runs": 5,
    "fanout_peer_runs": {100_000: 2},
    "fixed_sizes": [1, 10, 1_000],
    "fixed_runs": 5,
    "fixed_calls": 50,
    "list_users": 10_000,
    "list_per_user": 100,
    "list_seconds": 6.0,
    "list_runs": 3,
    "memory_users": 1_000_000,
    "subscribers_n": 100_000,
    "subscribers_runs": 9,
    "escalation_sizes": [1_000, 10_000],
    "escalation_runs": 3,
    "escalation_reads": 50,
    "outbound_users": 100_000,
    "outbound_runs": 8,
    "outbound_messages": 505,
}
QUICK = {
    "fanout_sizes": [1_000, 10_000],
    "fanout_runs": 3,
    "fanout_peer_runs": {10_000: 1},
    "fixed_sizes": [1, 10, 1_000],
    "fixed_runs": 2,
    "fixed_calls": 20,
    "list_users": 10_000,
    "list_per_user": 10,
    "list_seconds": 3.0,
    "list_runs": 2,
    "memory_users": 100_000,
    "subscribers_n": 10_000,
    "subscribers_runs": 3,
    "escalation_sizes": [1_000],
    "escalation_runs": 2,
    "escalation_reads": 20,
    "outbound_users": 10_000,
    "outbound_runs": 3,
    "outbound_messages": 105,
}


def log(message: str) -> None:
    """Progress on stderr, with the time."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    """Run the scenarios, print the table, write ``bench/results/latest.{json,md}``."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="reduced sizes (about 5 minutes)")
    parser.add_argument(
        "--only", default=",".join(SCENARIOS), help=f"comma-separated subset of {SCENARIOS}"
    )
    parser.add_argument("--keep", action="store_true", help="keep the bench databases")
    args = parser.parse_args(argv)
    only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(only) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {sorted(unknown)}")
    config = QUICK if args.quick else FULL
    started = time.monotonic()
    with_peer = bool(PEER_SCENARIOS & set(only))
    if with_peer:
        peer_env.ensure(log)
    results: dict[str, Any] = {
        "meta": {
            "quick": args.quick,
            "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": report.machine(),
            "peer": peer_env.versions() if with_peer else {},
            "config": {k: v for k, v in config.items() if k != "fanout_peer_runs"},
        }
    }
    try:
        _run(only, config, results)
    finally:
        if not args.keep:
            for name in common.DATABASES:
                common.drop_database(name)
    results["meta"]["seconds"] = round(time.monotonic() - started, 1)
    results["targets"] = report.targets(results)
    text = report.markdown(results)
    out = common.BENCH / "results"
    out.mkdir(exist_ok=True)
    # Only a complete run of every scenario replaces the committed latest.* files.
    json_path, md_path = (
        (out / "latest.json", out / "latest.md")
        if set(only) == set(SCENARIOS) and not results.get("failed")
        else (out / "partial.json.tmp", out / "partial.md.tmp")
    )
    json_path.write_text(json.dumps(results, indent=2) + "\n")
    md_path.write_text(text)
    print(text)
    log(f"done in {results['meta']['seconds']:.0f} s; wrote {json_path} and {md_path.name}")
    for name in results.get("failed", {}):
        log(f"FAILED: {name} (its traceback is in {json_path.name})")
    return 1 if results.get("failed") else 0


def _run(only: list[str], config: dict[str, Any], results: dict[str, Any]) -> None:
    """Each scenario in turn; one that fails is recorded in ``results["failed"]``."""
    for name, scenario in _scenarios(only, config, results):
        try:
            scenario()
        except Exception as error:  # a failed scenario must not lose the others' figures
            log(f"{name} failed: {error!r}")
            results.setdefault("failed", {})[name] = traceback.format_exc()[-2000:]


def _scenarios(
    only: list[str], config: dict[str, Any], results: dict[str, Any]
) -> list[tuple[str, Callable[[], None]]]:
    def fanout_run() -> None:
        results["fanout"] = fanout.run(
            config["fanout_sizes"], config["fanout_runs"], config["fanout_peer_runs"], log
        )

    def fixed_cost() -> None:
        if "fanout" not in results:
            fanout.setup(max(config["fixed_sizes"]), peer=False)
        results["fixed_cost"] = fanout.fixed_cost(
            config["fixed_sizes"], config["fixed_runs"], config["fixed_calls"], log
        )

    read = [name for name in only if name in READ_SCENARIOS]

    def read_path() -> None:
        results.update(
            listing.run(
                config["list_users"],
                config["list_per_user"],
                config["list_seconds"],
                config["list_runs"],
                log,
                read,
            )
        )

    def realtime_run() -> None:
        results["realtime"] = realtime.run_all(quick=config is QUICK)

    def memory_run() -> None:
        results["memory"] = memory.run(config["memory_users"], log)
        log(f"memory +{results['memory']['rss_growth_mib']:.1f} MiB")

    def subscribers_run() -> None:
        results["subscribers"] = subscribers.run(
            config["subscribers_n"], config["subscribers_runs"], log
        )

    def escalation_run() -> None:
        results["escalation"] = escalation.run(
            config["escalation_sizes"], config["escalation_runs"], config["escalation_reads"], log
        )

    def i18n_run() -> None:
        # A fresh process on its own database (bench/i18n.py), like the peer's workers.
        argv = [sys.executable, "-m", "bench.i18n", "--json"]
        if config is QUICK:
            argv.append("--quick")
        results["i18n"] = common.run_json(argv, common.ours_env(), common.ROOT, timeout=1800)
        ratio = results["i18n"]["list"]["ratio_p50"]
        log(f"i18n: list translated / literal p50 {ratio:.3f}")

    def outbound_run() -> None:
        results["outbound_channels"] = outbound_channels.in_subprocess(
            config["outbound_users"], config["outbound_runs"], config["outbound_messages"]
        )

    chosen: list[tuple[str, Callable[[], None]]] = []
    if "fanout" in only:
        chosen.append(("fanout", fanout_run))
    if "fixed_cost" in only:
        chosen.append(("fixed_cost", fixed_cost))
    if read:
        chosen.append((",".join(read), read_path))
    if "realtime" in only:
        chosen.append(("realtime", realtime_run))
    if "memory" in only:
        chosen.append(("memory", memory_run))
    if "subscribers" in only:
        chosen.append(("subscribers", subscribers_run))
    if "escalation" in only:
        chosen.append(("escalation", escalation_run))
    if "i18n" in only:
        chosen.append(("i18n", i18n_run))
    if "outbound_channels" in only:
        chosen.append(("outbound_channels", outbound_run))
    return chosen
