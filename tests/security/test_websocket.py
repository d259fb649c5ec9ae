"""The socket: anonymous refused, foreign Origin refused, no frame of another user, ever."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from channels.testing.websocket import WebsocketCommunicator
from rest_framework.authtoken.models import Token

import notifications.routing
from notifications.helpers import send_notification
from notifications.realtime.auth import TokenAuthMiddlewareStack
from notifications.realtime.messages import Frames
from notifications.realtime.publish import publish
from tests.support import session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

PATH = "/ws/notifications"
TIMEOUT = 5  # Redis on the services leg needs more than the default 1 s
SILENCE = 0.3
ALLOWED = "app.example.com"


def _production_stack() -> Any:
    """What the docs recommend: origin check, then session or token authentication."""
    return AllowedHostsOriginValidator(
        TokenAuthMiddlewareStack(URLRouter(notifications.routing.websocket_urlpatterns))
    )


@pytest.fixture
def hosts(settings: Any) -> None:
    settings.ALLOWED_HOSTS = ["testserver", ALLOWED]


@pytest.fixture
async def opened(closing_hubs: None) -> AsyncIterator[list[WebsocketCommunicator]]:
    sockets: list[WebsocketCommunicator] = []
    yield sockets
    for socket in sockets:
        await socket.disconnect()


async def _open(
    opened: list[WebsocketCommunicator],
    *,
    user: Any = None,
    origin: str | None = f"https://{ALLOWED}",
    path: str = PATH,
    subprotocols: list[str] | None = None,
    application: Any = None,
) -> tuple[bool, Any, WebsocketCommunicator]:
    headers = [(b"host", ALLOWED.encode())]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    if user is not None:
        headers.append((b"cookie", await database_sync_to_async(session_cookie)(user)))
    socket = WebsocketCommunicator(
        application or _production_stack(), path, headers=headers, subprotocols=subprotocols
    )
    opened.append(socket)
    connected, outcome = await socket.connect(timeout=TIMEOUT)
    return connected, outcome, socket


@pytest.mark.usefixtures("hosts")
@pytest.mark.parametrize(
    "path",
    [PATH, f"{PATH}?token=", f"{PATH}?token=forged", f"{PATH}?token=%00", f"{PATH}?user=1"],
)
async def test_anonymous_is_refused(opened: list[WebsocketCommunicator], path: str) -> None:
    connected, outcome, _ = await _open(opened, path=path)
    assert connected is False
    assert outcome == 4401  # docs/realtime.md: no authenticated user


@pytest.mark.usefixtures("hosts")
async def test_anonymous_is_refused_by_the_plain_session_stack(
    opened: list[WebsocketCommunicator],
) -> None:
    stack = AuthMiddlewareStack(URLRouter(notifications.routing.websocket_urlpatterns))
    connected, outcome, _ = await _open(opened, application=stack)
    assert connected is False
    assert outcome == 4401


@pytest.mark.usefixtures("hosts")
@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example.net",
        f"https://{ALLOWED}.evil.example.net",
        "null",
        None,  # no Origin at all: refused unless ALLOWED_HOSTS has "*"
    ],
)
async def test_foreign_origin_is_refused_even_with_a_session(
    opened: list[WebsocketCommunicator], ann: Any, origin: str | None
) -> None:
    connected, outcome, _ = await _open(opened, user=ann, origin=origin)
    assert connected is False
    # Closed by the origin check before the consumer runs: no code (the communicator's 1000),
    # which a real server answers with HTTP 403 (docs/realtime.md), not the consumer's 4401.
    assert outcome == 1000


@pytest.mark.usefixtures("hosts")
async def test_allowed_origin_with_a_session_or_a_token_is_accepted(
    opened: list[WebsocketCommunicator], ann: Any
) -> None:
    token = await database_sync_to_async(Token.objects.create)(user=ann)
    assert (await _open(opened, user=ann))[0] is True
    by_token = await _open(opened, subprotocols=["token", token.key])
    assert by_token[0] is True
    assert by_token[1] == "token"


ATTEMPTS = [
    {"action": "subscribe", "group": "{bob_group}"},
    {"type": "group_add", "group": "{bob_group}"},
    {"type": "websocket.connect", "user": "{bob_id}"},
    {"type": "notifications.push", "text": "{}"},
    {"user": "{bob_id}", "token": "x"},
]


@pytest.mark.usefixtures("hosts")
async def test_a_socket_never_hears_another_user_whatever_it_sends(
    opened: list[WebsocketCommunicator], ann: Any, bob: Any
) -> None:
    _, _, anns = await _open(opened, user=ann)
    _, _, bobs = await _open(opened, user=bob)
    values = {"bob_group": f"notifications.user.{bob.pk}", "bob_id": str(bob.pk)}
    for attempt in ATTEMPTS:
        text = json.dumps(attempt)
        for key, value in values.items():
            text = text.replace("{" + key + "}", value)
        await anns.send_to(text_data=text)
    await anns.send_to(text_data=values["bob_group"])

    await database_sync_to_async(send_notification)(type="post_like", title="bob's", users=[bob])
    frame = json.loads(await bobs.receive_from(timeout=TIMEOUT))
    assert frame["notification"]["user"] == bob.pk
    assert await anns.receive_nothing(timeout=SILENCE)

    await database_sync_to_async(send_notification)(type="post_like", title="ann's", users=[ann])
    frame = json.loads(await anns.receive_from(timeout=TIMEOUT))
    assert (frame["notification"]["user"], frame["notification"]["event"]["title"]) == (
        ann.pk,
        "ann's",
    )
    assert await anns.receive_nothing(timeout=SILENCE)
    assert await bobs.receive_nothing(timeout=SILENCE)


@pytest.mark.usefixtures("hosts")
async def test_frames_published_for_another_user_never_reach_the_socket(
    opened: list[WebsocketCommunicator], ann: Any, bob: Any
) -> None:
    """A frame published on the bus for bob never reaches ann's socket, whatever she sent."""
    _, _, anns = await _open(opened, user=ann)
    await anns.send_to(text_data=json.dumps({"subscribe": bob.pk}))
    await database_sync_to_async(publish)(lambda: [Frames(((bob.pk, "bob"),))])
    assert await anns.receive_nothing(timeout=SILENCE)
    await database_sync_to_async(publish)(lambda: [Frames(((ann.pk, "ann"),))])
    assert await anns.receive_from(timeout=TIMEOUT) == "ann"
