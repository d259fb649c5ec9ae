"""Load and soak run against the demo under uvicorn (loopback only, bounded in count and time).

    .venv/bin/python -m bench.soak                 # SQLite + the database bus
    .venv/bin/python -m bench.soak --redis         # SQLite + the redis bus (127.0.0.1)
    .venv/bin/python -m bench.soak --duration 10   # shorter phases
    .venv/bin/python -m bench.soak --ws-clients 0 --plain-sqlite  # HTTP only, no SQLite OPTIONS

Phase 1: ``--http-clients`` concurrent HTTP clients (token auth) loop over the
list and the mark-read endpoints for ``--duration`` seconds; every answer must
be a 2xx. Phase 2: ``--ws-clients`` WebSocket clients connect, receive one
push each and disconnect, in waves, for ``--duration`` seconds. Afterwards:
no error in the server log, no user left in the worker's Redis presence (``--redis``),
server RSS back near its baseline. Prints the figures; exits 1 on any error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import resource
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import connect

from bench.shared import percentile, status_kib
from tests.servers import DemoServer, demo_server, demo_token, prepare_demo_db

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
USERS = ("ann", "bob")
SEEDED_PER_USER = 60
LOG_ERRORS = re.compile(r"Traceback|Exception|ERROR|Error:", re.IGNORECASE)


@dataclass
class HttpStats:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)


@dataclass
class WsStats:
    waves: int = 0
    opened: int = 0
    frames_expected: int = 0
    frames_received: int = 0
    rss_after_first_wave: int = 0
    rss_by_wave: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def rss_kib(pid: int) -> int:
    """Resident memory of ``pid`` in KiB."""
    return status_kib("VmRSS", pid)


def seed(server: DemoServer) -> dict[str, list[int]]:
    """Send notifications to every user; return each user's ids."""
    admin = server.login("admin")  # only staff may address others
    for index in range(SEEDED_PER_USER):
        response = admin.post(
            "/demo/send",
            json={"type": "post_like", "title": f"seed {index}", "audience": "everyone"},
        )
        response.raise_for_status()
    ids: dict[str, list[int]] = {}
    for name in USERS:
        client = server.login(name)
        page = client.get("/api/notifications/", params={"limit": 1000}).json()
        ids[name] = [row["id"] for row in page["results"]]
    return ids


