"""Scenario ``ws``: N real WebSocket clients on a uvicorn server with channels_redis."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import defaultdict
from typing import Any

from bench import common


def run(n: int, rounds: int, log: Any, layer: str = "core") -> dict[str, Any]:
    """Server, clients and sender in three processes; latencies merged from their clocks.

    ``layer="pubsub"`` runs channels_redis's pub/sub layer instead of the core layer.
    """
    results = common.BENCH / "results"
    out = results / "ws-frames.json.tmp"
    stop = results / "ws-frames.json.tmp.stop"
    for path in (out, stop):
        path.unlink(missing_ok=True)
    prefix = f"bench-ws-{int(time.time())}"
    layer_env = {"BENCH_CHANNEL_LAYER": layer}
    env = common.ours_env(BENCH_DB=common.OURS_LIST_DB, BENCH_REDIS_PREFIX=prefix, **layer_env)
    server = common.Server(
        _python(),
        "bench.ours.asgi:application",
        env,
        common.ROOT,
        results / "server-ws.log.tmp",
    )
    expected = n * rounds * 3
    with server:
        server_cpu = server.cpu_seconds()
        client = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.ws_client",
                str(server.port),
                str(n),
                str(expected),
                str(out),
            ],
            env=env,
            cwd=common.ROOT,
            stdout=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        try:
            assert client.stdout is not None
            started = time.monotonic()
            line = client.stdout.readline().strip()
            if line != "READY":
                raise RuntimeError(f"ws clients did not connect: {line!r}")
            log(f"ws ({layer}): {n} sockets connected in {time.monotonic() - started:.1f} s")
            sent = common.ours(
                "ws_send",
                n,
                rounds,
                timeout=1200,
                **{"BENCH_DB": common.OURS_LIST_DB, "BENCH_REDIS_PREFIX": prefix, **layer_env},
            )["sent"]
            server_cpu = server.cpu_seconds() - server_cpu
            stop.touch()
            client.wait(timeout=120)
        finally:
            if client.poll() is None:
                client.kill()
                client.wait(timeout=10)
            stop.unlink(missing_ok=True)
    _forget_redis_keys(prefix)
    frames = json.loads(out.read_text())
    out.unlink(missing_ok=True)
    result = _merge(n, sent, frames)
    # CPU per delivery is far less disturbed by other processes than deliveries/s.
    result["server_cpu_us_per_delivery"] = server_cpu * 1e6 / max(len(frames), 1)
    return result


def _forget_redis_keys(prefix: str) -> None:
    """Delete whatever the run left under its Redis prefix (group memberships, inboxes)."""
    import redis

    client = redis.Redis.from_url(common.REDIS_URL)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        for start in range(0, len(keys), 1000):
            client.delete(*keys[start : start + 1000])
    finally:
        client.close()


def _python() -> Any:
    from pathlib import Path

    return Path(sys.executable)


def _merge(n: int, sent: list[dict[str, Any]], frames: list[list[Any]]) -> dict[str, Any]:
    arrivals: dict[int, list[float]] = defaultdict(list)
    for event_id, _user, at in frames:
        arrivals[event_id].append(at)
    by_kind: dict[str, list[dict[str, float]]] = defaultdict(list)
    for item in sent:
        times = arrivals.get(item["event"], [])
        latencies = [(at - item["start"]) * 1000 for at in times]
        by_kind[item["kind"]].append(
            {
                "received": len(times),
                "per_s": len(times) / (max(times) - item["start"]) if times else 0.0,
                "p50_ms": common.percentile(latencies, 50),
                "p99_ms": common.percentile(latencies, 99),
                "sender_cpu_us": item["cpu"] * 1e6 / n,
            }
        )

    def med(kind: str, key: str) -> float:
        return common.summary([r[key] for r in by_kind[kind]])["median"]

    ratio = common.summary(
        [
            o["per_s"] / v["per_s"]
            for o, v in zip(by_kind["per_user"], by_kind["naive"], strict=True)
            if v["per_s"]
        ]
    )
    return {
        "clients": n,
        "rounds": len(by_kind["per_user"]),
        "per_user_deliveries_per_s": med("per_user", "per_s"),
        "per_user_deliveries_per_s_range": [
            min(r["per_s"] for r in by_kind["per_user"]),
            max(r["per_s"] for r in by_kind["per_user"]),
        ],
        "per_user_p50_ms": med("per_user", "p50_ms"),
        "per_user_p99_ms": med("per_user", "p99_ms"),
        "broadcast_deliveries_per_s": med("broadcast", "per_s"),
        "broadcast_p50_ms": med("broadcast", "p50_ms"),
        "broadcast_p99_ms": med("broadcast", "p99_ms"),
        "naive_deliveries_per_s": med("naive", "per_s"),
        "naive_p99_ms": med("naive", "p99_ms"),
        "sender_cpu_us_per_push": {kind: med(kind, "sender_cpu_us") for kind in by_kind},
        "vs_naive": ratio["median"],
        "vs_naive_range": [ratio["min"], ratio["max"]],
        # The receiving server bounds deliveries/s for both; the sender's CPU per push
        # is what the transport itself changes.
        "sender_cpu_vs_naive": med("naive", "sender_cpu_us") / med("per_user", "sender_cpu_us"),
        "lost": {kind: sum(n - r["received"] for r in rows) for kind, rows in by_kind.items()},
        "detail": dict(by_kind),
    }
