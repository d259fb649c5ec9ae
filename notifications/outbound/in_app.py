"""The in-app channel: the notification rows and the WebSocket pushes themselves."""

from __future__ import annotations

from typing import TYPE_CHECKING

from notifications.outbound.base import BaseChannel, Outcome, Sent

if TYPE_CHECKING:
    from notifications.models import Notification


class InAppChannel(BaseChannel):
    """Always on; ``send_notification`` writes the rows and pushes them itself.

    Its per-type switch is the user's filter (``notifications/filter``), so a
    type a user does not receive in-app gets no row, and no email or push either.
    """

    name = "in_app"
    queued = False

    def send(self, notifications: list[Notification]) -> dict[int, Outcome]:
        """Nothing to do: the rows are the delivery."""
        return {notification.pk: Sent() for notification in notifications}
