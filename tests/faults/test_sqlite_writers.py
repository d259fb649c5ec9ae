"""100 concurrent writers on the embedded default: never a 500.

The demo is served by a real uvicorn process on SQLite with the database bus and the
SQLite settings of a fresh ``startproject`` (no ``OPTIONS``: no WAL, Django's 5 s
busy timeout, deferred transactions): the package's own write policy must be enough.
100 clients write for a few seconds (batch mark read, mark unread, archive,
unarchive, mark all read, filter changes). Every answer is a 2xx or, when SQLite
truly cannot take a write, a 503 with a JSON body and ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.servers import DemoServer, demo_server, demo_token, prepare_demo_db

pytestmark = pytest.mark.timeout(180)

CLIENTS = 100
SECONDS = 15
USERS = ("ann", "bob")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[DemoServer]:
    env = prepare_demo_db(tmp_path / "demo.sqlite3", {"DEMO_SQLITE_PLAIN": "1"})
    with demo_server(env, tmp_path / "server.log") as served:
        yield served


def seed(server: DemoServer) -> tuple[dict[str, str], dict[str, list[int]]]:
    admin = server.login("admin")
    for index in range(10):
        response = admin.post(
            "/demo/send",
            json={"type": "post_like", "title": f"seed {index}", "audience": "everyone"},
        )
        assert response.status_code == 200, response.text
    tokens = {name: demo_token(server.env, name) for name in USERS}
    ids = {}
    for name in USERS:
        page = httpx.get(
            f"{server.url}/api/notifications/",
            params={"limit": 100},
            headers={"Authorization": f"Token {tokens[name]}"},
        ).json()
        ids[name] = [row["id"] for row in page["results"]]
    return tokens, ids


async def writer(
    client: httpx.AsyncClient,
    token: str,
    ids: list[int],
    deadline: float,
    seen: Counter[str],
    rng: random.Random,
) -> None:
    headers = {"Authorization": f"Token {token}"}
    while True:  # at least one write each, then until the deadline
        roll = rng.randrange(6)
        if roll == 0:
            response = await client.patch(
                "/api/notifications/", json=rng.sample(ids, 10), headers=headers
            )
        elif roll == 1:
            one = rng.choice(ids)
            response = await client.patch(
                f"/api/notifications/{one}", json={"readed": None}, headers=headers
            )
        elif roll == 2:
            response = await client.post(
                "/api/notifications/archive", json=rng.sample(ids, 5), headers=headers
            )
        elif roll == 3:
            response = await client.post(
                "/api/notifications/unarchive", json=rng.sample(ids, 5), headers=headers
            )
        elif roll == 4:
            response = await client.post("/api/notifications/read-all", headers=headers)
        else:
            types = rng.choice([["post_like"], ["post_like", "mention"]])
            response = await client.patch(
                "/api/notifications/filter", json={"event_types": types}, headers=headers
            )
        code = response.status_code
        if code == 503:
            # The documented answer when a lock truly cannot be had: JSON, Retry-After.
            assert response.headers["Retry-After"].isdigit(), response.headers
            assert "detail" in response.json()
        seen[str(code) if code >= 300 else "2xx"] += 1
        if time.monotonic() >= deadline:
            return


def test_a_hundred_concurrent_writers_get_no_500(server: DemoServer) -> None:
    tokens, ids = seed(server)

    async def race() -> Counter[str]:
        seen: Counter[str] = Counter()
        # One pool of 100 connections: 100 requests in flight at once.
        limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
        async with httpx.AsyncClient(base_url=server.url, timeout=120, limits=limits) as client:
            deadline = time.monotonic() + SECONDS
            await asyncio.gather(
                *(
                    writer(
                        client,
                        tokens[USERS[index % 2]],
                        ids[USERS[index % 2]],
                        deadline,
                        seen,
                        random.Random(index),
                    )
                    for index in range(CLIENTS)
                )
            )
        return seen

    seen = asyncio.run(race())
    print(f"100 writers for {SECONDS} s: {dict(seen)}")  # -s shows the figures
    assert sum(seen.values()) >= CLIENTS, seen  # every writer wrote at least once
    assert set(seen) <= {"2xx", "503"}, seen
    assert "Traceback" not in server.log(), server.log()[-3000:]


def test_a_demo_send_while_another_process_holds_the_database_answers_503(
    server: DemoServer, tmp_path: Path
) -> None:
    admin = server.login("admin")
    holder = sqlite3.connect(tmp_path / "demo.sqlite3", isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # readers go on; writers wait past the 5 s timeout
        response = admin.post("/demo/send", json={"title": "while locked"}, timeout=60)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert response.status_code == 503, server.log()[-4000:]
    assert response.headers["Retry-After"] == "1"
    assert "busy" in response.json()["detail"]
    assert "Traceback" not in server.log(), server.log()[-3000:]
