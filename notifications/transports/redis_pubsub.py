"""Batched pushes for channels_redis's pub/sub layer (``RedisPubSubChannelLayer``).

Its ``group_send`` costs one Redis round trip per group, serialised behind a
per-shard lock, so a fan-out to many users is bounded by the loopback latency
(a few thousand pushes a second). Here a whole batch is published with one
pipelined request per shard: the same messages to the same Redis channels as
``group_send`` would send.

It relies on the layer's internals (group channel names, shards), checked by
:func:`supports`; the transport uses plain ``group_send`` when they are missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

#: Commands sent in one pipelined request.
PIPELINE_SIZE = 1000

_LAYER_ATTRIBUTES = ("_get_layer", "serialize")
_LOOP_LAYER_ATTRIBUTES = ("_get_group_channel_name", "_get_shard")
_SHARD_ATTRIBUTES = ("_lock", "_ensure_redis")


def supports(layer: Any) -> bool:
    """Whether ``layer`` is a channels_redis pub/sub layer with the internals used here."""
    try:
        from channels_redis.pubsub import RedisPubSubChannelLayer
    except ImportError:
        return False
    if not isinstance(layer, RedisPubSubChannelLayer):
        return False
    # The layer proxies group_send to a per-loop layer; a subclass may define its own.
    if getattr(type(layer), "group_send", None) is not None:
        return False
    if not all(hasattr(type(layer), name) for name in _LAYER_ATTRIBUTES):
        return False
    loop_layer = layer._get_layer()
    if not all(hasattr(loop_layer, name) for name in _LOOP_LAYER_ATTRIBUTES):
        return False
    shards: list[Any] = getattr(loop_layer, "_shards", None) or []
    return bool(shards) and all(hasattr(shards[0], name) for name in _SHARD_ATTRIBUTES)


async def publish_texts(layer: Any, message_type: str, texts: Sequence[tuple[str, str]]) -> None:
    """Publish ``{"type": message_type, "text": text}`` to each ``(group, text)``.

    Raises what the first failing shard raised, after trying every shard.
    """
    loop_layer = layer._get_layer()
    by_shard: dict[Any, list[tuple[str, bytes]]] = {}
    for group, text in texts:
        channel = loop_layer._get_group_channel_name(group)
        data = layer.serialize({"type": message_type, "text": text})
        by_shard.setdefault(loop_layer._get_shard(channel), []).append((channel, data))
    failures: list[Exception] = []
    for shard, messages in by_shard.items():
        try:
            await _publish(shard, messages)
        except Exception as error:
            failures.append(error)
    if failures:
        raise failures[0]


async def _publish(shard: Any, messages: list[tuple[str, bytes]]) -> None:
    # The shard's lock and client are the ones its own publish() uses.
    async with shard._lock:
        shard._ensure_redis()
        for start in range(0, len(messages), PIPELINE_SIZE):
            pipe = shard._redis.pipeline(transaction=False)
            for channel, data in messages[start : start + PIPELINE_SIZE]:
                pipe.publish(channel, data)
            await pipe.execute()
