"""The Redis bus: pub/sub between workers, one channel per user, so frames go where users are.

A worker subscribes, on its one pub/sub connection, to the channel of every user with
a socket on it (``<prefix>:u:<id>``) and to the broadcast channel (``<prefix>:all``).
A push to a user is one ``PUBLISH`` to that user's channel: Redis hands it to exactly
the workers subscribed to it, so its cost does not depend on how many workers there
are. Presence *is* the subscription: a worker that dies (even with SIGKILL) loses its
connection and with it every subscription, at once; one whose host vanishes without a
FIN is dropped by Redis's ``tcp-keepalive`` or its pub/sub output-buffer limit.
Pointers (large audiences) and revocations go to the broadcast channel. The frames'
ordering marker (``seq``) comes from one server-side counter (``<prefix>:seq``, one
small script: :meth:`RedisBus.sequence`), reserved before the frame's counts are read.

On a Redis Cluster (``NOTIFICATIONS["REDIS_CLUSTER_URLS"]``) the same channels are
sharded (``SPUBLISH``/``SSUBSCRIBE``): each lives on the shard that owns its slot, so
pushes spread over the shards and never cross the cluster bus. The bus's only key is
the marker's counter (nothing to co-locate with hash tags). A worker whose shard fails
closes its sockets with 1013 and reconnects to the new topology; clients catch up over
REST.

With Redis Sentinel (``NOTIFICATIONS["REDIS_SENTINEL_URLS"]``) the bus asks the
sentinels for the current primary and follows a failover: the worker's pub/sub
connection breaks, its sockets get 1013, and it reconnects to the promoted replica.

Everything is redis-py's public API: the sender uses the synchronous client (no event
loop per call), the workers the asyncio one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import unquote, urlsplit

import redis
import redis.asyncio
import redis.asyncio.cluster
import redis.asyncio.retry
import redis.asyncio.sentinel
import redis.cluster
import redis.sentinel
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

from notifications import metrics
from notifications.conf import notifications_settings
from notifications.exceptions import BusUnavailable, NotificationsImproperlyConfigured
from notifications.realtime.bus.base import BaseBus, HubPort
from notifications.realtime.messages import Frames, Message, decode_message, encode_message

logger = logging.getLogger("notifications")

#: The next frame marker (``seq``): the greater of the last one + 1 and the server's
#: clock in microseconds, so it keeps growing even if Redis restarts empty or evicts
#: the key. One key: on a Redis Cluster it lives on the shard that owns its slot.
NEXT_SEQ = """
local now = redis.call('TIME')
local seq = math.max(tonumber(redis.call('GET', KEYS[1]) or 0) + 1, now[1] * 1000000 + now[2])
redis.call('SET', KEYS[1], string.format('%d', seq))
return string.format('%d', seq)
"""

ERRORS = (RedisError, OSError)
#: Connections of a worker's pool besides its pub/sub connection(s).
WORKER_CONNECTIONS = 4
#: Seconds between two checks that every cluster primary answers (cluster mode only:
#: redis-py's sharded pub/sub hides one failing shard, and its sockets must be told).
CLUSTER_CHECK_EVERY = 0.5


def user_channel(prefix: str, user_id: int) -> str:
    """The channel that carries the frames of ``user_id``."""
    return f"{prefix}:u:{user_id}"


def _startup_nodes(urls: Iterable[str]) -> tuple[list[tuple[str, int]], dict[str, Any]]:
    """Host and port of each cluster URL, and the credentials of the first one."""
    nodes: list[tuple[str, int]] = []
    credentials: dict[str, Any] = {}
    for url in urls:
        parts = urlsplit(url)
        nodes.append((parts.hostname or "127.0.0.1", parts.port or 6379))
        if not credentials and parts.password:
            credentials = {
                "username": unquote(parts.username) if parts.username else None,
                "password": unquote(parts.password),
            }
    return nodes, credentials


class _Link:
    """A worker's subscription state in one event loop: client, pub/sub, pending acks."""

    def __init__(self, client: Any, hub: HubPort) -> None:
        self.client = client
        self.hub = hub
        self.pubsub: Any = None
        #: Serialises (un)subscriptions, so a leave and a rejoin never cross.
        self.lock = asyncio.Lock()
        #: channel -> futures waiting for its subscription to be confirmed.
        self.acks: dict[str, list[tuple[set[str], asyncio.Future[None]]]] = {}
        self.joining: tuple[set[int], asyncio.Future[None]] | None = None

    def confirmed(self, channel: str) -> None:
        for waiting, future in self.acks.pop(channel, ()):
            waiting.discard(channel)
            if not waiting and not future.done():
                future.set_result(None)

    def fail(self, error: BaseException) -> None:
        for entries in self.acks.values():
            for _, future in entries:
                if not future.done():
                    future.set_exception(BusUnavailable(str(error)))
                    future.exception()  # retrieved: a cancelled joiner does not warn
        self.acks.clear()


