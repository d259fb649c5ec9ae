"""The default transport: one Channels group per user, on the configured channel layer."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Collection, Sequence
from typing import Any

from asgiref.sync import async_to_sync
from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer, get_channel_layer

from notifications.conf import notifications_settings
from notifications.exceptions import TransportError
from notifications.payloads import encode
from notifications.transports import redis_groups, redis_pubsub
from notifications.transports.base import BaseTransport, Push

logger = logging.getLogger("notifications")

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
    """Sends each push to its user's group on the configured channel layer.

    The frame is serialised here, once, and the consumer forwards the text.
    channels_redis's two layers and Channels' in-memory layer get a batched
    path (a few pipelined Redis requests per batch; no per-call expiry scan);
    any other layer gets ``group_send``, ``PUSH_CONCURRENCY`` at a time.
    Without a configured channel layer there is nobody to push to: nothing is sent.
    """

    def send(self, pushes: Sequence[Push]) -> None:
        layer = get_channel_layer(notifications_settings.CHANNEL_LAYER)
        if layer is None or not pushes:
            return
        async_to_sync(self.send_async)(layer, pushes)

    def online(self, user_ids: Sequence[int]) -> Collection[int] | None:
        """Users whose group has members, where the layer can tell (in-memory, Redis)."""
        layer = get_channel_layer(notifications_settings.CHANNEL_LAYER)
        if layer is None:
            return ()
        if _sends_groups_like(layer, InMemoryChannelLayer):
            return [user_id for user_id in user_ids if layer.groups.get(group_name(user_id))]
        if not redis_groups.supports(layer):
            return None
        groups = {group_name(user_id): user_id for user_id in user_ids}
        try:
            in_use = async_to_sync(redis_groups.groups_in_use)(layer, list(groups))
        except DELIVERY_ERRORS as error:
            raise TransportError(f"could not read the groups of {len(groups)} users") from error
        return [groups[group] for group in in_use]

    async def send_async(self, layer: Any, pushes: Sequence[Push]) -> None:
        """Send ``pushes`` concurrently on ``layer``; raise TransportError if any failed."""
        if redis_groups.supports(layer):
            await self._send_pipelined(layer, pushes)
            return
        if redis_pubsub.supports(layer):
            await self._publish(layer, pushes)
            return
        if _sends_groups_like(layer, InMemoryChannelLayer):
            await self._send_in_memory(layer, pushes)
            return
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

    async def _send_in_memory(self, layer: InMemoryChannelLayer, pushes: Sequence[Push]) -> None:
        """Channels' in-memory layer: straight to the members' queues.

        ``group_send`` scans every channel and group for expired entries on each
        call, which makes a batch quadratic; one pass over the members is enough.
        """
        joined_after = time.time() - layer.group_expiry
        dropped = 0
        for push in pushes:
            members = layer.groups.get(group_name(push.user_id), {})
            message = {"type": PUSH_TYPE, "text": encode(push.message)}
            for channel, joined in list(members.items()):
                if joined and joined < joined_after:
                    continue
                try:
                    await layer.send(channel, message)
                except ChannelFull:
                    dropped += 1
        if dropped:
            _log_dropped(dropped, len(pushes))

    async def _publish(self, layer: Any, pushes: Sequence[Push]) -> None:
        """channels_redis's pub/sub layer: one pipelined publish per batch and shard."""
        texts = [(group_name(push.user_id), encode(push.message)) for push in pushes]
        try:
            await redis_pubsub.publish_texts(layer, PUSH_TYPE, texts)
        except DELIVERY_ERRORS as error:
            raise TransportError(f"{len(pushes)} pushes failed: {error!r}") from error

    async def _send_pipelined(self, layer: Any, pushes: Sequence[Push]) -> None:
        """channels_redis's core layer: the whole batch in a few pipelined requests."""
        texts = [(group_name(push.user_id), encode(push.message)) for push in pushes]
        try:
            dropped = await redis_groups.send_texts(layer, PUSH_TYPE, texts)
        except DELIVERY_ERRORS as error:
            raise TransportError(f"{len(pushes)} pushes failed: {error!r}") from error
        if dropped:
            _log_dropped(dropped, len(pushes))


def _sends_groups_like(layer: Any, base: type[Any]) -> bool:
    """``layer`` is a ``base`` whose group_send is not overridden (so the fast path is equal)."""
    return isinstance(layer, base) and type(layer).group_send is base.group_send


def _log_dropped(dropped: int, total: int) -> None:
    logger.warning(
        "%d of %d pushes dropped: a socket's channel layer queue is full "
        "(raise CHANNEL_LAYERS capacity); clients catch up through the REST API.",
        dropped,
        total,
    )
