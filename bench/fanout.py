"""Scenario ``fanout``: one send to N users, ours vs the peer vs a raw INSERT ... SELECT."""

from __future__ import annotations

import time
from typing import Any

from bench import common

THIN = "bench_thin"


def create_thin_table() -> None:
    """A table with our notification table's columns and indexes, and nothing else."""
    with common.connect(common.OURS_DB) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {THIN}")
        conn.execute(
            f"CREATE TABLE {THIN} (id bigserial PRIMARY KEY, user_id integer NOT NULL,"
            " event_id bigint NOT NULL, readed timestamptz NULL)"
        )
        conn.execute(f"CREATE UNIQUE INDEX {THIN}_one ON {THIN} (event_id, user_id)")
        conn.execute(f"CREATE INDEX {THIN}_page ON {THIN} (user_id, id DESC)")
        conn.execute(f"CREATE INDEX {THIN}_unread ON {THIN} (user_id) WHERE readed IS NULL")


def limit(n: int) -> float:
    """Seconds of ``INSERT INTO thin SELECT ... FROM auth_user`` of ``n`` rows."""
    with common.connect(common.OURS_DB) as conn:
        conn.execute(f"TRUNCATE {THIN}")
        started = time.perf_counter()
        with conn.transaction():
            conn.execute(
                f"INSERT INTO {THIN} (user_id, event_id) SELECT id, 1 FROM auth_user"
                " WHERE id <= %s ON CONFLICT DO NOTHING",
                [n],
            )
        seconds = time.perf_counter() - started
        conn.execute(f"TRUNCATE {THIN}")
    return seconds


def setup(max_n: int) -> None:
    """Fresh databases with ``max_n`` users on both sides, and the thin table."""
    common.recreate_database(common.OURS_DB)
    common.recreate_database(common.PEER_DB)
    common.ours("setup", max_n)
    common.peer("setup", max_n)
    create_thin_table()


def run(sizes: list[int], runs: int, peer_runs: dict[int, int], log: Any) -> list[dict[str, Any]]:
    """Interleaved runs (ours, peer, limit, ours-write-only, ...) for each size."""
    setup(max(sizes))
    rows = []
    for n in sizes:
        ours, peer, lim, write, pubsub = [], [], [], [], []
        for i in range(runs):
            ours.append(_clean_run(n, log))
            if i < peer_runs.get(n, runs):
                peer.append(common.peer("fanout", n, timeout=1800))
            lim.append(limit(n))
            write.append(
                common.ours("fanout", n, BENCH_TRANSPORT="bench.ours.transport.NullTransport")
            )
            pubsub.append(common.ours("fanout", n, BENCH_CHANNEL_LAYER="pubsub"))
            log(
                f"fanout n={n} run {i + 1}/{runs}: ours {n / ours[-1]['seconds']:,.0f}/s"
                + (f", peer {n / peer[-1]['seconds']:,.0f}/s" if i < len(peer) else "")
                + f", limit {n / lim[-1]:,.0f}/s"
            )
        row = _row(n, ours, peer, lim, write)
        rate = _rates(n, [r["seconds"] for r in pubsub])
        row["ours_pubsub_per_s"] = rate["median"]
        row["ours_pubsub_per_s_range"] = [rate["min"], rate["max"]]
        row["pubsub_vs_peer"] = common.summary(
            [p["seconds"] / o["seconds"] for o, p in zip(pubsub, peer, strict=False)]
        )["median"]
        rows.append(row)
    return rows


def _clean_run(n: int, log: Any, tries: int = 3) -> Any:
    """Our fan-out, run again when its pushes failed (it would look far too fast)."""
    for _ in range(tries):
        result = common.ours("fanout", n)
        if not result["transport_errors"]:
            return result
        log(f"fanout n={n}: the push transport failed ({result['seconds']:.2f} s); again")
    raise RuntimeError(f"fanout n={n}: the push transport failed {tries} times")


def _rates(n: int, seconds: list[float]) -> dict[str, float]:
    stats = common.summary([n / s for s in seconds])
    return {"median": stats["median"], "min": stats["min"], "max": stats["max"]}


def _row(n: int, ours: list[Any], peer: list[Any], lim: list[float], write: list[Any]) -> Any:
    ours_rate = _rates(n, [r["seconds"] for r in ours])
    peer_rate = _rates(n, [r["seconds"] for r in peer])
    limit_rate = _rates(n, lim)
    write_rate = _rates(n, [r["seconds"] for r in write])
    # Ratios pair run i of ours with run i of the other side (interleaved), then take the median.
    vs_peer = common.summary(
        [p["seconds"] / o["seconds"] for o, p in zip(ours, peer, strict=False)]
    )
    vs_limit = common.summary([li / o["seconds"] for o, li in zip(ours, lim, strict=True)])
    return {
        "n": n,
        "ours_per_s": ours_rate["median"],
        "ours_per_s_range": [ours_rate["min"], ours_rate["max"]],
        "ours_statements": max(r["statements"] for r in ours),
        "ours_peak_rss_mib": common.summary([r["peak_rss_growth_mib"] for r in ours])["median"],
        "ours_write_seconds": common.summary([r["write_seconds"] for r in ours])["median"],
        "ours_push_seconds": common.summary([r["push_seconds"] for r in ours])["median"],
        "ours_cpu_seconds": common.summary([r["cpu_seconds"] for r in ours])["median"],
        "ours_write_only_cpu_seconds": common.summary([r["cpu_seconds"] for r in write])["median"],
        "peer_cpu_seconds": common.summary([r["cpu_seconds"] for r in peer])["median"],
        "ours_write_only_per_s": write_rate["median"],
        "ours_write_only_per_s_range": [write_rate["min"], write_rate["max"]],
        "peer_per_s": peer_rate["median"],
        "peer_per_s_range": [peer_rate["min"], peer_rate["max"]],
        "peer_statements": max(r["statements"] for r in peer),
        "peer_peak_rss_mib": common.summary([r["peak_rss_growth_mib"] for r in peer])["median"],
        "limit_per_s": limit_rate["median"],
        "limit_per_s_range": [limit_rate["min"], limit_rate["max"]],
        "vs_peer": vs_peer["median"],
        "vs_peer_range": [vs_peer["min"], vs_peer["max"]],
        "vs_limit": vs_limit["median"],
        "vs_limit_range": [vs_limit["min"], vs_limit["max"]],
        "write_only_vs_peer": common.summary(
            [p["seconds"] / w["seconds"] for w, p in zip(write, peer, strict=False)]
        )["median"],
        "write_only_vs_limit": common.summary(
            [li / w["seconds"] for w, li in zip(write, lim, strict=True)]
        )["median"],
        "runs": len(ours),
        "peer_runs": len(peer),
    }