class RedisBus(BaseBus):
    """Messages over ``NOTIFICATIONS["REDIS_URL"]`` or a Redis Cluster.

    Needs ``pip install 'django-rest-notifications[redis]'``.
    """

    def __init__(self) -> None:
        cluster = notifications_settings.REDIS_CLUSTER_URLS
        sentinels = notifications_settings.REDIS_SENTINEL_URLS
        url = notifications_settings.REDIS_URL
        if not url and not cluster and not sentinels:
            raise NotificationsImproperlyConfigured(
                'The redis bus needs NOTIFICATIONS["REDIS_URL"], e.g. "redis://127.0.0.1:6379/0" '
                "(or REDIS_CLUSTER_URLS for a Redis Cluster, REDIS_SENTINEL_URLS for Sentinel)."
            )
        self.cluster = bool(cluster)
        self.sentinel = not cluster and bool(sentinels)
        self.service = str(notifications_settings.REDIS_SENTINEL_SERVICE)
        chosen = cluster or sentinels or [url]
        self.urls = [str(u) for u in chosen]
        self.prefix = str(notifications_settings.REDIS_PREFIX)
        self.all_channel = f"{self.prefix}:all"
        self._sync: Any = None
        self._next_seq: Any = None
        self._pid = -1
        self._links: dict[asyncio.AbstractEventLoop, _Link] = {}

    @property
    def where(self) -> str:
        where = ", ".join(self.urls)
        return f"{where} (service {self.service!r})" if self.sentinel else where

    # -- sender side --------------------------------------------------------------

    def _client(self) -> Any:
        if self._sync is None or self._pid != os.getpid():
            self._pid = os.getpid()
            options: dict[str, Any] = {
                "socket_connect_timeout": 1,
                "socket_timeout": 2,
                "retry": Retry(ExponentialBackoff(cap=0.5, base=0.05), 2),
                "retry_on_error": [RedisConnectionError, RedisTimeoutError],
            }
            if self.cluster:
                nodes, credentials = _startup_nodes(self.urls)
                self._sync = redis.cluster.RedisCluster(
                    startup_nodes=[
                        redis.cluster.ClusterNode(h, p)  # type: ignore[no-untyped-call]
                        for h, p in nodes
                    ],
                    **credentials,
                    **options,
                )
            elif self.sentinel:
                nodes, credentials = _startup_nodes(self.urls)
                self._sync = redis.sentinel.Sentinel(nodes, **options).master_for(
                    self.service, health_check_interval=30, **credentials
                )
            else:
                self._sync = redis.Redis.from_url(self.urls[0], health_check_interval=30, **options)
            self._next_seq = self._sync.register_script(NEXT_SEQ)
        return self._sync

    def sequence(self) -> int:
        """One round trip after commit: a server-side counter, before the counts are read."""
        try:
            self._client()
            return int(self._next_seq(keys=[f"{self.prefix}:seq"]))
        except ERRORS as error:
            raise BusUnavailable(f"Redis at {self.where}: {error}") from error

    def publish(self, messages: Sequence[Message]) -> None:
        """One publish per recipient user (frames) or per broadcast (pointers, revocations)."""
        try:
            client = self._client()
            with client.pipeline(transaction=False) as pipe:
                for channel, body in self._outgoing(messages):
                    if self.cluster:
                        pipe.spublish(channel, body)
                    else:
                        pipe.publish(channel, body)
                pipe.execute()
        except ERRORS as error:
            raise BusUnavailable(f"Redis at {self.where}: {error}") from error

    def _outgoing(self, messages: Sequence[Message]) -> Iterable[tuple[str, str]]:
        """(channel, payload) pairs; a payload is ``<sender's time.time()> <envelope>``."""
        sent = f"{time.time():.6f} "
        for message in messages:
            if isinstance(message, Frames):
                by_user: dict[int, list[tuple[int, str]]] = {}
                for user_id, text in message.frames:
                    by_user.setdefault(user_id, []).append((user_id, text))
                for user_id, frames in by_user.items():
                    yield (
                        user_channel(self.prefix, user_id),
                        sent + encode_message(Frames(tuple(frames))),
                    )
            else:
                yield self.all_channel, sent + encode_message(message)

    # -- worker side --------------------------------------------------------------

    def _worker_client(self) -> Any:
        options: dict[str, Any] = {
            "socket_connect_timeout": 2,
            "socket_timeout": 5,
            "retry": redis.asyncio.retry.Retry(ExponentialBackoff(cap=0.5, base=0.05), 2),
            "retry_on_error": [RedisConnectionError, RedisTimeoutError],
        }
        if self.cluster:
            nodes, credentials = _startup_nodes(self.urls)
            return redis.asyncio.cluster.RedisCluster(
                startup_nodes=[redis.asyncio.cluster.ClusterNode(h, p) for h, p in nodes],
                max_connections=WORKER_CONNECTIONS,
                **credentials,
                **options,
            )
        if self.sentinel:
            nodes, credentials = _startup_nodes(self.urls)
            return redis.asyncio.sentinel.Sentinel(nodes, **options).master_for(
                self.service, health_check_interval=5, **credentials
            )
        pool = redis.asyncio.BlockingConnectionPool.from_url(
            self.urls[0],
            max_connections=WORKER_CONNECTIONS,
            timeout=notifications_settings.BUS_CONNECT_TIMEOUT,
            health_check_interval=5,
            **options,
        )
        return redis.asyncio.Redis(connection_pool=pool)

    async def join(self, user_id: int) -> None:
        """Subscribe to the user's channel; return once Redis confirmed it.

        Joins that arrive together share one command (a thousand sockets connecting at
        once cost a few round trips).
        """
        link = self._links.get(asyncio.get_running_loop())
        if link is None or link.pubsub is None:
            raise BusUnavailable("the bus is not connected")
        if link.joining is None:
            link.joining = (set(), asyncio.get_running_loop().create_future())
            asyncio.get_running_loop().call_soon(
                lambda: asyncio.ensure_future(self._flush_joins(link))
            )
        batch = link.joining
        batch[0].add(user_id)
        try:
            await asyncio.wait_for(
                asyncio.shield(batch[1]), notifications_settings.BUS_CONNECT_TIMEOUT
            )
        except TimeoutError:
            raise BusUnavailable("Redis did not confirm the subscription in time") from None

    async def _flush_joins(self, link: _Link) -> None:
        assert link.joining is not None
        users, done = link.joining
        link.joining = None
        channels = {user_channel(self.prefix, user_id) for user_id in users}
        waiting: set[str] = set(channels)
        confirmed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        for channel in channels:
            link.acks.setdefault(channel, []).append((waiting, confirmed))
        try:
            async with link.lock:
                await self._subscribe(link, sorted(channels))
            await confirmed
        except (*ERRORS, BusUnavailable) as error:
            done.set_exception(BusUnavailable(str(error)))
            done.exception()
        else:
            done.set_result(None)

    async def leave(self, user_id: int) -> None:
        link = self._links.get(asyncio.get_running_loop())
        if link is None or link.pubsub is None:
            return  # the connection is gone, and its subscriptions with it
        try:
            async with link.lock:
                if user_id in link.hub.users():
                    return  # a socket of the user came back meanwhile
                channel = user_channel(self.prefix, user_id)
                if self.cluster:
                    await link.pubsub.sunsubscribe(channel)
                else:
                    await link.pubsub.unsubscribe(channel)
        except ERRORS as error:
            raise BusUnavailable(str(error)) from error

    async def _subscribe(self, link: _Link, channels: Sequence[str]) -> None:
        if self.cluster:
            await link.pubsub.ssubscribe(*channels)
        else:
            await link.pubsub.subscribe(*channels)

    async def listen(self, hub: HubPort) -> None:
        loop = asyncio.get_running_loop()
        delay = 0.1
        while True:
            link = self._links[loop] = _Link(self._worker_client(), hub)
            try:
                link.pubsub = link.client.pubsub()
                await self._resubscribe(link)
                if self.cluster:
                    await self._check_primaries(link)
                hub.bus_ready()
                delay = 0.1
                await self._read(link)
            except ERRORS as error:
                link.fail(error)
                hub.bus_lost(error)
                await self._close(link)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)
            except asyncio.CancelledError:
                link.fail(BusUnavailable("the worker is stopping"))
                self._links.pop(loop, None)
                await self._close(link)
                raise

    async def _resubscribe(self, link: _Link) -> None:
        """Subscribe to the broadcast channel and every local user's channel; wait for Redis."""
        channels = [self.all_channel] + [
            user_channel(self.prefix, user_id) for user_id in list(link.hub.users())
        ]
        confirmed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiting = set(channels)
        for channel in channels:
            link.acks.setdefault(channel, []).append((waiting, confirmed))
        async with link.lock:
            await self._subscribe(link, channels)
        deadline = time.monotonic() + notifications_settings.BUS_CONNECT_TIMEOUT
        while not confirmed.done():
            if time.monotonic() > deadline:
                raise RedisTimeoutError("subscriptions not confirmed in time")
            await self._read_one(link, 0.1)

    async def _read(self, link: _Link) -> None:
        check_at = time.monotonic() + CLUSTER_CHECK_EVERY
        while True:
            await self._read_one(link, 0.1 if self.cluster else 1.0)
            if self.cluster and time.monotonic() >= check_at:
                await self._check_primaries(link)
                check_at = time.monotonic() + CLUSTER_CHECK_EVERY

    async def _check_primaries(self, link: _Link) -> None:
        """Raise unless every primary answers (a failed shard means lost pushes)."""
        await asyncio.wait_for(
            link.client.ping(target_nodes=redis.asyncio.cluster.RedisCluster.PRIMARIES),
            notifications_settings.BUS_CONNECT_TIMEOUT,
        )

    async def _read_one(self, link: _Link, timeout: float) -> None:
        if self.cluster:
            message = await link.pubsub.get_sharded_message(timeout=timeout)
        else:
            message = await link.pubsub.get_message(timeout=timeout)
        if message is None:
            return
        kind = message["type"]
        if kind in ("message", "smessage"):
            data = message["data"]
            sent, space, body = data.partition(b" ")
            if not space:  # an envelope without the sender's time
                sent, body = b"", data
            decoded = decode_message(body)
            if decoded is not None:
                with contextlib.suppress(ValueError):
                    metrics.bus_lag(time.time() - float(sent))
                link.hub.dispatch(decoded)
        elif kind in ("subscribe", "ssubscribe"):
            channel = message["channel"]
            link.confirmed(channel.decode() if isinstance(channel, bytes) else str(channel))

    async def _close(self, link: _Link) -> None:
        if link.pubsub is not None:
            with contextlib.suppress(*ERRORS):
                await link.pubsub.aclose()
        with contextlib.suppress(*ERRORS):
            await link.client.aclose()

    def close(self) -> None:
        if self._sync is not None:
            self._sync.close()
            self._sync = None
