"""Fixtures of the REST tests: both URL forms of API.md and a quick way to send."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from notifications.helpers import send_notification
from notifications.models import Event
from tests.api.support import INCLUDE, SEED, Urls


@pytest.fixture(params=[SEED, INCLUDE], ids=["seed", "include"])
def urls(request: pytest.FixtureRequest) -> Urls:
    """Each REST test runs under both URL forms."""
    param: Urls = request.param
    return param


@pytest.fixture
def send(db: Any) -> Callable[..., Event]:
    """``send(users, type="post_like", title=...)``: send inside the test's transaction."""

    def _send(users: Any, type: str = "post_like", title: str = "Hello", **kwargs: Any) -> Event:
        return send_notification(type=type, title=title, users=users, **kwargs)

    return _send
