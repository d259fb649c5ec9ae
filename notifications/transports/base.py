"""The small interface every push transport implements."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import NamedTuple

from notifications.payloads import PushMessage


class Push(NamedTuple):
    """One frame for every open socket of one user."""

    user_id: int
    message: PushMessage


class BaseTransport:
    """Delivers pushes to users' open sockets; one instance serves the process.

    Subclasses override :meth:`send`. It is called after the writing transaction
    has committed, with a batch of pushes (at most ``FANOUT_BATCH_SIZE``). It
    should deliver the batch concurrently and raise
    :class:`~notifications.exceptions.TransportError` when some pushes could not
    be handed over; the caller logs that once and carries on (the rows are saved
    and clients catch up through the REST list).

    Subclasses may override :meth:`online` so that a fan-out builds frames only
    for users who can receive them.
    """

    def send(self, pushes: Sequence[Push]) -> None:
        raise NotImplementedError

    def online(self, user_ids: Sequence[int]) -> Collection[int] | None:
        """The users among ``user_ids`` who may have an open socket; None if unknown.

        May include users who have none (they cost a wasted push), never leave
        out one who has. The default cannot tell: every user gets a frame.
        Raises :class:`~notifications.exceptions.TransportError` like :meth:`send`.
        """
        return None
