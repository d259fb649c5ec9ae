"""A transport that sends nothing: measures the write path of a fan-out alone."""

from collections.abc import Sequence

from notifications.transports.base import BaseTransport, Push


class NullTransport(BaseTransport):
    """Drops every push (the frames are still built, as with a real transport)."""

    def send(self, pushes: Sequence[Push]) -> None:
        """Drop ``pushes``."""
