"""Experiment: the pushes of a batch in two pipelined round trips per Redis host.

Not part of the package. It shows what bounds the shipped transport (one
``group_send`` costs 2-4 Redis round trips per user, about 250 µs of Python
CPU) and what a batched transport would gain. It reuses channels_redis's key
layout and message format, so the stock consumer receives the frames; unlike
``group_send`` it does not check ``capacity``.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from notifications.conf import notifications_settings
from notifications.payloads import encode
from notifications.transports.base import BaseTransport, Push
from notifications.transports.channels import PUSH_TYPE, group_name


class PipelinedRedisTransport(BaseTransport):
    """Reads every group of the batch in one pipeline, then writes every message in one."""

    def send(self, pushes: Sequence[Push]) -> None:
        """Deliver ``pushes`` on the configured channels_redis core layer."""
        layer = get_channel_layer(notifications_settings.CHANNEL_LAYER)
        if layer is not None and pushes:
            async_to_sync(self._send)(layer, pushes)

    async def _send(self, layer: Any, pushes: Sequence[Push]) -> None:
        by_host: dict[int, list[tuple[str, Push]]] = defaultdict(list)
        for push in pushes:
            group = group_name(push.user_id)
            by_host[layer.consistent_hash(group)].append((group, push))
        writes: dict[int, list[tuple[bytes, bytes]]] = defaultdict(list)
        now = time.time()
        for index, items in by_host.items():
            pipe = layer.connection(index).pipeline(transaction=False)
            for group, _ in items:
                key = layer._group_key(group)
                pipe.zremrangebyscore(key, min=0, max=int(now) - layer.group_expiry)
                pipe.zrange(key, 0, -1)
            replies = await pipe.execute()
            for (_, push), names in zip(items, replies[1::2], strict=True):
                if not names:
                    continue  # Nobody connected: nothing to write.
                message = {"type": PUSH_TYPE, "text": encode(push.message)}
                hosts, messages, _ = layer._map_channel_keys_to_connection(
                    [name.decode() for name in names], message
                )
                for host, keys in hosts.items():
                    writes[host] += [(key, messages[key]) for key in keys]
        for host, entries in writes.items():
            pipe = layer.connection(host).pipeline(transaction=False)
            for key, payload in entries:
                pipe.zadd(key, {payload: now})
                pipe.expire(key, int(layer.expiry))
            await pipe.execute()
