"""The hub: every open notification socket of this worker process, by user, session and token.

The consumer registers a socket before it accepts the handshake and unregisters it on
every way out. The bus hands the hub each message once; the hub writes each frame to
the matching local sockets, serialised once by the sender. Every socket has its own
bounded queue and writer, so a slow reader never holds up the others: one that falls
``SOCKET_QUEUE_SIZE`` frames behind is closed with 4429 and catches up over REST.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Collection, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from django.db import DatabaseError, connections

from notifications.conf import notifications_settings
from notifications.exceptions import BusUnavailable
from notifications.frames import render_new_rows
from notifications.realtime.bus import get_bus
from notifications.realtime.bus.base import BaseBus
from notifications.realtime.credentials import revoked_sockets
from notifications.realtime.messages import Frames, Message, NewRows, Revoke

logger = logging.getLogger("notifications")

#: Close codes (documented in docs/realtime.md).
CLOSE_UNAUTHENTICATED = 4401  # no user, or the credentials were revoked: do not retry blindly
CLOSE_TOO_SLOW = 4429  # fell too far behind: reconnect and catch up over REST
CLOSE_BUS_UNAVAILABLE = 1013  # "try again later": the bus is down; reconnect with backoff

#: Local users rendered per query when a pointer message arrives.
RENDER_BATCH = 2000

T = TypeVar("T")
Send = Callable[[dict[str, Any]], Awaitable[None]]


class Socket:
    """One open socket: who it belongs to and its queue of frames to write."""

    def __init__(
        self, user_id: int, send: Send, *, session_key: str | None, token_key: str | None
    ) -> None:
        self.user_id = user_id
        self.session_key = session_key
        self.token_key = token_key
        self._send = send
        self._frames: deque[str] = deque()
        self._wakeup = asyncio.Event()
        self._limit = int(notifications_settings.SOCKET_QUEUE_SIZE)
        self.close_code: int | None = None

    def push(self, text: str) -> None:
        """Queue a frame; close the socket with 4429 if it is too far behind."""
        if self.close_code is not None:
            return
        if len(self._frames) >= self._limit:
            logger.warning(
                "Socket of user %s fell %s frames behind: closing it with %s",
                self.user_id,
                self._limit,
                CLOSE_TOO_SLOW,
            )
            self.close(CLOSE_TOO_SLOW)
            return
        self._frames.append(text)
        self._wakeup.set()

    @property
    def queued(self) -> int:
        """Frames waiting to be written."""
        return len(self._frames)

    def close(self, code: int) -> None:
        """Drop the queued frames and close the socket with ``code`` (once)."""
        if self.close_code is None:
            self.close_code = code
            self._frames.clear()
            self._wakeup.set()

    async def write(self) -> None:
        """Write queued frames until the socket is closed (runs as the socket's task)."""
        frames, send = self._frames, self._send
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while frames:
                await send({"type": "websocket.send", "text": frames.popleft()})
            if self.close_code is not None:
                await send({"type": "websocket.close", "code": self.close_code})
                return


class Hub:
    """The sockets of one event loop (one per worker process), fed by the bus.

    The bus calls only what :class:`~notifications.realtime.bus.base.HubPort` names.
    """

    def __init__(self, bus: BaseBus, loop: asyncio.AbstractEventLoop) -> None:
        self.bus = bus
        self.loop = loop
        self.by_user: dict[int, set[Socket]] = {}
        self.by_session: dict[str, set[Socket]] = {}
        self.by_token: dict[str, set[Socket]] = {}
        self.ready = asyncio.Event()
        self._inbox: deque[Message] = deque()
        self._inbox_ready = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._executor: ThreadPoolExecutor | None = None
        self._lost = False

    # -- sockets -------------------------------------------------------------------

    async def register(self, socket: Socket) -> None:
        """Add ``socket``; raise BusUnavailable (refuse it with 1013) if the bus is down.

        Once this returns, every message published afterwards reaches the socket's
        queue, so the consumer accepts the handshake only then.
        """
        self._start()
        try:
            await asyncio.wait_for(self.ready.wait(), notifications_settings.BUS_CONNECT_TIMEOUT)
        except TimeoutError:
            raise BusUnavailable("the bus is not connected") from None
        first = socket.user_id not in self.by_user
        self._index(socket)
        if first:
            try:
                await self.bus.join(socket.user_id)
            except BusUnavailable:
                self.unregister(socket, announce=False)
                raise

    def unregister(self, socket: Socket, *, announce: bool = True) -> None:
        """Forget ``socket`` (idempotent); tell the bus when it was the user's last."""
        mine = self.by_user.get(socket.user_id)
        if mine is None or socket not in mine:
            return
        mine.discard(socket)
        for index, key in (
            (self.by_session, socket.session_key),
            (self.by_token, socket.token_key),
        ):
            if key is not None and key in index:
                index[key].discard(socket)
                if not index[key]:
                    del index[key]
        if not mine:
            del self.by_user[socket.user_id]
            if announce:
                self._spawn(self._leave(socket.user_id))

    def users(self) -> Collection[int]:
        """The users with at least one registered socket."""
        return self.by_user.keys()

    def sockets(self) -> list[Socket]:
        """Every registered socket."""
        return [socket for group in self.by_user.values() for socket in group]

    # -- messages ------------------------------------------------------------------

    def dispatch(self, message: Message) -> None:
        """Take a message from the bus (in the hub's loop); handled in arrival order."""
        self._inbox.append(message)
        self._inbox_ready.set()

    def dispatch_threadsafe(self, message: Message) -> None:
        """:meth:`dispatch` from any thread."""
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody to tell
            self.loop.call_soon_threadsafe(self.dispatch, message)

    def bus_ready(self) -> None:
        """The bus is listening: sockets may register."""
        if self._lost:
            logger.warning("Notifications bus is back: sockets are accepted again.")
            self._lost = False
        self.ready.set()

    def bus_lost(self, error: BaseException) -> None:
        """The bus failed: close every socket with 1013 so that clients catch up later."""
        self.ready.clear()
        if not self._lost:
            logger.warning(
                "Notifications bus unavailable (%r): closing %s sockets with %s.",
                error,
                len(self.sockets()),
                CLOSE_BUS_UNAVAILABLE,
            )
            self._lost = True
        for socket in self.sockets():
            socket.close(CLOSE_BUS_UNAVAILABLE)

    def deliver(self, frames: Iterable[tuple[int, str]]) -> None:
        """Queue each frame on every local socket of its user."""
        by_user = self.by_user
        for user_id, text in frames:
            for socket in by_user.get(user_id, ()):
                socket.push(text)

    def revoke(self, revoke: Revoke) -> None:
        """Close with 4401 the local sockets that ``revoke`` names."""
        doomed: set[Socket] = set()
        if revoke.user_id is not None:
            doomed |= self.by_user.get(revoke.user_id, set())
        if revoke.session_key is not None:
            doomed |= self.by_session.get(revoke.session_key, set())
        if revoke.token_key is not None:
            doomed |= self.by_token.get(revoke.token_key, set())
        for socket in doomed:
            socket.close(CLOSE_UNAUTHENTICATED)

    async def run_sync(self, function: Callable[..., T], *args: Any) -> T:
        """Run database work on the hub's own thread (one connection per worker)."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="notifications-hub")
        return await self.loop.run_in_executor(self._executor, _with_connection, function, *args)

    async def close(self) -> None:
        """Stop the hub's tasks and release its database connection (tests, shutdown)."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        if self._executor is not None:
            await self.loop.run_in_executor(self._executor, connections.close_all)
            self._executor.shutdown(wait=False)
            self._executor = None

    # -- internals -----------------------------------------------------------------

    def _index(self, socket: Socket) -> None:
        self.by_user.setdefault(socket.user_id, set()).add(socket)
        if socket.session_key is not None:
            self.by_session.setdefault(socket.session_key, set()).add(socket)
        if socket.token_key is not None:
            self.by_token.setdefault(socket.token_key, set()).add(socket)

    def _start(self) -> None:
        if self._tasks:
            return
        self._spawn(self._listen())
        self._spawn(self._handle_messages())
        self._spawn(self._revalidate_forever())

    def _spawn(self, coroutine: Awaitable[None]) -> None:
        task: asyncio.Task[None] = self.loop.create_task(coroutine)  # type: ignore[arg-type]
        self._tasks.append(task)
        task.add_done_callback(self._forget)

    def _forget(self, task: asyncio.Task[None]) -> None:
        with contextlib.suppress(ValueError):
            self._tasks.remove(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("Notifications hub task failed", exc_info=task.exception())

    async def _listen(self) -> None:
        await self.bus.listen(self)

    async def _leave(self, user_id: int) -> None:
        if user_id in self.by_user:  # a new socket of the user came in meanwhile
            return
        with contextlib.suppress(BusUnavailable):  # presence expires on its own then
            await self.bus.leave(user_id)

    async def _handle_messages(self) -> None:
        while True:
            await self._inbox_ready.wait()
            self._inbox_ready.clear()
            while self._inbox:
                message = self._inbox.popleft()
                if isinstance(message, Frames):
                    self.deliver(message.frames)
                elif isinstance(message, NewRows):
                    await self._render(message)
                else:
                    self.revoke(message)

    async def _render(self, pointer: NewRows) -> None:
        low, high = pointer.users
        local = sorted(user_id for user_id in self.by_user if low <= user_id <= high)
        for start in range(0, len(local), RENDER_BATCH):
            batch = local[start : start + RENDER_BATCH]
            try:
                frames = await self.run_sync(
                    render_new_rows, pointer.event_id, batch, pointer.ids, pointer.seq
                )
            except DatabaseError:
                logger.exception("Could not render the pushes of event %s", pointer.event_id)
                return
            self.deliver(frames)

    async def _revalidate_forever(self) -> None:
        while True:
            await asyncio.sleep(notifications_settings.REVALIDATE_INTERVAL)
            sockets = self.sockets()
            if not sockets:
                continue
            try:
                doomed = await self.run_sync(revoked_sockets, sockets)
            except DatabaseError:
                logger.exception("Could not revalidate the sockets' credentials")
                continue
            for socket in doomed:
                socket.close(CLOSE_UNAUTHENTICATED)


def _with_connection(function: Callable[..., T], *args: Any) -> T:
    """Run ``function``; drop the thread's connection if the database failed under it."""
    try:
        return function(*args)
    except DatabaseError:
        connections.close_all()
        raise


_hubs: dict[asyncio.AbstractEventLoop, Hub] = {}


def get_hub() -> Hub:
    """The hub of the running event loop, created on first use."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        for stale in [other for other in _hubs if other.is_closed()]:
            del _hubs[stale]
        hub = _hubs[loop] = Hub(get_bus(), loop)
    return hub


def running_hubs() -> list[Hub]:
    """The hubs of this process whose loop still runs (the local bus delivers to them)."""
    return [hub for loop, hub in list(_hubs.items()) if not loop.is_closed()]


async def close_hubs() -> None:
    """Close the hub of the running loop and forget every hub (tests; setting changes)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.pop(loop, None)
    _hubs.clear()
    if hub is not None:
        await hub.close()
