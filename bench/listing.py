"""Scenarios ``list``, ``unread_count`` and ``inbox``: the read path over HTTP, ours vs the peer.

One uvicorn worker per server, 16 concurrent keep-alive clients, interleaved runs:

- ``list``: the unread list on 1,000,000 rows (10,000 users x 100) with the
  README's production settings (Django's pool), token and session auth; token
  with psycopg's server-side binding added (``"server_side_binding": True``:
  PostgreSQL keeps the plans); the same without the pool (``CONN_MAX_AGE=0``);
  the peer's unread list (session, no pool);
  and the bare limit (:mod:`bench.bare`: the same page, SQL and JSON from an ASGI
  handler with no Django, token auth, psycopg's pool);
- ``unread_count``: ``GET unread-count/`` answered in full (200) and revalidated
  (``If-None-Match`` -> 304), plus the count's SQL round trip alone;
- ``inbox``: one user with 200,000 notifications: the first page, ``offset``
  100,000, the first cursor page and a cursor page 100,000 rows deep, one client.

Every figure carries the server's CPU per request (what a shared machine
disturbs least) and the SQL statements of one such request.
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from bench import common

CONCURRENCY = 16
INBOX_ROWS = 200_000
OURS_LIST = "/notifications/?readed=false"
OURS_COUNT = "/notifications/unread-count"
PEER_LIST = "/inbox/notifications/api/unread_list/?max=20"


def setup(users: int, per_user: int, log: Any, peer: bool = True) -> dict[str, Any]:
    """The list databases: ``users`` x ``per_user`` rows, tokens, sessions, one deep inbox."""
    common.recreate_database(common.OURS_LIST_DB)
    db = {"BENCH_DB": common.OURS_LIST_DB}
    common.ours("setup", users, **db)
    loaded = common.ours("load_list", users, per_user, INBOX_ROWS, **db)
    log(f"list: loaded {loaded['notifications']:,} of ours in {loaded['seconds']:.1f} s")
    found: dict[str, Any] = {
        "ours_sessions": common.ours("sessions", 200, **db)["sessions"],
        "inbox_user": loaded["inbox_user"],
    }
    if peer:
        common.recreate_database(common.PEER_LIST_DB)
        peer_db = {"BENCH_DB": common.PEER_LIST_DB}
        common.peer("setup", users, **peer_db)
        loaded = common.peer("load_list", users, per_user, **peer_db)
        log(f"list: loaded {loaded['notifications']:,} of the peer's in {loaded['seconds']:.1f} s")
        found["peer_sessions"] = common.peer("sessions", 200, **peer_db)["sessions"]
    return found


class _Connection:
    """One keep-alive HTTP/1.1 connection: the load generator's client.

    A few lines on asyncio streams instead of httpx, whose ~3 ms of CPU per
    request capped the client near 300 requests/s on this machine, below the
    servers it measures. It sends a GET with the given headers and reads the
    status, ``ETag`` and a ``Content-Length`` body; nothing else is parsed.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str, headers: dict[str, str]) -> tuple[int, str | None]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
        fields = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            fields[name.strip().lower()] = value.strip()
        await self.reader.readexactly(int(fields.get("content-length", "0")))
        if fields.get("connection", "").lower() == "close":
            await self.close()
        return status, fields.get("etag")

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def _headers(auth: dict[str, Any]) -> dict[str, str]:
    headers = dict(auth.get("headers", {}))
    cookies = auth.get("cookies")
    if cookies:
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    return headers


async def _load(
    port: int,
    path: str,
    auth: list[dict[str, Any]],
    seconds: float,
    concurrency: int,
    revalidate: bool,
) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    not_modified = 0
    etags: dict[int, str] = {}
    rng = random.Random(11)
    connections = [_Connection(port) for _ in range(concurrency)]
    if revalidate:  # every client has polled once: the timed requests revalidate
        for which, kwargs in enumerate(auth):
            _, etag = await connections[0].get(path, _headers(kwargs))
            assert etag is not None
            etags[which] = etag
    deadline = time.perf_counter() + seconds

    async def worker(connection: _Connection) -> None:
        nonlocal errors, not_modified
        while time.perf_counter() < deadline:
            which = rng.randrange(len(auth))
            headers = _headers(auth[which])
            if revalidate and which in etags:
                headers["If-None-Match"] = etags[which]
            started = time.perf_counter()
            status, etag = await connection.get(path, headers)
            elapsed = time.perf_counter() - started
            if status == 304:
                not_modified += 1
            elif status != 200:
                errors += 1
                continue
            elif revalidate and etag is not None:
                etags[which] = etag
            latencies.append(elapsed)

    started = time.perf_counter()
    try:
        await asyncio.gather(*(worker(connection) for connection in connections))
    finally:
        for connection in connections:
            await connection.close()
    wall = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "not_modified": not_modified,
        "errors": errors,
        "req_per_s": len(latencies) / wall,
        "p50_ms": common.percentile(latencies, 50) * 1000,
        "p99_ms": common.percentile(latencies, 99) * 1000,
    }


