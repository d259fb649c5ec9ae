"""The Redis bus: pub/sub between workers, with presence so that frames go where users are.

Each worker has an id, a channel of its own and a presence set (the users with a socket
on it), refreshed by a heartbeat every ``PRESENCE_TTL / 3`` seconds and expiring after
``PRESENCE_TTL``: a worker killed with SIGKILL stops being addressed within seconds.
Rendered frames go through a script of ours that publishes to each live worker only
the frames of its users (one round trip per batch); pointers and revocations go to
every worker. Everything is redis-py's public API; the sender uses the synchronous
client (no event loop per call), the workers the asyncio one, and both reconnect on
their own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Sequence
from typing import Any

import redis
import redis.asyncio
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

from notifications.conf import notifications_settings
from notifications.exceptions import BusUnavailable, NotificationsImproperlyConfigured
from notifications.realtime import messages as wire
from notifications.realtime.bus.base import BaseBus, HubPort
from notifications.realtime.messages import Frames, Message, decode_message, encode_message

logger = logging.getLogger("notifications")

#: Publishes rendered frames to the live workers that hold their users.
#: KEYS[1] the workers' heartbeat set; ARGV[1] the key prefix, ARGV[2] the TTL (s),
#: ARGV[3] the envelope's version, ARGV[4] its kind (:mod:`~notifications.realtime.messages`),
#: ARGV[5..] user id and frame text, in pairs.
ROUTE_FRAMES = """
local now = redis.call('TIME')
local oldest = tonumber(now[1]) - tonumber(ARGV[2])
local workers = redis.call('ZRANGEBYSCORE', KEYS[1], oldest, '+inf')
local published = 0
for _, worker in ipairs(workers) do
  local presence = ARGV[1] .. ':presence:' .. worker
  local out = {}
  for i = 5, #ARGV, 2 do
    if redis.call('SISMEMBER', presence, ARGV[i]) == 1 then
      out[#out + 1] = ARGV[i]
      out[#out + 1] = ARGV[i + 1]
    end
  end
  if #out > 0 then
    local body = cjson.encode({v = tonumber(ARGV[3]), k = ARGV[4], f = out})
    redis.call('PUBLISH', ARGV[1] .. ':worker:' .. worker, body)
    published = published + 1
  end
end
return published
"""

#: Marks a worker alive: its heartbeat score is the server's clock.
HEARTBEAT = """
local now = redis.call('TIME')
redis.call('ZADD', KEYS[1], tonumber(now[1]), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(now[1]) - 10 * tonumber(ARGV[2]))
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('EXPIRE', KEYS[2], ARGV[2]) end
return 1
"""

#: The next frame marker: the greater of the last one + 1 and the server's clock in
#: microseconds, so it keeps growing even if Redis restarts empty or evicts the key.
NEXT_SEQ = """
local now = redis.call('TIME')
local seq = math.max(tonumber(redis.call('GET', KEYS[1]) or 0) + 1, now[1] * 1000000 + now[2])
redis.call('SET', KEYS[1], string.format('%d', seq))
return string.format('%d', seq)
"""

ERRORS = (RedisError, OSError)
#: Connections of a worker's pool (its pub/sub connection comes on top).
WORKER_CONNECTIONS = 20


class RedisBus(BaseBus):
    """Messages over ``NOTIFICATIONS["REDIS_URL"]``.

    Needs ``pip install 'django-rest-notifications[redis]'``.
    """

    def __init__(self) -> None:
        url = notifications_settings.REDIS_URL
        if not url:
            raise NotificationsImproperlyConfigured(
                'The redis bus needs NOTIFICATIONS["REDIS_URL"], e.g. "redis://127.0.0.1:6379/0".'
            )
        self.url = str(url)
        prefix = notifications_settings.REDIS_PREFIX
        self.workers_key = f"{prefix}:workers"
        self.all_channel = f"{prefix}:all"
        self.prefix = prefix
        self.worker = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._sync: redis.Redis | None = None
        self._route: Any = None
        self._next_seq: Any = None
        # One asyncio client per event loop (a worker has one; tests have many in turn).
        self._async: dict[asyncio.AbstractEventLoop, redis.asyncio.Redis] = {}
        self._joining: dict[asyncio.AbstractEventLoop, tuple[set[int], asyncio.Future[None]]] = {}

    @property
    def presence_key(self) -> str:
        return f"{self.prefix}:presence:{self.worker}"

    # -- sender side --------------------------------------------------------------

    def _client(self) -> redis.Redis:
        if self._sync is None or self._pid != os.getpid():
            self._pid = os.getpid()
            self._sync = redis.Redis.from_url(
                self.url,
                socket_connect_timeout=1,
                socket_timeout=2,
                retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), 2),
                retry_on_error=[RedisConnectionError, RedisTimeoutError],
                health_check_interval=30,
            )
            self._route = self._sync.register_script(ROUTE_FRAMES)
            self._next_seq = self._sync.register_script(NEXT_SEQ)
        return self._sync

    _pid = -1

    def sequence(self) -> int:
        """One round trip after commit: a server-side counter, before the counts are read."""
        self._client()
        try:
            return int(self._next_seq(keys=[f"{self.prefix}:seq"]))
        except ERRORS as error:
            raise BusUnavailable(f"Redis at {self.url}: {error}") from error

    def publish(self, messages: Sequence[Message]) -> None:
        client = self._client()
        ttl = notifications_settings.PRESENCE_TTL
        try:
            with client.pipeline(transaction=False) as pipe:
                for message in messages:
                    if isinstance(message, Frames):
                        if message.frames:
                            args: list[Any] = [self.prefix, ttl, wire.VERSION, wire.FRAMES]
                            for user_id, text in message.frames:
                                args += (user_id, text)
                            self._route(keys=[self.workers_key], args=args, client=pipe)
                    else:
                        pipe.publish(self.all_channel, encode_message(message))
                pipe.execute()
        except ERRORS as error:
            raise BusUnavailable(f"Redis at {self.url}: {error}") from error

    # -- worker side --------------------------------------------------------------

    def _worker_client(self) -> redis.asyncio.Redis:
        loop = asyncio.get_running_loop()
        client = self._async.get(loop)
        if client is None:
            for stale in [other for other in self._async if other.is_closed()]:
                del self._async[stale]
            # A blocking pool: a burst of sockets waits for a connection instead of
            # failing with MaxConnectionsError (redis-py's default pool raises).
            pool = redis.asyncio.BlockingConnectionPool.from_url(
                self.url,
                max_connections=WORKER_CONNECTIONS,
                timeout=notifications_settings.BUS_CONNECT_TIMEOUT,
                socket_connect_timeout=2,
                socket_timeout=5,
                retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), 2),
                retry_on_error=[RedisConnectionError, RedisTimeoutError],
                health_check_interval=5,
            )
            client = self._async[loop] = redis.asyncio.Redis(connection_pool=pool)
        return client

    async def join(self, user_id: int) -> None:
        """Add the user to this worker's presence; joins that arrive together share one
        round trip (a thousand sockets connecting at once cost a few requests)."""
        loop = asyncio.get_running_loop()
        batch = self._joining.get(loop)
        if batch is None:
            batch = self._joining[loop] = (set(), loop.create_future())
            loop.call_soon(lambda: asyncio.ensure_future(self._flush_joins(loop)))
        batch[0].add(user_id)
        await asyncio.shield(batch[1])

    async def _flush_joins(self, loop: asyncio.AbstractEventLoop) -> None:
        users, done = self._joining.pop(loop)
        try:
            async with self._worker_client().pipeline(transaction=False) as pipe:
                pipe.sadd(self.presence_key, *users)
                pipe.expire(self.presence_key, notifications_settings.PRESENCE_TTL)
                await pipe.execute()
        except ERRORS as error:
            done.set_exception(BusUnavailable(str(error)))
            done.exception()  # retrieved: joiners that were cancelled do not warn
        else:
            done.set_result(None)

    async def leave(self, user_id: int) -> None:
        try:
            await self._worker_client().srem(self.presence_key, user_id)
        except ERRORS as error:
            raise BusUnavailable(str(error)) from error

    async def listen(self, hub: HubPort) -> None:
        ttl = notifications_settings.PRESENCE_TTL
        delay = 0.1
        while True:
            pubsub = None
            try:
                client = self._worker_client()
                heartbeat = client.register_script(HEARTBEAT)
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                await pubsub.subscribe(f"{self.prefix}:worker:{self.worker}", self.all_channel)
                await self._announce(client, hub, heartbeat)
                hub.bus_ready()
                delay = 0.1
                beat_at = time.monotonic() + ttl / 3
                while True:
                    message = await pubsub.get_message(timeout=min(1.0, ttl / 3))
                    if message is not None and message["type"] == "message":
                        decoded = decode_message(message["data"])
                        if decoded is not None:
                            hub.dispatch(decoded)
                    if time.monotonic() >= beat_at:
                        beat_at = time.monotonic() + ttl / 3
                        await heartbeat(
                            keys=[self.workers_key, self.presence_key], args=[self.worker, ttl]
                        )
            except ERRORS as error:
                hub.bus_lost(error)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)
            except asyncio.CancelledError:
                await self._retire()
                raise
            finally:
                if pubsub is not None:
                    with contextlib.suppress(*ERRORS):
                        await pubsub.aclose()  # type: ignore[no-untyped-call,unused-ignore]

    async def _announce(self, client: redis.asyncio.Redis, hub: HubPort, heartbeat: Any) -> None:
        """(Re)state this worker's presence: after a reconnect Redis may have lost it."""
        ttl = notifications_settings.PRESENCE_TTL
        async with client.pipeline(transaction=False) as pipe:
            pipe.delete(self.presence_key)
            users = list(hub.users())
            if users:
                pipe.sadd(self.presence_key, *users)
                pipe.expire(self.presence_key, ttl)
            await pipe.execute()
        await heartbeat(keys=[self.workers_key, self.presence_key], args=[self.worker, ttl])

    async def _retire(self) -> None:
        """A worker that stops cleanly leaves at once instead of after the TTL."""
        try:
            async with self._worker_client().pipeline(transaction=False) as pipe:
                pipe.delete(self.presence_key)
                pipe.zrem(self.workers_key, self.worker)
                await pipe.execute()
        except ERRORS:
            pass
        client = self._async.pop(asyncio.get_running_loop(), None)
        if client is not None:
            with contextlib.suppress(*ERRORS):
                await client.aclose()

    def close(self) -> None:
        if self._sync is not None:
            self._sync.close()
            self._sync = None
