"""A transport that keeps pushes in memory, for tests (like Django's locmem mail backend)."""

from __future__ import annotations

from collections.abc import Sequence

from notifications.transports.base import BaseTransport, Push

#: Every push sent through :class:`LocmemTransport`, oldest first. Tests clear it.
outbox: list[Push] = []


class LocmemTransport(BaseTransport):
    """Appends each push to :data:`outbox` instead of delivering it."""

    def send(self, pushes: Sequence[Push]) -> None:
        outbox.extend(pushes)
