"""Batched pushes for channels_redis's ``RedisChannelLayer`` (its default Redis layer).

``RedisChannelLayer.group_send`` costs four Redis round trips per group, and
each message it queues costs the receiving worker one more round trip to pop:
one push per user that way tops out near a thousand a second. Here a whole
batch of pushes costs a few pipelined requests per Redis host:

1. one pipeline reads the members of every group in the batch (groups nobody
   is connected to are skipped);
2. the frames for all sockets served by one worker process are packed into a
   single message (``texts``: channel name -> its frames) addressed to them all,
   which channels_redis's receive loop hands to each socket at once;
3. one pipeline expires stale messages and runs channels_redis's own delivery
   script for every worker's message.

It relies on channels_redis internals, checked by :func:`supports`; the
transport uses plain ``group_send`` when they are missing.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

_INTERNALS = ("_group_key", "consistent_hash", "connection", "serialize", "prefix")

# channels_redis's group_send script: ZADD each message unless its key is at
# capacity, refresh the key's expiry; returns how many were over capacity.
DELIVER = """
local over_capacity = 0
local current_time = ARGV[#ARGV - 1]
local expiry = ARGV[#ARGV]
for i=1,#KEYS do
    if redis.call('ZCOUNT', KEYS[i], '-inf', '+inf') < tonumber(ARGV[i + #KEYS]) then
        redis.call('ZADD', KEYS[i], current_time, ARGV[i])
        redis.call('EXPIRE', KEYS[i], expiry)
    else
        over_capacity = over_capacity + 1
    end
end
return over_capacity
"""


# The positions (1-based) of the keys that exist: the groups someone is in.
EXISTING = """
local found = {}
for i=1,#KEYS do
    if redis.call('EXISTS', KEYS[i]) == 1 then
        found[#found + 1] = i
    end
end
return found
"""


def supports(layer: Any) -> bool:
    """Whether ``layer`` is a channels_redis ``RedisChannelLayer`` with the internals used."""
    try:
        from channels_redis.core import RedisChannelLayer
    except ImportError:
        return False
    return (
        isinstance(layer, RedisChannelLayer)
        and type(layer).group_send is RedisChannelLayer.group_send
        and all(hasattr(layer, a) for a in _INTERNALS)
    )


async def send_texts(layer: Any, message_type: str, texts: Sequence[tuple[str, str]]) -> int:
    """Deliver each ``(group, text)`` to the group's sockets; return how many were dropped.

    Every socket receives ``{"type": message_type, "texts": {...}}`` and sends
    the frames at ``texts[its channel name]`` (a list, in order).
    """
    now = int(time.time())
    members = await _members(layer, texts, now)

    # Pack one message per worker process (its channels share one Redis key).
    per_key: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for (_, text), channels in zip(texts, members, strict=True):
        for channel in channels:
            frames = per_key[layer.prefix + layer.non_local_name(channel)]
            frames.setdefault(channel, []).append(text)

    by_connection: dict[int, list[tuple[str, bytes, int]]] = defaultdict(list)
    for key, frames in per_key.items():
        channels = list(frames)
        message = {"type": message_type, "texts": frames, "__asgi_channel__": channels}
        index = layer.consistent_hash(layer.non_local_name(channels[0]))
        capacity = layer.get_capacity(channels[0])
        by_connection[index].append((key, layer.serialize(message), capacity))

    dropped = 0
    for index, deliveries in by_connection.items():
        pipe = layer.connection(index).pipeline(transaction=False)
        for key, _, _ in deliveries:
            pipe.zremrangebyscore(key, min=0, max=now - int(layer.expiry))
        pipe.eval(
            DELIVER,
            len(deliveries),
            *(key for key, _, _ in deliveries),
            *(data for _, data, _ in deliveries),
            *(capacity for _, _, capacity in deliveries),
            time.time(),
            layer.expiry,
        )
        replies = await pipe.execute()
        dropped += int(replies[-1])
    return dropped


async def groups_in_use(layer: Any, groups: Sequence[str]) -> set[str]:
    """The groups that have members (or had them within ``group_expiry``).

    One script run per Redis host answers for a whole batch, so a fan-out to
    users who are offline costs almost nothing on Redis or in Python.
    """
    by_connection: dict[int, list[str]] = defaultdict(list)
    for group in groups:
        by_connection[layer.consistent_hash(group)].append(group)
    found: set[str] = set()
    for index, names in by_connection.items():
        keys = [layer._group_key(name) for name in names]
        positions = await layer.connection(index).eval(EXISTING, len(keys), *keys)
        found.update(names[int(position) - 1] for position in positions)
    return found


async def _members(layer: Any, texts: Sequence[tuple[str, str]], now: int) -> list[list[str]]:
    """The live channels of each group, in order: one pipeline per Redis host."""
    by_connection: dict[int, list[int]] = defaultdict(list)
    for position, (group, _) in enumerate(texts):
        by_connection[layer.consistent_hash(group)].append(position)
    members: list[list[str]] = [[] for _ in texts]
    for index, positions in by_connection.items():
        pipe = layer.connection(index).pipeline(transaction=False)
        for position in positions:
            key = layer._group_key(texts[position][0])
            pipe.zremrangebyscore(key, min=0, max=now - layer.group_expiry)
            pipe.zrange(key, 0, -1)
        replies = await pipe.execute()
        for position, found in zip(positions, replies[1::2], strict=True):
            members[position] = [channel.decode("utf8") for channel in found]
    return members
