"""The default transport: one Channels group per user, on the configured channel layer."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from asgiref.sync import async_to_sync
from channels.exceptions import ChannelFull
from channels.layers import get_channel_layer

from notifications.conf import notifications_settings
from notifications.exceptions import TransportError
from notifications.payloads import encode
from notifications.transports.base import BaseTransport, Push

#: The message type the consumer handles in ``notifications_push``.
PUSH_TYPE = "notifications.push"


def _delivery_errors() -> tuple[type[BaseException], ...]:
    errors: tuple[type[BaseException], ...] = (ChannelFull, OSError, asyncio.TimeoutError)
    try:
        from redis.exceptions import RedisError
    except ImportError:
        return errors
    return (*errors, RedisError)


DELIVERY_ERRORS = _delivery_errors()


def group_name(user_id: int) -> str:
    """The channel-layer group every socket of ``user_id`` joins."""
    return f"{notifications_settings.GROUP_PREFIX}.user.{user_id}"


class ChannelLayerTransport(BaseTransport):
    """Sends each push to its user's group, ``PUSH_CONCURRENCY`` at a time.

    The frame is serialised here, once, and the consumer forwards the text.
    Without a configured channel layer there is nobody to push to: nothing is sent.
    """

    def send(self, pushes: Sequence[Push]) -> None:
        layer = get_channel_layer(notifications_settings.CHANNEL_LAYER)
        if layer is None or not pushes:
            return
        async_to_sync(self.send_async)(layer, pushes)

    async def send_async(self, layer: Any, pushes: Sequence[Push]) -> None:
        """Send ``pushes`` concurrently on ``layer``; raise TransportError if any failed."""
        limit = asyncio.Semaphore(notifications_settings.PUSH_CONCURRENCY)

        async def deliver(push: Push) -> None:
            async with limit:
                await layer.group_send(
                    group_name(push.user_id), {"type": PUSH_TYPE, "text": encode(push.message)}
                )

        results = await asyncio.gather(*(deliver(push) for push in pushes), return_exceptions=True)
        failures = [r for r in results if isinstance(r, BaseException)]
        if not failures:
            return
        unexpected = [f for f in failures if not isinstance(f, DELIVERY_ERRORS)]
        if unexpected:
            raise unexpected[0]
        raise TransportError(
            f"{len(failures)} of {len(pushes)} pushes failed: {failures[0]!r}"
        ) from failures[0]
