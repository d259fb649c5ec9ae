"""Sends from any process reach sockets held by real uvicorn servers, on every backend.

The embedded leg runs them on SQLite (the database bus); the services leg on PostgreSQL
with the database bus and on PostgreSQL + Redis with the redis bus.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from tests.e2e.conftest import demo_send, next_frame, open_socket
from tests.servers import EXAMPLE, DemoServer, demo_backend, demo_server, demo_token
from tests.settings import SERVICES

pytestmark = pytest.mark.timeout(180)

BACKENDS = ["postgres", "postgres+redis"] if SERVICES else ["sqlite"]


@pytest.fixture(scope="module", params=BACKENDS)
def env(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    with demo_backend(request.param, tmp_path_factory.mktemp(request.param)) as environment:
        yield environment


@pytest.fixture(scope="module")
def servers(
    env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[DemoServer, DemoServer]]:
    """Two server processes on the same database (and Redis), for the whole module."""
    logs = tmp_path_factory.mktemp("logs")
    with demo_server(env, logs / "a.log") as a, demo_server(env, logs / "b.log") as b:
        yield a, b
        for server in (a, b):
            assert "Traceback" not in server.log(), server.log()
            assert " ERROR " not in server.log(), server.log()


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python manage.py ...`` of the demo as a separate process."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=EXAMPLE,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


def test_the_send_notification_command_reaches_an_open_socket(
    env: dict[str, str], servers: tuple[DemoServer, DemoServer]
) -> None:
    server, _ = servers
    ann = server.login("ann")
    with open_socket(server, ann) as socket:
        manage(
            env,
            "send_notification",
            "--type",
            "mention",
            "--title",
            "From the command",
            "--users",
            "ann",
        )

        frame = next_frame(socket)
        assert frame["action"] == "new"
        assert frame["notification"]["event"]["title"] == "From the command"
        with pytest.raises(TimeoutError):
            socket.recv(timeout=0.5)  # exactly once
    ann.close()


def test_a_shell_script_reaches_an_open_socket_in_commit_order(
    env: dict[str, str], servers: tuple[DemoServer, DemoServer]
) -> None:
    server, _ = servers
    ann = server.login("ann")
    script = (
        "from django.contrib.auth import get_user_model\n"
        "from notifications.helpers import send_notification\n"
        "ann = get_user_model().objects.get(username='ann')\n"
        "for i in range(5):\n"
        "    send_notification(type='mention', title=f'shell {i}', users=[ann])\n"
    )
    with open_socket(server, ann) as socket:
        manage(env, "shell", "-c", script)

        titles = [next_frame(socket)["notification"]["event"]["title"] for _ in range(5)]
        assert titles == [f"shell {i}" for i in range(5)]
    ann.close()


def test_a_push_from_one_server_reaches_sockets_held_by_the_other(
    servers: tuple[DemoServer, DemoServer],
) -> None:
    a, b = servers
    ann_on_a, ann_on_b, bob_on_a = a.login("ann"), b.login("ann"), a.login("bob")
    with open_socket(a, ann_on_a) as socket, open_socket(a, bob_on_a) as other:
        sent = demo_send(ann_on_b, "Sent by worker B")

        new = next_frame(socket)
        assert new["notification"]["event"]["id"] == sent["event"]
        response = ann_on_b.patch(f"/api/notifications/{new['notification']['id']}")
        readed = next_frame(socket)
        assert (readed["action"], readed["notification"]) == ("readed", response.json())
        with pytest.raises(TimeoutError):
            other.recv(timeout=0.5)
    for client in (ann_on_a, ann_on_b, bob_on_a):
        client.close()


def closed_with(socket: object, timeout: float = 10) -> int | None:
    """The close code the server sent, waiting up to ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.recv(timeout=deadline - time.monotonic())  # type: ignore[attr-defined]
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None
        except TimeoutError:
            break
    return None


def test_logging_out_on_one_server_closes_that_session_on_the_other(
    servers: tuple[DemoServer, DemoServer],
) -> None:
    a, b = servers
    bob_phone, bob_laptop = a.login("bob"), a.login("bob")
    with open_socket(a, bob_phone) as phone, open_socket(a, bob_laptop) as laptop:
        # The phone's session logs out through server B.
        with httpx.Client(
            base_url=b.url,
            cookies=bob_phone.cookies,
            headers={"X-CSRFToken": bob_phone.cookies["csrftoken"]},
        ) as via_b:
            assert via_b.post("/accounts/logout/").status_code in (200, 302)

        assert closed_with(phone) == 4401
        with pytest.raises(TimeoutError):
            laptop.recv(timeout=0.5)  # the other session keeps its socket
    bob_laptop.close()


def test_deactivating_a_user_or_deleting_a_token_closes_their_sockets(
    env: dict[str, str], servers: tuple[DemoServer, DemoServer]
) -> None:
    a, _ = servers
    key = demo_token(env, "admin")
    from websockets.sync.client import connect

    token_socket = connect(
        f"{a.ws_url}/ws/notifications",
        origin=a.url,
        subprotocols=["token", key],
        proxy=None,
        open_timeout=10,
    )  # type: ignore[list-item]
    with token_socket:
        manage(
            env,
            "shell",
            "-c",
            "from rest_framework.authtoken.models import Token; Token.objects.all().delete()",
        )
        assert closed_with(token_socket) == 4401

    bob = a.login("bob")
    with open_socket(a, bob) as socket:
        manage(
            env,
            "shell",
            "-c",
            "from django.contrib.auth import get_user_model as m; "
            "m().objects.filter(username='bob').update(is_active=False); "
            "u = m().objects.get(username='bob'); u.save()",
        )
        assert closed_with(socket) == 4401
    manage(
        env,
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model as m; "
        "m().objects.filter(username='bob').update(is_active=True)",
    )
    bob.close()
