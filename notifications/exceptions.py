"""Exceptions raised by the package."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured


class NotificationsError(Exception):
    """Base class of every error the package raises on purpose."""


class UnknownEventType(NotificationsError, ValueError):
    """The type is not declared in ``settings.EVENTS`` (or was removed from it)."""

    def __init__(self, name: object) -> None:
        self.name = name
        super().__init__(
            f"Unknown event type {name!r}: declare it in settings.EVENTS and run migrate."
        )


class InvalidNotification(NotificationsError, TypeError, ValueError):
    """An argument of ``send_notification`` cannot be stored (``data`` not JSON, bad title)."""


class BusUnavailable(NotificationsError):
    """The bus between processes is down (Redis unreachable, for example).

    Raised by buses to the package, never into callers: the rows are committed,
    the failure is logged once, sockets are told with close code 1013 and clients
    catch up through the REST list.
    """


class NotificationsImproperlyConfigured(NotificationsError, ImproperlyConfigured):
    """A feature needs an optional dependency or setting that is missing."""
