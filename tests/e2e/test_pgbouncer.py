"""Through a real PgBouncer in transaction pooling mode: REST, sends and live pushes work.

The demo is served by uvicorn on PostgreSQL through a private PgBouncer (Debian's
package, ``pool_mode = transaction``); the database bus's LISTEN connection goes to
PostgreSQL directly (``NOTIFICATIONS["BUS_LISTEN_DATABASE"]`` names the ``direct``
alias). Repeated statements must not break (psycopg prepares nothing through Django's
client-side binding), and the LISTEN session must not be one of PgBouncer's.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.e2e.conftest import demo_send, next_frame, open_socket
from tests.pgbouncer import pgbouncer, server_ports
from tests.servers import DemoServer, demo_backend, demo_server

pytestmark = [pytest.mark.services, pytest.mark.timeout(120)]


@pytest.fixture
def pooled(tmp_path: Path) -> Iterator[tuple[DemoServer, int]]:
    with pgbouncer() as port, demo_backend("postgres", tmp_path) as env:
        env = {**env, "DEMO_PG_POOLER_PORT": str(port)}
        with demo_server(env, tmp_path / "server.log") as server:
            yield server, port


def listen_backend_ports(database: str) -> set[int]:
    """Client ports of the PostgreSQL sessions that are LISTENing on the bus's channel."""
    with psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres") as admin:
        rows = admin.execute(
            "SELECT client_port FROM pg_stat_activity "
            "WHERE datname = %s AND query = 'LISTEN notifications_bus'",
            [database],
        ).fetchall()
    return {int(port) for (port,) in rows}


def test_rest_sends_and_pushes_work_through_pgbouncer_with_the_bus_listening_directly(
    pooled: tuple[DemoServer, int],
) -> None:
    server, bouncer = pooled
    ann = server.login("ann")
    with open_socket(server, ann) as socket:
        sent = [demo_send(ann, f"through the pooler {i}") for i in range(3)]
        for answer in sent:  # every push, in order
            assert next_frame(socket)["notification"]["event"]["id"] == answer["event"]
        # More repetitions of each statement than psycopg's prepare threshold (5).
        for _ in range(12):
            response = ann.get("/api/notifications/?limit=5")
            assert response.status_code == 200, response.text
        titles = [row["event"]["title"] for row in response.json()["results"][:3]]
        assert titles == [f"through the pooler {i}" for i in (2, 1, 0)]

        database = server.env["DEMO_PG_DB"]
        deadline = time.monotonic() + 5
        while not (listening := listen_backend_ports(database)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert listening, "no session LISTENs on the bus's channel"
        assert not listening & server_ports(bouncer), "the LISTEN session goes through PgBouncer"
    log = server.log()
    assert "Traceback" not in log, log
