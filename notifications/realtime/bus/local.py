"""The bus for one process (tests, scripts): messages go straight to this process's hubs."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from notifications.realtime.bus.base import BaseBus, HubPort
from notifications.realtime.messages import Message

#: The hubs of this process that listen to a local bus (whichever instance).
_listening: set[HubPort] = set()


@contextmanager
def listening(hub: HubPort) -> Iterator[None]:
    """Deliver this process's local messages to ``hub`` while the block runs."""
    _listening.add(hub)
    try:
        yield
    finally:
        _listening.discard(hub)


class LocalBus(BaseBus):
    """Delivers each message to the hubs of this process only.

    Sockets held by other processes (another worker, a server while you send from
    ``manage.py shell``) hear nothing: use the database or Redis bus there.
    """

    def publish(self, messages: Sequence[Message]) -> None:
        for hub in list(_listening):
            for message in messages:
                hub.dispatch_threadsafe(message)

    async def listen(self, hub: HubPort) -> None:
        with listening(hub):
            hub.bus_ready()
            await asyncio.Event().wait()  # nothing to connect to: runs until cancelled
