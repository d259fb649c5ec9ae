"""TokenAuthMiddlewareStack: a DRF token as subprotocols or ``?token=`` for non-browser clients."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.authtoken.models import Token

from tests.ws.conftest import Opener
from tests.ws.support import in_thread, receive_frame, send, silent, token_application

pytestmark = pytest.mark.django_db(transaction=True)


async def token_for(user: Any) -> str:
    token = await in_thread(Token.objects.create)(user=user)
    return str(token.key)


async def test_token_as_subprotocols(open_socket: Opener, ann: Any, bob: Any) -> None:
    key = await token_for(ann)
    socket = await open_socket(application=token_application(), subprotocols=["token", key])
    assert socket.outcome == "token"  # type: ignore[attr-defined]

    await send([bob], title="Bob's")
    await send([ann], title="Ann's")
    frame = await receive_frame(socket)
    assert (frame["notification"]["user"], frame["notification"]["event"]["title"]) == (
        ann.pk,
        "Ann's",
    )
    assert await silent(socket)


async def test_token_in_query_string_is_off_by_default(open_socket: Opener, ann: Any) -> None:
    """URLs land in access logs: ``?token=`` authenticates nobody unless allowed."""
    key = await token_for(ann)
    socket = await open_socket(
        application=token_application(),
        path=f"/ws/notifications?token={key}",
        expect_accept=False,
    )
    assert socket.outcome == 4401  # type: ignore[attr-defined]


async def test_token_in_query_string_when_allowed(
    open_socket: Opener, ann: Any, settings: Any
) -> None:
    settings.NOTIFICATIONS = {**getattr(settings, "NOTIFICATIONS", {}), "ALLOW_QUERY_TOKEN": True}
    key = await token_for(ann)
    socket = await open_socket(
        application=token_application(), path=f"/ws/notifications?token={key}"
    )
    assert socket.outcome is None  # type: ignore[attr-defined]

    await send([ann])
    assert (await receive_frame(socket))["notification"]["user"] == ann.pk


@pytest.mark.parametrize("where", ["subprotocols", "query"])
async def test_invalid_token_is_refused(open_socket: Opener, ann: Any, where: str) -> None:
    await token_for(ann)
    kwargs: dict[str, Any] = (
        {"subprotocols": ["token", "0" * 40]}
        if where == "subprotocols"
        else {"path": "/ws/notifications?token=" + "0" * 40}
    )
    socket = await open_socket(application=token_application(), expect_accept=False, **kwargs)
    assert socket.outcome in (4401, 4403)  # type: ignore[attr-defined]


async def test_token_of_an_inactive_user_is_refused(open_socket: Opener, make_user: Any) -> None:
    gone = await in_thread(make_user)("gone", is_active=False)
    key = await token_for(gone)
    socket = await open_socket(
        application=token_application(), subprotocols=["token", key], expect_accept=False
    )
    assert socket.outcome in (4401, 4403)  # type: ignore[attr-defined]


async def test_no_token_is_refused_and_the_session_still_works(
    open_socket: Opener, ann: Any
) -> None:
    refused = await open_socket(application=token_application(), expect_accept=False)
    assert refused.outcome in (4401, 4403)  # type: ignore[attr-defined]

    by_session = await open_socket(ann, application=token_application())
    await send([ann])
    assert (await receive_frame(by_session))["notification"]["user"] == ann.pk
