"""The demo's language switch, on two server processes: one send, each user in their language.

Real uvicorn workers of the demo (``tests/servers.py``) on one database (and Redis on
the services leg): sockets of two users on one worker and on two workers, and REST.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.conftest import next_frame, open_socket
from tests.servers import DemoServer, demo_backend, demo_server
from tests.settings import SERVICES

pytestmark = pytest.mark.timeout(180)

BACKEND = "postgres+redis" if SERVICES else "sqlite"
ENGLISH = ("admin mentioned you", "in #general")
POLISH = ("admin wspomniał(a) o Tobie", "w #general")


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DemoServer, DemoServer]]:
    workdir = tmp_path_factory.mktemp("i18n-demo")
    with (
        demo_backend(BACKEND, workdir) as env,
        demo_server(env, workdir / "a.log") as a,
        demo_server(env, workdir / "b.log") as b,
    ):
        yield a, b
        for server in (a, b):
            assert "Traceback" not in server.log(), server.log()


def switch(client: httpx.Client, language: str) -> None:
    response = client.post("/demo/language", data={"language": language, "next": "/"})
    assert response.status_code == 302, response.text


def send_to_everyone(admin: httpx.Client) -> int:
    """A send of the ``mention`` type's template (no title) to every demo user."""
    response = admin.post("/demo/send", json={"type": "mention", "audience": "everyone"})
    assert response.status_code == 200, response.text
    event: int = response.json()["event"]
    return event


def shown(frame: dict[str, object]) -> tuple[object, object]:
    event = frame["notification"]["event"]  # type: ignore[index]
    return event["title"], event["message"]  # type: ignore[index]


@pytest.mark.parametrize("bob_on", ["same worker", "other worker"])
def test_one_send_reaches_each_socket_in_its_users_language(
    servers: tuple[DemoServer, DemoServer], bob_on: str
) -> None:
    a, b = servers
    bob_server = a if bob_on == "same worker" else b
    ann, bob, admin = a.login("ann"), bob_server.login("bob"), a.login("admin")
    switch(ann, "en")
    switch(bob, "pl")
    with open_socket(a, ann) as ann_socket, open_socket(bob_server, bob) as bob_socket:
        event = send_to_everyone(admin)

        ann_frame, bob_frame = next_frame(ann_socket), next_frame(bob_socket)

    assert ann_frame["notification"]["event"]["id"] == bob_frame["notification"]["event"]["id"]
    assert ann_frame["notification"]["event"]["id"] == event
    assert shown(ann_frame) == ENGLISH
    assert shown(bob_frame) == POLISH
    for client in (ann, bob, admin):
        client.close()


def test_rest_and_the_pages_follow_the_switch(servers: tuple[DemoServer, DemoServer]) -> None:
    a, b = servers
    bob, admin = b.login("bob"), a.login("admin")
    switch(bob, "pl")
    send_to_everyone(admin)

    polish = bob.get("/api/notifications/").json()["results"][0]["event"]
    page = bob.get("/")
    switch(bob, "en")
    english = bob.get("/api/notifications/").json()["results"][0]["event"]

    assert (polish["title"], polish["message"]) == POLISH
    assert (english["title"], english["message"]) == ENGLISH
    assert '<html lang="pl">' in page.text
    assert "Wyślij testowe powiadomienie" in page.text  # the demo's own strings
    assert "Powiadomienia, brak nieprzeczytanych" in page.text  # the element's, as an attribute
    for client in (bob, admin):
        client.close()


def test_an_unknown_language_is_refused(servers: tuple[DemoServer, DemoServer]) -> None:
    ann = servers[0].login("ann")

    response = ann.post("/demo/language", data={"language": "xx"})

    assert response.status_code == 400
    ann.close()


def test_a_literal_title_is_the_same_for_everyone(servers: tuple[DemoServer, DemoServer]) -> None:
    a, b = servers
    bob, admin = b.login("bob"), a.login("admin")
    switch(bob, "pl")

    response = admin.post(
        "/demo/send", json={"type": "mention", "title": "Plain", "audience": "everyone"}
    )

    assert response.status_code == 200
    assert bob.get("/api/notifications/").json()["results"][0]["event"]["title"] == "Plain"
    for client in (bob, admin):
        client.close()
