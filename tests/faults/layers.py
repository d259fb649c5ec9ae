"""Channel layers that fail on purpose (importable by dotted path from CHANNEL_LAYERS)."""

from __future__ import annotations

from typing import Any

from channels.layers import InMemoryChannelLayer
from redis.exceptions import MaxConnectionsError


class FlakyDiscardLayer(InMemoryChannelLayer):
    """``group_discard`` fails ``failures`` times (like redis-py 8's full pool), then works."""

    def __init__(self, failures: int = 2, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.failures = failures
        self.attempts = 0

    async def group_discard(self, group: str, channel: str) -> None:
        self.attempts += 1
        if self.attempts <= self.failures:
            raise MaxConnectionsError("Too many connections")
        await super().group_discard(group, channel)
