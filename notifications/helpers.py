"""The documented import path: ``from notifications.helpers import send_notification``."""

from notifications.services import send_notification

#: Alias kept for code written against older docs.
send_notifications = send_notification

__all__ = ["send_notification", "send_notifications"]
