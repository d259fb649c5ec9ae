"""The small interface every bus implements, and what a bus may call on a hub.

The messages themselves live in :mod:`notifications.realtime.messages` (re-exported here).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Sequence
from typing import Any, ClassVar, Protocol, TypeVar

from notifications.realtime.messages import (
    VERSION,
    Frames,
    Message,
    NewRows,
    Revoke,
    decode_message,
    encode_message,
)

__all__ = [
    "VERSION",
    "BaseBus",
    "Frames",
    "HubPort",
    "Message",
    "NewRows",
    "Revoke",
    "decode_message",
    "encode_message",
]

T = TypeVar("T")

_seq_lock = threading.Lock()
_last_seq = 0


class HubPort(Protocol):
    """Everything a bus may call on the hub it feeds (:class:`~notifications.realtime.hub.Hub`)."""

    def dispatch(self, message: Message) -> None:
        """Take a message (in the hub's event loop); messages are handled in arrival order."""

    def dispatch_threadsafe(self, message: Message) -> None:
        """:meth:`dispatch` from any thread."""

    def bus_ready(self) -> None:
        """The bus listens: sockets may register (again)."""

    def bus_lost(self, error: BaseException) -> None:
        """The bus failed: the hub closes its sockets with 1013 until :meth:`bus_ready`."""

    def users(self) -> Collection[int]:
        """The users with at least one socket on this hub (presence)."""

    async def run_sync(self, function: Callable[..., T], *args: Any) -> T:
        """Run blocking (database) work on the hub's own thread."""


class BaseBus:
    """Carries messages from any process of the project to every worker's :class:`Hub`.

    One instance serves a process (:func:`notifications.realtime.bus.get_bus`). The sending side
    is synchronous, the receiving side runs in each ASGI worker's event loop.

    Subclasses implement:

    - :meth:`publish` (sender side): hand ``messages`` over for every worker. Called in
      the writing transaction when :attr:`in_transaction` is True (the messages then
      commit or roll back with the rows), otherwise right after commit. Raises
      :class:`~notifications.exceptions.BusUnavailable` when the messages could not be
      handed over; the caller logs it (the rows are saved; clients catch up over REST).
    - :meth:`listen` (worker side): run until cancelled, passing every message published
      from the moment it calls ``hub.bus_ready()`` to ``hub.dispatch(message)``, in
      publication order. When the bus is lost it calls ``hub.bus_lost(error)`` (the hub
      closes its sockets with 1013 so that clients catch up), reconnects on its own and
      calls ``hub.bus_ready()`` again. It calls nothing else than :class:`HubPort` names.

    They override :meth:`sequence` when the process-local default does not order the
    frames of several processes (the database and Redis buses do).

    They may override :meth:`join` and :meth:`leave`, told when a user's first socket
    on this worker opens and its last one closes, to address messages only to the
    workers that hold the user (presence). They raise ``BusUnavailable`` when the bus
    is down, so that the socket is refused with 1013.
    """

    #: True when :meth:`publish` must run inside the transaction that wrote the rows.
    in_transaction: ClassVar[bool] = False
    #: True from a failed publish until the next one succeeds (the outage is logged once).
    failing: bool = False

    def publish(self, messages: Sequence[Message]) -> None:
        raise NotImplementedError

    def sequence(self) -> int:
        """Reserve the marker (``seq``) of frames about to be built, before their counts
        are read.

        Called where :meth:`publish` is (in the transaction when :attr:`in_transaction`,
        after commit otherwise). Contract: a marker reserved after another one is
        greater, and a frame built with it reads counts that include every change of
        its user committed before that other one: then the frame with the greatest
        marker a client holds has its user's latest counts. The default is exact within
        one process (microseconds since the epoch, made strictly increasing); across
        processes it is only as ordered as their clocks. Raises ``BusUnavailable``.
        """
        global _last_seq
        with _seq_lock:
            _last_seq = max(_last_seq + 1, time.time_ns() // 1000)
            return _last_seq

    async def listen(self, hub: HubPort) -> None:
        raise NotImplementedError

    async def join(self, user_id: int) -> None:
        """The first socket of ``user_id`` opened on this worker."""

    async def leave(self, user_id: int) -> None:
        """The last socket of ``user_id`` on this worker closed."""

    def wake(self) -> None:
        """A message was just published from this process: deliver it without waiting.

        Buses that poll override it; it may be called from any thread.
        """

    def close(self) -> None:
        """Release connections (called when the setting changes and in tests)."""
