"""How the engine scales on this machine: ``python -m bench.scaling [--quick]``.

Real processes on 127.0.0.1 only: uvicorn with 1, 2 or 4 worker processes, client
processes holding the sockets (tokens, spread over the workers by the kernel), a sender
process, PostgreSQL, and either one Redis (the shared one, under a prefix of its own) or
a three-node Redis Cluster of private ``redis-server`` processes. At each point:

- **single-user pushes/s**: ``PUSHES`` one-user pushes back to back from one sender
  process, each its own ``publish`` (one Redis round trip), to users spread over the
  sockets; pushes received per second at the clients, and the sender's own rate;
- **broadcast p99**: one ``send_notification`` to every connected user (a pointer; each
  worker renders its own recipients), receipt after commit at the clients.

Then 10,000 sockets over 4 workers on one Redis. Everything (server, clients, sender,
PostgreSQL, Redis) shares the 2 cores, so each figure is bounded by the whole machine,
not by one component. Writes ``bench/results/scaling.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from bench import common
from bench.realtime import RESULTS, clients, pct, sender, server

DB = os.environ.get("BENCH_DB_PREFIX", "") + "bench_scaling"
PUSHES = 2000


def log(message: str) -> None:
    print(f"[scaling {time.strftime('%H:%M:%S')}] {message}", flush=True)


def prepare(users: int) -> None:
    import psycopg

    with psycopg.connect(**common.PG, user=common.PG_USER, dbname="postgres", autocommit=True) as c:
        if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB]).fetchone():
            c.execute(f'CREATE DATABASE "{DB}"')
    sender("ours", "setup", users, BENCH_DB=DB)


def point(workers: int, sockets: int, env: dict[str, str], pushes: int) -> dict[str, Any]:
    """One point: ``workers`` uvicorn workers, ``sockets`` sockets, pushes then a broadcast."""
    env = {"BENCH_DB": DB, **env}
    per_client = 5000
    with server("ours", workers, **env) as (port, pids), ExitStack() as stack:
        records = [
            stack.enter_context(clients(port, min(per_client, sockets - first), first=first + 1))
            for first in range(0, sockets, per_client)
        ]
        time.sleep(2)
        cpu0 = sum(common.cpu_seconds(p) for p in pids)
        sent = sender("ours", "pushes", pushes, sockets, **env)
        time.sleep(3)
        cpu1 = sum(common.cpu_seconds(p) for p in pids)
        wave = sender("ours", "broadcast", sockets, **env)
        time.sleep(3 + sockets / 4000)
    frames = [(at, json.loads(text)) for record in records for at, text in record["frames"]]
    pushed = [at for at, f in frames if f.get("action") == "bench"]
    arrivals = [
        (at - wave["commit"]) * 1000
        for at, f in frames
        if f.get("notification", {}).get("event", {}).get("id") == wave["event"]
    ]
    last = max(pushed, default=sent["started"])
    return {
        "workers": workers,
        "sockets": sockets,
        "redis": "cluster" if "BENCH_REDIS_CLUSTER_URLS" in env else "single",
        "connect_s": max(r["connect_s"] for r in records),
        "handshakes_retried": sum(r.get("handshakes_retried", 0) for r in records),
        "pushes": pushes,
        "pushes_received": len(pushed),
        "pushes_per_s": len(pushed) / max(last - sent["started"], 1e-9),
        "sender_publish_per_s": sent["publish_per_s"],
        "sender_cpu_us_per_push": sent["cpu_us_per_push"],
        "server_cpu_us_per_push": (cpu1 - cpu0) * 1e6 / max(len(pushed), 1),
        "broadcast_received": len(arrivals),
        "broadcast_p50_ms": pct(arrivals, 50),
        "broadcast_p99_ms": pct(arrivals, 99),
        "broadcast_last_ms": max(arrivals, default=0),
        "send_wall_s": wave["wall_s"],
        "load_1min": round(os.getloadavg()[0], 1),
    }


def run(quick: bool, only_big: bool, save: Any, big: int | None = None) -> dict[str, Any]:
    """Every point (or only the large one), saving the results after each."""
    from tests.redis_cluster import local_cluster

    sockets = 500 if quick else 1000
    big = big or (4000 if quick else 10000)
    pushes = 1000 if quick else PUSHES
    prepare(big)
    prefix = f"bench-scaling-{os.getpid()}"
    results: dict[str, Any] = {"quick": quick, "machine": f"{os.cpu_count()} cores", "points": []}
    if only_big:  # keep the other points of the last run
        results["points"] = [p for p in load(quick).get("points", []) if p["sockets"] <= 1000]
    single = {"BENCH_REDIS_PREFIX": prefix}
    if not only_big:
        with local_cluster(Path(tempfile.mkdtemp(prefix="bench-cluster-"))) as cluster:
            on_cluster = {**single, "BENCH_REDIS_CLUSTER_URLS": ",".join(cluster.urls)}
            for name, env in (("single", single), ("cluster", on_cluster)):
                for workers in (1, 2, 4):
                    log(f"{name} Redis, {workers} workers, {sockets} sockets")
                    figures = point(workers, sockets, env, pushes)
                    log(json.dumps(figures))
                    results["points"].append(figures)
                    save(results)
    log(f"single Redis, 4 workers, {big} sockets")
    figures = point(4, big, single, pushes)
    log(json.dumps(figures))
    results["points"].append(figures)
    save(results)
    return results


def load(quick: bool) -> dict[str, Any]:
    path = RESULTS / f"{'scaling-quick' if quick else 'scaling'}.json"
    return json.loads(path.read_text()) if path.exists() else {}


def _f(value: Any, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def report(r: dict[str, Any]) -> str:
    lines = [
        "# Scaling: workers, one Redis vs a 3-node Redis Cluster",
        "",
        f"`python -m bench.scaling{' --quick' if r['quick'] else ''}` on {r['machine']}, "
        "127.0.0.1 only. Server, clients, sender, PostgreSQL and Redis share the cores: "
        "every figure is bounded by the whole machine. Pushes/s: one-user pushes back to "
        "back from one sender process (each one publish), received at the clients. "
        "Broadcast: one send to every connected user, receipt after commit. Load: the "
        "machine's 1-minute load average after the point (other engineers' work included).",
        "",
        "| Redis | workers | sockets | pushes/s received | sender publishes/s | "
        "server CPU µs/push | broadcast received | p50 ms | p99 ms | connect s | load |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for p in r["points"]:
        lines.append(
            f"| {p['redis']} | {p['workers']} | {p['sockets']:,} | {_f(p['pushes_per_s'])} "
            f"({p['pushes_received']}/{p['pushes']}) | {_f(p['sender_publish_per_s'])} | "
            f"{_f(p['server_cpu_us_per_push'])} | {p['broadcast_received']:,}/{p['sockets']:,} | "
            f"{_f(p['broadcast_p50_ms'])} | {_f(p['broadcast_p99_ms'])} | "
            f"{_f(p['connect_s'], 1)} | {p.get('load_1min', '-')} |"
        )
    return "\n".join(lines) + "\n"


def save(results: dict[str, Any]) -> None:
    RESULTS.mkdir(exist_ok=True)
    name = "scaling-quick" if results["quick"] else "scaling"
    (RESULTS / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n")
    (RESULTS / f"{name}.md").write_text(report(results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only-big", action="store_true", help="only the 10,000-socket point")
    parser.add_argument("--big", type=int, help="sockets of the large point (default 10,000)")
    args = parser.parse_args()
    print(report(run(args.quick, args.only_big, save, args.big)))


if __name__ == "__main__":
    main()
