"""An opt-in fast path for channels_redis's pub/sub layer: one pipeline per batch and shard.

``channels_redis.pubsub.RedisPubSubChannelLayer.group_send`` costs one Redis round
trip per group, serialised behind a per-shard lock, so a fan-out to many users
is bounded by the loopback latency (a few thousand pushes per second). This
transport publishes a whole batch with one pipelined request per shard, the
same messages to the same Redis channels as ``group_send`` would.

Enable it with::

    CHANNEL_LAYERS = {"default": {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": [{"address": "redis://127.0.0.1:6379/0", "socket_timeout": 10}]},
    }}
    NOTIFICATIONS = {"TRANSPORT": "notifications.transports.redis.RedisPubSubTransport"}

It reaches into the layer's internals (group channel names, shards), checked
on first use: on any other layer, or a channels_redis whose internals differ,
it logs a warning once and sends through ``group_send`` like
:class:`~notifications.transports.channels.ChannelLayerTransport`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from notifications.exceptions import TransportError
from notifications.payloads import encode
from notifications.transports.base import Push
from notifications.transports.channels import (
    DELIVERY_ERRORS,
    PUSH_TYPE,
    ChannelLayerTransport,
    group_name,
)

logger = logging.getLogger("notifications")

#: Commands sent in one pipelined request.
PIPELINE_SIZE = 1000

_LAYER_ATTRIBUTES = ("_get_layer", "serialize")
_LOOP_LAYER_ATTRIBUTES = ("_get_group_channel_name", "_get_shard")
_SHARD_ATTRIBUTES = ("_lock", "_ensure_redis")


def _pipelinable(layer: Any) -> bool:
    """Whether ``layer`` is a channels_redis pub/sub layer with the internals used here."""
    try:
        from channels_redis.pubsub import RedisPubSubChannelLayer
    except ImportError:
        return False
    if not isinstance(layer, RedisPubSubChannelLayer):
        return False
    if not all(hasattr(type(layer), name) for name in _LAYER_ATTRIBUTES):
        return False
    loop_layer = layer._get_layer()
    if not all(hasattr(loop_layer, name) for name in _LOOP_LAYER_ATTRIBUTES):
        return False
    shards: list[Any] = getattr(loop_layer, "_shards", None) or []
    return bool(shards) and all(hasattr(shards[0], name) for name in _SHARD_ATTRIBUTES)


class RedisPubSubTransport(ChannelLayerTransport):
    """Publishes each batch in pipelined requests, one per Redis shard.

    Raises :class:`~notifications.exceptions.TransportError` when a shard could
    not be reached (the caller logs it once; the rows are saved).
    """

    _warned = False

    async def send_async(self, layer: Any, pushes: Sequence[Push]) -> None:
        """Publish ``pushes`` on ``layer``; fall back to ``group_send`` on other layers."""
        if not _pipelinable(layer):
            if not RedisPubSubTransport._warned:
                RedisPubSubTransport._warned = True
                logger.warning(
                    "RedisPubSubTransport needs channels_redis's RedisPubSubChannelLayer; "
                    "%s is not one (or its internals changed): using group_send.",
                    type(layer).__name__,
                )
            await super().send_async(layer, pushes)
            return

        loop_layer = layer._get_layer()
        by_shard: dict[Any, list[tuple[str, bytes]]] = {}
        for push in pushes:
            channel = loop_layer._get_group_channel_name(group_name(push.user_id))
            data = layer.serialize({"type": PUSH_TYPE, "text": encode(push.message)})
            by_shard.setdefault(loop_layer._get_shard(channel), []).append((channel, data))

        failures: list[BaseException] = []
        for shard, messages in by_shard.items():
            try:
                await self._publish(shard, messages)
            except DELIVERY_ERRORS as error:
                failures.append(error)
        if failures:
            raise TransportError(
                f"publishing to {len(failures)} Redis shard(s) failed: {failures[0]!r}"
            ) from failures[0]

    async def _publish(self, shard: Any, messages: list[tuple[str, bytes]]) -> None:
        # The shard's lock and client are the ones its own publish() uses.
        async with shard._lock:
            shard._ensure_redis()
            for start in range(0, len(messages), PIPELINE_SIZE):
                pipe = shard._redis.pipeline(transaction=False)
                for channel, data in messages[start : start + PIPELINE_SIZE]:
                    pipe.publish(channel, data)
                await pipe.execute()