def load(
    server: common.Server,
    path: str,
    auth: list[dict[str, Any]],
    seconds: float,
    revalidate: bool = False,
) -> dict[str, Any]:
    """``seconds`` of ``CONCURRENCY`` concurrent keep-alive clients on ``path``, and CPU/request."""
    cpu = server.cpu_seconds()
    result = asyncio.run(_load(server.port, path, auth, seconds, CONCURRENCY, revalidate))
    result["server_cpu_ms"] = (server.cpu_seconds() - cpu) * 1000 / max(result["requests"], 1)
    return result


def _servers(log_dir: Path, peer: bool) -> dict[str, common.Server]:
    ours_env = common.ours_env(BENCH_DB=common.OURS_LIST_DB)
    servers = {
        "pool": common.Server(
            Path(sys.executable),
            "bench.ours.asgi:application",
            ours_env,
            common.ROOT,
            log_dir / "server-ours.log.tmp",
        ),
        "server_binding": common.Server(
            Path(sys.executable),
            "bench.ours.asgi:application",
            {**ours_env, "BENCH_BINDING": "server"},
            common.ROOT,
            log_dir / "server-ours-server-binding.log.tmp",
        ),
        "no_pool": common.Server(
            Path(sys.executable),
            "bench.ours.asgi:application",
            {**ours_env, "BENCH_POOL": "0"},
            common.ROOT,
            log_dir / "server-ours-no-pool.log.tmp",
        ),
    }
    if peer:
        servers["bare"] = common.Server(
            Path(sys.executable),
            "bench.bare:app",
            ours_env,
            common.ROOT,
            log_dir / "server-bare.log.tmp",
        )
        servers["peer"] = common.Server(
            common.PEER_PYTHON,
            "peer_asgi:application",
            common.peer_env(BENCH_DB=common.PEER_LIST_DB),
            common.PEER_DIR,
            log_dir / "server-peer.log.tmp",
        )
    return servers


def _tokens(users: int) -> list[dict[str, Any]]:
    rng = random.Random(5)
    return [
        {"headers": {"Authorization": f"Token {rng.randint(1, users):040d}"}} for _ in range(500)
    ]


def _statistics(runs: list[dict[str, Any]]) -> dict[str, Any]:
    rate = common.summary([r["req_per_s"] for r in runs])
    return {
        "req_per_s": rate["median"],
        "req_per_s_range": [rate["min"], rate["max"]],
        "p50_ms": common.summary([r["p50_ms"] for r in runs])["median"],
        "p99_ms": common.summary([r["p99_ms"] for r in runs])["median"],
        "server_cpu_ms": common.summary([r["server_cpu_ms"] for r in runs])["median"],
        "errors": sum(r["errors"] for r in runs),
        "not_modified": sum(r["not_modified"] for r in runs),
        "requests": sum(r["requests"] for r in runs),
    }