async def http_client(
    url: str, token: str, ids: list[int], deadline: float, stats: HttpStats, rng: random.Random
) -> None:
    """One client: list, batch mark read, mark one read/unread, until ``deadline``."""
    headers = {"Authorization": f"Token {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as client:
        while time.monotonic() < deadline:
            roll = rng.random()
            one = rng.choice(ids)
            started = time.perf_counter()
            try:
                if roll < 0.5:
                    query = rng.choice([{}, {"readed": "false"}, {"limit": 50, "offset": 10}])
                    response = await client.get("/api/notifications/", params=query)
                elif roll < 0.75:
                    response = await client.patch("/api/notifications/", json=rng.sample(ids, 10))
                else:
                    body = rng.choice([None, {"readed": None}])
                    response = await client.patch(f"/api/notifications/{one}", json=body)
            except httpx.HTTPError as error:
                stats.errors.append(f"{type(error).__name__}: {error}")
                continue
            stats.latencies.append(time.perf_counter() - started)
            code = response.status_code
            stats.statuses[code] = stats.statuses.get(code, 0) + 1
            if response.status_code >= 300:
                stats.errors.append(f"{response.status_code} {response.text[:200]}")


async def http_phase(
    server: DemoServer,
    tokens: dict[str, str],
    ids: dict[str, list[int]],
    clients: int,
    duration: float,
) -> HttpStats:
    stats = HttpStats()
    deadline = time.monotonic() + duration
    await asyncio.gather(
        *(
            http_client(
                server.url,
                tokens[USERS[index % 2]],
                ids[USERS[index % 2]],
                deadline,
                stats,
                random.Random(index),
            )
            for index in range(clients)
        )
    )
    return stats


async def ws_wave(
    server: DemoServer, tokens: dict[str, str], sender: httpx.AsyncClient, size: int, stats: WsStats
) -> None:
    """Open ``size`` sockets, push one notification to everyone, expect it on each, close all."""
    url = f"{server.ws_url}/ws/notifications"
    handshakes = asyncio.Semaphore(100)
    sockets: list[Any] = []

    async def open_one(index: int) -> None:
        async with handshakes:
            try:
                socket = await connect(
                    url,
                    subprotocols=["token", tokens[USERS[index % 2]]],  # type: ignore[list-item]
                    origin=server.url,  # type: ignore[arg-type]
                    open_timeout=30,
                    max_queue=None,
                )
            except Exception as error:
                stats.errors.append(f"connect: {type(error).__name__}: {error}")
                return
            sockets.append(socket)

    await asyncio.gather(*(open_one(index) for index in range(size)))
    stats.opened += len(sockets)
    response = await sender.post(
        "/demo/send", json={"type": "mention", "title": "wave", "audience": "everyone"}
    )
    if response.status_code >= 300:
        stats.errors.append(f"send: {response.status_code}")

    async def receive_one(socket: Any) -> None:
        try:
            frame = json.loads(await asyncio.wait_for(socket.recv(), timeout=30))
            if frame.get("action") == "new":
                stats.frames_received += 1
            else:
                stats.errors.append(f"unexpected frame {frame.get('action')}")
        except Exception as error:
            stats.errors.append(f"recv: {type(error).__name__}: {error}")

    stats.frames_expected += len(sockets)
    await asyncio.gather(*(receive_one(socket) for socket in sockets))

    async def close_one(socket: Any) -> None:
        try:
            await asyncio.wait_for(socket.close(), timeout=30)
        except Exception as error:
            stats.errors.append(f"close: {type(error).__name__}: {error}")

    await asyncio.gather(*(close_one(socket) for socket in sockets))
    stats.waves += 1


async def ws_phase(
    server: DemoServer, tokens: dict[str, str], clients: int, duration: float
) -> WsStats:
    """Waves of ``clients`` sockets until ``duration`` is spent."""
    stats = WsStats()
    deadline = time.monotonic() + duration
    headers = {"Authorization": f"Token {tokens['ann']}"}
    # The demo's send view is session-only; a logged-in httpx client drives it.
    sender = httpx.AsyncClient(base_url=server.url, timeout=60, headers=headers)
    session = server.login("admin")  # only staff may address others
    sender.cookies = session.cookies
    sender.headers.update(
        {"X-CSRFToken": session.cookies["csrftoken"], "Referer": f"{server.url}/"}
    )
    try:
        while time.monotonic() < deadline:
            await ws_wave(server, tokens, sender, clients, stats)
            stats.rss_by_wave.append(rss_kib(server.process.pid))
            if stats.waves == 1:
                stats.rss_after_first_wave = stats.rss_by_wave[0]
            await asyncio.sleep(0.5)
    finally:
        await sender.aclose()
    return stats


def redis_presence(prefix: str) -> dict[str, int]:
    """The redis bus's per-worker presence sets under ``prefix`` and the users each lists."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match=f"{prefix}:presence:*", count=1000))
        return {key.decode(): int(client.scard(key)) for key in keys}
    finally:
        client.close()


def settle_rss(pid: int, baseline: int, seconds: float = 10) -> int:
    """RSS after giving the server a few seconds to release what the run used."""
    deadline = time.monotonic() + seconds
    current = rss_kib(pid)
    while time.monotonic() < deadline and current > baseline * 1.10:
        time.sleep(1)
        current = rss_kib(pid)
    return current


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Both phases; the figures as a dict (``errors`` lists what went wrong)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 8192)), hard))
    workdir = Path(tempfile.mkdtemp(prefix="notifications-soak-"))
    prefix = f"soak-{os.getpid()}"
    # DEBUG off, as in production. A 500 is counted by the client that got it; the
    # server log still shows uvicorn's errors (ASGI exceptions, protocol errors) and
    # the package's own (a failing transport logs on the "notifications" logger).
    extra = {"DJANGO_SETTINGS_MODULE": "demo.settings", "DEMO_DEBUG": "0"}
    if args.plain_sqlite:
        extra["DEMO_SQLITE_PLAIN"] = "1"
    if args.redis:
        extra.update({"DEMO_REDIS_URL": REDIS_URL, "DEMO_REDIS_PREFIX": prefix})
    env = prepare_demo_db(workdir / "demo.sqlite3", extra)
    tokens = {name: demo_token(env, name) for name in USERS}
    figures: dict[str, Any] = {"bus": "redis" if args.redis else "database"}
    errors: list[str] = []
    with demo_server(env, workdir / "server.log") as server:
        ids = seed(server)
        pid = server.process.pid
        figures["rss_baseline_mib"] = round(rss_kib(pid) / 1024, 1)

        started = time.monotonic()
        http = asyncio.run(http_phase(server, tokens, ids, args.http_clients, args.duration))
        elapsed = time.monotonic() - started
        figures["http"] = {
            "clients": args.http_clients,
            "seconds": round(elapsed, 1),
            "requests": len(http.latencies),
            "req_per_s": round(len(http.latencies) / elapsed, 1),
            "p50_ms": round(percentile(http.latencies, 50) * 1000, 1),
            "p99_ms": round(percentile(http.latencies, 99) * 1000, 1),
            "errors": len(http.errors),
            "statuses": dict(sorted(http.statuses.items())),
        }
        errors += http.errors[:20]
        figures["rss_after_http_mib"] = round(rss_kib(pid) / 1024, 1)

        if args.ws_clients:  # 0: the HTTP phase alone
            baseline = rss_kib(pid)
            peak = baseline
            started = time.monotonic()
            ws = asyncio.run(ws_phase(server, tokens, args.ws_clients, args.duration))
            peak = max(peak, rss_kib(pid))
            figures["ws"] = {
                "clients_per_wave": args.ws_clients,
                "waves": ws.waves,
                "seconds": round(time.monotonic() - started, 1),
                "connections": ws.opened,
                "frames_expected": ws.frames_expected,
                "frames_received": ws.frames_received,
                "errors": len(ws.errors),
                "rss_mib_by_wave": [round(kib / 1024) for kib in ws.rss_by_wave],
            }
            errors += ws.errors[:20]
            warm = ws.rss_after_first_wave or baseline
            after = settle_rss(pid, warm)
            figures["rss_before_ws_mib"] = round(baseline / 1024, 1)
            figures["rss_after_first_wave_mib"] = round(warm / 1024, 1)
            figures["rss_peak_mib"] = round(max(peak, warm) / 1024, 1)
            figures["rss_after_ws_mib"] = round(after / 1024, 1)
            # Growth after the first (warm-up) wave would be a leak.
            if after > warm * 1.15 + 5 * 1024:
                errors.append(f"RSS kept growing: {warm} KiB after one wave -> {after} KiB")
        if args.redis:
            time.sleep(1)
            left = {key: size for key, size in redis_presence(prefix).items() if size}
            figures["redis_presence_left"] = sum(left.values())
            if left:
                errors.append(f"users left in the Redis presence: {left}")
        log_errors = [line for line in server.log().splitlines() if LOG_ERRORS.search(line)]
        figures["server_log_errors"] = len(log_errors)
        errors += log_errors[:20]
    figures["errors"] = errors
    return figures


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run, print the figures; 1 when anything went wrong."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60, help="seconds per phase")
    parser.add_argument("--http-clients", type=int, default=100)
    parser.add_argument(
        "--ws-clients", type=int, default=1000, help="sockets per wave (0: no WebSocket phase)"
    )
    parser.add_argument("--redis", action="store_true", help="use the redis bus")
    parser.add_argument(
        "--plain-sqlite",
        action="store_true",
        help="SQLite as startproject configures it (no OPTIONS: no WAL, 5 s timeout)",
    )
    args = parser.parse_args(argv)
    figures = run(args)
    print(json.dumps(figures, indent=2))
    return 1 if figures["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
