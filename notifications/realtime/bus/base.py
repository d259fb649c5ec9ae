"""What travels between processes, and the small interface every bus implements."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from notifications.realtime.hub import Hub

#: Bumped only for an incompatible change; a worker ignores messages of another version
#: (and of kinds it does not know), so old and new workers can run side by side.
VERSION = 1


@dataclass(frozen=True)
class Frames:
    """Rendered frames, each for every socket of one user: ``[(user_id, text), ...]``."""

    frames: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class NewRows:
    """A pointer to the new notifications of an event, for a large audience.

    Each worker renders the ``new`` frames of its own connected recipients whose id is
    in ``users`` (inclusive); ``ids`` (inclusive), when set, limits the rows to those a
    background chunk created.
    """

    event_id: int
    users: tuple[int, int]
    ids: tuple[int, int] | None = None


@dataclass(frozen=True)
class Revoke:
    """Close the sockets of a user, of a session or of a token, wherever they are."""

    user_id: int | None = None
    session_key: str | None = None
    token_key: str | None = None


Message = Frames | NewRows | Revoke


def encode_message(message: Message) -> str:
    """The message as compact JSON (the form every bus carries)."""
    body: dict[str, Any] = {"v": VERSION}
    if isinstance(message, Frames):
        body["k"] = "f"
        body["f"] = [part for frame in message.frames for part in frame]
    elif isinstance(message, NewRows):
        body.update(k="n", e=message.event_id, u=list(message.users))
        if message.ids is not None:
            body["i"] = list(message.ids)
    else:
        body.update(k="r", u=message.user_id, s=message.session_key, t=message.token_key)
    return json.dumps(body, separators=(",", ":"))


def decode_message(raw: str | bytes) -> Message | None:
    """A message from its JSON; None for another version or an unknown kind."""
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(body, dict) or body.get("v") != VERSION:
        return None
    kind = body.get("k")
    if kind == "f":
        flat = body["f"]
        return Frames(tuple((int(flat[i]), flat[i + 1]) for i in range(0, len(flat), 2)))
    if kind == "n":
        ids = body.get("i")
        return NewRows(
            body["e"], (body["u"][0], body["u"][1]), None if ids is None else (ids[0], ids[1])
        )
    if kind == "r":
        return Revoke(body.get("u"), body.get("s"), body.get("t"))
    return None


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
      calls ``hub.bus_ready()`` again.

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

    async def listen(self, hub: Hub) -> None:
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
