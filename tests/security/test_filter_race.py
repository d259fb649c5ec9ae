"""Concurrent filter saves against a real server: the stored set is one request's body.

Two requests of one user, sent at the same moment, replace the filter with
different sets. Before the fix, each deleted the other's exclusions and
inserted its own, so both types ended up excluded: a filter nobody asked for.
On the services leg this runs on PostgreSQL; otherwise on SQLite with Django's
default (deferred) transactions.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.security.live import LiveServer, live_server

ROUNDS = 40
BODIES = (["post_like"], ["post_comment"])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("filter-race")) as running:
        yield running


def save_at_once(clients: list[httpx.Client], bodies: tuple[list[str], ...]) -> list[int]:
    """PATCH the filter with each body from its own thread, released together."""
    barrier = threading.Barrier(len(bodies))

    def save(index: int) -> int:
        barrier.wait()
        response = clients[index].patch(
            "/notifications/filter", json={"event_types": bodies[index]}
        )
        return response.status_code

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(save, range(len(bodies))))


@pytest.mark.timeout(180)
def test_concurrent_saves_store_exactly_one_body(server: LiveServer) -> None:
    clients = [server.client("ann") for _ in BODIES]
    reader = server.client("ann")
    statuses: list[int] = []
    neither: list[list[str]] = []
    for _ in range(ROUNDS):
        assert reader.patch("/notifications/filter", json={"event_types": []}).status_code == 200
        statuses += save_at_once(clients, BODIES)
        stored = reader.get("/notifications/filter").json()["event_types"]
        if stored not in BODIES:
            neither.append(stored)

    assert statuses == [200] * (ROUNDS * len(BODIES))
    assert neither == []
    assert "Traceback" not in server.log()


@pytest.mark.timeout(120)
def test_another_users_concurrent_saves_do_not_touch_mine(server: LiveServer) -> None:
    ann = server.client("ann")
    assert (
        ann.patch("/notifications/filter", json={"event_types": ["post_like"]}).status_code == 200
    )
    bobs = [server.client("bob") for _ in BODIES]

    for _ in range(10):
        save_at_once(bobs, BODIES)

    assert ann.get("/notifications/filter").json() == {"event_types": ["post_like"]}
