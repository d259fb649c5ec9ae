"""The bus for one process (tests, scripts): messages go straight to this process's hubs."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from notifications.realtime.bus.base import BaseBus, Message
from notifications.realtime.hub import Hub, running_hubs


class LocalBus(BaseBus):
    """Delivers each message to the hubs of this process only.

    Sockets held by other processes (another worker, a server while you send from
    ``manage.py shell``) hear nothing: use the database or Redis bus there.
    """

    def publish(self, messages: Sequence[Message]) -> None:
        for hub in running_hubs():
            for message in messages:
                hub.dispatch_threadsafe(message)

    async def listen(self, hub: Hub) -> None:
        hub.bus_ready()
        await asyncio.Event().wait()  # nothing to connect to: runs until cancelled
