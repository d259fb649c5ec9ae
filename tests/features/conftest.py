"""Fixtures of the feature tests: the include() URLs, sending, and running on-commit work."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest

from notifications.helpers import send_notification
from notifications.models import Event

#: Where tests/urls.py mounts ``include("notifications.urls")``.
API = "/api/notifications/"


@pytest.fixture
def send(db: Any) -> Callable[..., Event]:
    """``send(users, type="post_like", title=...)``: send inside the test's transaction."""

    def _send(users: Any, type: str = "post_like", title: str = "Hello", **kwargs: Any) -> Event:
        return send_notification(type=type, title=title, users=users, **kwargs)

    return _send


@pytest.fixture
def committed(
    django_capture_on_commit_callbacks: Callable[..., AbstractContextManager[Any]],
) -> Callable[[], AbstractContextManager[Any]]:
    """``with committed(): ...`` runs the on-commit work (pushes, signals) of the block."""

    def run() -> AbstractContextManager[Any]:
        return django_capture_on_commit_callbacks(execute=True)

    return run


@pytest.fixture
def signal_log() -> Iterator[Callable[[Any], list[dict[str, Any]]]]:
    """``calls = signal_log(signal)``: record every send of ``signal`` during the test."""
    connected: list[tuple[Any, Any]] = []

    def listen(signal: Any) -> list[dict[str, Any]]:
        calls: list[dict[str, Any]] = []

        def receiver(sender: Any, **kwargs: Any) -> None:
            kwargs.pop("signal", None)
            calls.append({"sender": sender, **kwargs})

        signal.connect(receiver, weak=False)
        connected.append((signal, receiver))
        return calls

    yield listen
    for signal, receiver in connected:
        signal.disconnect(receiver)
