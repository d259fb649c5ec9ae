"""Exceptions raised by the package."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured


class NotificationsError(Exception):
    """Base class of every error the package raises on purpose."""


class InvalidNotification(NotificationsError, TypeError, ValueError):
    """An argument of ``send_notification`` is refused (``data`` not JSON, a bad title, ...).

    Callers that show the problem in their own shape (a form error, a 400, a
    command error) read its fields, never its text: ``field`` names the argument
    (``"title"``, ``"data"``, ``"send_at"``, ...) and ``code`` says what is wrong:
    ``"invalid"`` (wrong kind or empty), ``"too_long"``, ``"nul"`` (a NUL
    character), ``"surrogate"`` (a lone surrogate), ``"too_deep"`` (nested data),
    ``"not_json"``, ``"unknown"`` (an event type not in ``EVENTS``) or
    ``"expires_too_early"`` (``expires`` not after ``send_at``).
    """

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid") -> None:
        self.field = field
        self.code = code
        super().__init__(message)


class UnknownEventType(InvalidNotification):
    """The type is not declared in ``settings.EVENTS`` (or was removed from it).

    A :class:`InvalidNotification` with ``field="type"`` and ``code="unknown"``.
    """

    def __init__(self, name: object) -> None:
        self.name = name
        super().__init__(
            f"Unknown event type {name!r}: declare it in settings.EVENTS and run migrate.",
            field="type",
            code="unknown",
        )


class InvalidAudience(NotificationsError, TypeError):
    """The ``users`` argument of ``send_notification`` is not one of the documented forms."""

    field = "users"
    code = "invalid"


class BusUnavailable(NotificationsError):
    """The bus between processes is down (Redis unreachable, for example).

    Raised by buses to the package, never into callers: the rows are committed,
    the failure is logged once, sockets are told with close code 1013 and clients
    catch up through the REST list.
    """


class DatabaseBusy(NotificationsError):
    """SQLite could not give the package's write its turn in time; nothing was written.

    Raised by the package's writes on SQLite after ``NOTIFICATIONS["SQLITE_WRITE_WAIT"]``
    seconds in the process's queue, or when SQLite itself answers ``database is
    locked`` (another process held the database past its busy timeout). Retry later;
    the REST views answer 503 with ``Retry-After``.
    """


class NotificationsImproperlyConfigured(NotificationsError, ImproperlyConfigured):
    """A feature needs an optional dependency or setting that is missing."""


class UnknownChannel(NotificationsError, ValueError):
    """The event type does not offer that channel (or the channel is off in this project)."""

    def __init__(self, type_name: str, channel: object) -> None:
        self.type_name = type_name
        self.channel = channel
        super().__init__(f"Event type {type_name!r} has no channel {channel!r}.")


class RequiredEventType(NotificationsError, ValueError):
    """A user tried to turn off a type (or one of its channels) declared required in ``EVENTS``."""

    def __init__(self, type_name: str, channel: str = "in_app") -> None:
        self.type_name = type_name
        self.channel = channel
        where = "" if channel == "in_app" else f" on {channel}"
        super().__init__(f"Event type {type_name!r} is required{where} and cannot be turned off.")


class TargetRefused(NotificationsError, PermissionError):
    """The user may not follow or mute that object (``SUBSCRIBE_PERMISSION``), or it is missing."""

    def __init__(self, label: str) -> None:
        self.label = label
        super().__init__(f"You may not follow or mute {label!r}.")
