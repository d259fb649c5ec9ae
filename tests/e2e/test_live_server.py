"""A real ASGI server (uvicorn) and a real WebSocket client: the path a browser takes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from websockets.exceptions import InvalidStatus

from tests.e2e.conftest import demo_send, next_frame, open_socket
from tests.servers import DemoServer, demo_server, prepare_demo_db

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """The demo, freshly seeded, served by one uvicorn process for this module."""
    workdir = tmp_path_factory.mktemp("live")
    env = prepare_demo_db(workdir / "demo.sqlite3")
    with demo_server(env, workdir / "server.log") as running:
        yield running
        assert "Traceback" not in running.log(), running.log()


def test_send_then_read_reach_every_socket_of_the_user(server: DemoServer) -> None:
    ann, bob = server.login("ann"), server.login("bob")
    with (
        open_socket(server, ann) as phone,
        open_socket(server, ann) as laptop,
        open_socket(server, bob) as other,
    ):
        sent = demo_send(ann, "Live from uvicorn")
        assert sent["notifications_count"] == 1

        new = next_frame(phone)
        assert new["action"] == "new"
        assert new["notification"]["event"]["id"] == sent["event"]
        assert new["notification"]["event"]["title"] == "Live from uvicorn"
        assert next_frame(laptop) == new
        counted = ann.get("/api/notifications/unread-count").json()
        assert new["unread"] == counted["unread"]
        listed = ann.get("/api/notifications/").json()["results"][0]
        assert new["notification"] == listed

        notification_id = new["notification"]["id"]
        response = ann.patch(f"/api/notifications/{notification_id}")
        assert response.status_code == 200, response.text

        readed = next_frame(laptop)
        assert readed["action"] == "readed"
        assert readed["notification"] == response.json()
        assert readed["unread"] == new["unread"] - 1
        assert next_frame(phone) == readed

        with pytest.raises(TimeoutError):
            other.recv(timeout=0.5)
    ann.close()
    bob.close()


def test_foreign_origin_and_anonymous_sockets_are_refused(server: DemoServer) -> None:
    ann = server.login("ann")
    with pytest.raises(InvalidStatus) as refused:
        open_socket(server, ann, origin="http://evil.example")
    assert refused.value.response.status_code == 403

    bob = server.login("bob")
    stale = bob.cookies["sessionid"]
    bob.post("/accounts/logout/")
    for session in (stale, "not-a-session"):
        with pytest.raises(InvalidStatus) as refused:
            open_socket(server, None, session=session)
        assert refused.value.response.status_code == 403
    ann.close()
    bob.close()
