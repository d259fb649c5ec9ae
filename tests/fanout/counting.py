"""A transport for measuring: builds every push, sends none, counts them."""

from __future__ import annotations

from collections.abc import Sequence

from notifications.transports.base import BaseTransport, Push


class CountingTransport(BaseTransport):
    """Counts pushes instead of delivering them (they are built in full)."""

    sent = 0

    def send(self, pushes: Sequence[Push]) -> None:
        CountingTransport.sent += len(pushes)
