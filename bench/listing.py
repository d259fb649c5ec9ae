"""Scenarios ``list`` and ``unread_count``: the list endpoint under HTTP load, ours vs the peer."""

from __future__ import annotations

import asyncio
import random
import sys
import time
from typing import Any

import httpx

from bench import common

CONCURRENCY = 16


def setup(users: int, per_user: int, log: Any) -> list[str]:
    """Both list databases with ``users`` x ``per_user`` notifications; the peer's sessions."""
    common.recreate_database(common.OURS_LIST_DB)
    common.recreate_database(common.PEER_LIST_DB)
    db = {"BENCH_DB": common.OURS_LIST_DB}
    common.ours("setup", users, **db)
    loaded = common.ours("load_list", users, per_user, **db)
    log(f"list: loaded {loaded['notifications']:,} of ours in {loaded['seconds']:.1f} s")
    peer_db = {"BENCH_DB": common.PEER_LIST_DB}
    common.peer("setup", users, **peer_db)
    loaded = common.peer("load_list", users, per_user, **peer_db)
    log(f"list: loaded {loaded['notifications']:,} of the peer's in {loaded['seconds']:.1f} s")
    sessions: list[str] = common.peer("sessions", 200, **peer_db)["sessions"]
    return sessions


async def _load(
    port: int, path: str, auth: list[dict[str, Any]], seconds: float, concurrency: int
) -> dict[str, Any]:
    latencies: list[float] = []
    queries: list[int] = []
    errors = 0
    rng = random.Random(11)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=30
    ) as client:
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                kwargs = rng.choice(auth)
                started = time.perf_counter()
                response = await client.get(path, **kwargs)
                elapsed = time.perf_counter() - started
                if response.status_code != 200:
                    errors += 1
                    continue
                latencies.append(elapsed)
                queries.append(int(response.headers.get("X-Bench-Queries", "-1")))

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "errors": errors,
        "req_per_s": len(latencies) / wall,
        "p50_ms": common.percentile(latencies, 50) * 1000,
        "p99_ms": common.percentile(latencies, 99) * 1000,
        "queries_per_request": max(queries) if queries else None,
    }


def load(
    server: common.Server, path: str, auth: list[dict[str, Any]], seconds: float
) -> dict[str, Any]:
    """``seconds`` of ``CONCURRENCY`` concurrent keep-alive clients on ``path``.

    Also the server's CPU time per request, which the other processes on a
    shared machine disturb far less than the request rate.
    """
    cpu = server.cpu_seconds()
    result = asyncio.run(_load(server.port, path, auth, seconds, CONCURRENCY))
    result["server_cpu_ms"] = (server.cpu_seconds() - cpu) * 1000 / max(result["requests"], 1)
    return result


def run(users: int, per_user: int, seconds: float, runs: int, log: Any) -> dict[str, Any]:
    """Interleaved load phases on our server and the peer's, then the unread-count timing."""
    sessions = setup(users, per_user, log)
    rng = random.Random(5)
    ours_auth = [
        {"headers": {"Authorization": f"Token {rng.randint(1, users):040d}"}} for _ in range(500)
    ]
    peer_auth = [{"cookies": {"sessionid": key}} for key in sessions]
    ours_path = "/notifications/?readed=false"
    peer_path = "/inbox/notifications/api/unread_list/?max=20"
    log_dir = common.BENCH / "results"
    ours_env = common.ours_env(BENCH_DB=common.OURS_LIST_DB)
    peer_env = common.peer_env(BENCH_DB=common.PEER_LIST_DB)
    ours_server = common.Server(
        sys_python(),
        "bench.ours.asgi:application",
        ours_env,
        common.ROOT,
        log_dir / "server-ours.log.tmp",
    )
    peer_server = common.Server(
        common.PEER_PYTHON,
        "peer_asgi:application",
        peer_env,
        common.PEER_DIR,
        log_dir / "server-peer.log.tmp",
    )
    ours_runs, peer_runs = [], []
    with ours_server, peer_server:
        load(ours_server, ours_path, ours_auth, 1.0)  # warm-up
        load(peer_server, peer_path, peer_auth, 1.0)
        for i in range(runs):
            ours_runs.append(load(ours_server, ours_path, ours_auth, seconds))
            peer_runs.append(load(peer_server, peer_path, peer_auth, seconds))
            log(
                f"list run {i + 1}/{runs}: ours {ours_runs[-1]['req_per_s']:.0f} req/s "
                f"p99 {ours_runs[-1]['p99_ms']:.1f} ms, peer {peer_runs[-1]['req_per_s']:.0f} "
                f"req/s p99 {peer_runs[-1]['p99_ms']:.1f} ms"
            )
    ours_rate = common.summary([r["req_per_s"] for r in ours_runs])
    peer_rate = common.summary([r["req_per_s"] for r in peer_runs])
    ratio = common.summary(
        [o["req_per_s"] / p["req_per_s"] for o, p in zip(ours_runs, peer_runs, strict=True)]
    )
    return {
        "notifications": users * per_user,
        "users": users,
        "concurrency": CONCURRENCY,
        "seconds_per_run": seconds,
        "runs": runs,
        "req_per_s": ours_rate["median"],
        "req_per_s_range": [ours_rate["min"], ours_rate["max"]],
        "p50_ms": common.summary([r["p50_ms"] for r in ours_runs])["median"],
        "p99_ms": common.summary([r["p99_ms"] for r in ours_runs])["median"],
        "queries_per_request": max(r["queries_per_request"] for r in ours_runs),
        "errors": sum(r["errors"] for r in ours_runs),
        "peer_req_per_s": peer_rate["median"],
        "peer_req_per_s_range": [peer_rate["min"], peer_rate["max"]],
        "peer_p50_ms": common.summary([r["p50_ms"] for r in peer_runs])["median"],
        "peer_p99_ms": common.summary([r["p99_ms"] for r in peer_runs])["median"],
        "peer_queries_per_request": max(r["queries_per_request"] for r in peer_runs),
        "peer_errors": sum(r["errors"] for r in peer_runs),
        "vs_peer": ratio["median"],
        "vs_peer_range": [ratio["min"], ratio["max"]],
        "server_cpu_ms_per_request": common.summary([r["server_cpu_ms"] for r in ours_runs])[
            "median"
        ],
        "peer_server_cpu_ms_per_request": common.summary([r["server_cpu_ms"] for r in peer_runs])[
            "median"
        ],
        "ours_path": ours_path,
        "peer_path": peer_path,
    }


def unread_count(samples: int) -> dict[str, Any]:
    """SQL round trip of one user's unread count on the list table."""
    result: dict[str, Any] = common.ours("unread_count", samples, BENCH_DB=common.OURS_LIST_DB)
    return result


def sys_python() -> Any:
    """Our interpreter (the project's venv)."""
    from pathlib import Path

    return Path(sys.executable)