def run(
    users: int, per_user: int, seconds: float, runs: int, log: Any, only: list[str]
) -> dict[str, Any]:
    """The ``list``, ``unread_count`` and ``inbox`` scenarios named in ``only``, interleaved."""
    peer = "list" in only
    found = setup(users, per_user, log, peer=peer)
    tokens = _tokens(users)
    sessions = [{"cookies": {"sessionid": key}} for key in found["ours_sessions"]]
    cases: dict[str, tuple[str, str, list[dict[str, Any]], bool]] = {}
    if "list" in only:
        cases["token"] = ("pool", OURS_LIST, tokens, False)
        cases["session"] = ("pool", OURS_LIST, sessions, False)
        cases["token_server_binding"] = ("server_binding", OURS_LIST, tokens, False)
        cases["token_no_pool"] = ("no_pool", OURS_LIST, tokens, False)
        cases["session_no_pool"] = ("no_pool", OURS_LIST, sessions, False)
        peer_sessions = [{"cookies": {"sessionid": key}} for key in found["peer_sessions"]]
        cases["peer"] = ("peer", PEER_LIST, peer_sessions, False)
        cases["bare"] = ("bare", OURS_LIST, tokens, False)
    if "unread_count" in only:
        cases["count"] = ("pool", OURS_COUNT, tokens, False)
        cases["count_304"] = ("pool", OURS_COUNT, tokens[: CONCURRENCY * 4], True)
    measured: dict[str, list[dict[str, Any]]] = {name: [] for name in cases}
    results: dict[str, Any] = {}
    servers = _servers(common.BENCH / "results", peer)
    with servers["pool"], servers["no_pool"], servers["server_binding"]:
        if peer:
            servers["peer"].__enter__()
            servers["bare"].__enter__()
        try:
            for server, path, auth, revalidate in cases.values():  # warm-up
                load(servers[server], path, auth, 1.0, revalidate)
            for i in range(runs):
                for name, (server, path, auth, revalidate) in cases.items():
                    measured[name].append(load(servers[server], path, auth, seconds, revalidate))
                log(
                    f"read run {i + 1}/{runs}: "
                    + ", ".join(
                        f"{name} {m[-1]['req_per_s']:.0f} req/s p99 {m[-1]['p99_ms']:.0f} ms"
                        for name, m in measured.items()
                    )
                )
            if "inbox" in only:
                results["inbox"] = inbox(
                    servers["pool"].port, found["inbox_user"], 3 if seconds < 5 else 10
                )
        finally:
            if peer:
                servers["peer"].__exit__()
                servers["bare"].__exit__()
    statements = _statements(cases, found)
    for name, runs_of in measured.items():
        stats = _statistics(runs_of)
        stats["statements"] = statements[name]
        stats["path"] = cases[name][1]
        section = "unread_count" if name.startswith("count") else "list"
        results.setdefault(section, {})[name] = stats
    if "list" in results:
        lst = results["list"]
        lst["vs_peer"] = common.summary(
            [
                o["req_per_s"] / p["req_per_s"]
                for o, p in zip(measured["token"], measured["peer"], strict=True)
            ]
        )["median"]
        lst["vs_bare"] = common.summary(
            [
                o["req_per_s"] / b["req_per_s"]
                for o, b in zip(measured["token"], measured["bare"], strict=True)
            ]
        )["median"]
        lst["notifications"] = users * per_user
        lst["users"] = users
        lst["concurrency"] = CONCURRENCY
        lst["seconds_per_run"] = seconds
        lst["runs"] = runs
    if "unread_count" in only:
        results["unread_count"]["sql"] = common.ours(
            "unread_count", 2_000, BENCH_DB=common.OURS_LIST_DB
        )
    return results


def _statements(cases: dict[str, Any], found: dict[str, Any]) -> dict[str, int]:
    """SQL statements of one request of each case (a separate process, not under load)."""
    db = {"BENCH_DB": common.OURS_LIST_DB}
    counted: dict[str, int] = {}
    for name, (_, path, auth, _) in cases.items():
        if name == "bare":  # bench.bare: the token, the count, the page
            counted[name] = 3
            continue
        if name == "peer":
            counted[name] = common.peer(
                "statements", path, found["peer_sessions"][0], BENCH_DB=common.PEER_LIST_DB
            )["statements"]
            continue
        first = auth[0]
        key = (
            f"token:{first['headers']['Authorization'].split()[1]}"
            if "headers" in first
            else f"session:{first['cookies']['sessionid']}"
        )
        env = {**db, "BENCH_POOL": "0"} if name.endswith("no_pool") else db
        if name.endswith("server_binding"):
            env = {**db, "BENCH_BINDING": "server"}
        counted[name] = common.ours("statements", path, key, **env)["statements"]
    return counted


def inbox(port: int, user: dict[str, Any], repeats: int) -> dict[str, Any]:
    """Latency of deep pages on one inbox of ``INBOX_ROWS`` notifications (one client)."""
    headers = {"Authorization": f"Token {user['token']}"}
    pages = {
        "offset_0": "/notifications/?limit=20",
        "offset_100k": "/notifications/?limit=20&offset=100000",
        "cursor_first": "/notifications/?limit=20&cursor=",
        "cursor_100k": f"/notifications/?limit=20&cursor={user['deep_cursor']}",
    }
    found: dict[str, Any] = {"rows": user["rows"]}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=60) as client:
        for name, path in pages.items():
            times = []
            body: Any = None
            for _ in range(max(repeats, 3) * 5):
                started = time.perf_counter()
                response = client.get(path)
                times.append(time.perf_counter() - started)
                response.raise_for_status()
                body = response.json()
            found[name] = {
                "path": path,
                "p50_ms": common.percentile(times, 50) * 1000,
                "first_id": body["results"][0]["id"],
                "rows": len(body["results"]),
            }
        # Follow the deep cursor page back and forth: both links must work.
        deep = client.get(pages["cursor_100k"]).json()
        back = client.get(deep["previous"]).json()
        found["cursor_previous_ok"] = back["results"][-1]["id"] > deep["results"][0]["id"]
    return found
