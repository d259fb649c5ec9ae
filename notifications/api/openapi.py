"""drf-spectacular annotations when it is installed (the ``openapi`` extra); no-ops otherwise.

Besides re-exporting the decorators, this module registers the schema
extensions that describe what the serializers cannot say by themselves: the
event type names a filter accepts (those of ``settings.EVENTS``), the
``true``/``null`` read state, and the list query parameters.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from notifications.api.serializers import ErrorDetailSerializer
from notifications.models import MAX_ID

#: The ``readed`` query parameter: a keyword or an RFC 3339 timestamp.
READED_SCHEMA: dict[str, Any] = {
    "oneOf": [
        {"type": "string", "enum": ["", "true", "false"]},
        {"type": "string", "format": "date-time"},
    ],
    "description": "'true': read only; 'false': unread only; a timestamp: read at or after it.",
}
#: Database ids: 64-bit, positive.
ID_SCHEMA: dict[str, Any] = {"type": "integer", "format": "int64", "minimum": 0, "maximum": MAX_ID}
#: The ``after_id`` catch-up cursor.
AFTER_ID_SCHEMA: dict[str, Any] = {
    **ID_SCHEMA,
    "description": "Catch-up cursor: notifications with a greater id, oldest first.",
}
#: Event type names in query strings (NUL is refused, like every Django form field does).
TYPE_NAME_SCHEMA: dict[str, Any] = {
    "type": "string",
    "pattern": "^[^\\x00]*$",
    "description": "Comma-separated event type names.",
}
#: The ``seen`` list filter.
SEEN_SCHEMA: dict[str, Any] = {
    "type": "string",
    "enum": ["", "true", "false"],
    "description": "'true': seen only; 'false': unseen only.",
}
#: The ``archived`` list filter (the default list leaves archived ones out).
ARCHIVED_SCHEMA: dict[str, Any] = {
    "type": "string",
    "enum": ["", "false", "true", "all"],
    "description": "'true': archived only; 'all': archived or not; default: not archived.",
}
#: The ``target`` list filter: ``app_label.model:pk``.
TARGET_SCHEMA: dict[str, Any] = {
    "type": "string",
    # The pk part is stored as text of at most 255 characters.
    "pattern": "^[A-Za-z0-9_]+\\.[A-Za-z0-9_]+:[^\\x00]{1,255}$",
    "maxLength": 512,
    "description": "Only notifications about this object: 'app_label.model:pk' (e.g. blog.post:7).",
}
#: A local time of day: ``HH:MM``, 00:00 to 23:59.
CLOCK_PATTERN = "^([01][0-9]|2[0-3]):[0-5][0-9]$"
#: Error bodies of DRF: ``{"detail": "..."}`` or ``{"<field>": ["..."]}``.
VALIDATION_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "What is wrong: {'detail': message} or {field: [messages]}.",
    "additionalProperties": True,
}


def array_of(component: str) -> dict[str, Any]:
    """A JSON array of ``#/components/schemas/<component>`` (no pagination wrapper)."""
    return {"type": "array", "items": {"$ref": f"#/components/schemas/{component}"}}


def event_type_names() -> list[str]:
    """The names a filter accepts: those declared in ``settings.EVENTS``, in order."""
    from notifications.event_types import declared_events

    return [event.name for event in declared_events()]


def event_type_name_schema() -> dict[str, Any]:
    """One event type name: a string, one of the declared names when there are any."""
    schema: dict[str, Any] = {"type": "string", "maxLength": 100}
    names = event_type_names()
    if names:
        schema["enum"] = names
    return schema


try:
    from drf_spectacular.extensions import (
        OpenApiSerializerExtension,
        OpenApiSerializerFieldExtension,
    )
    from drf_spectacular.utils import (
        OpenApiParameter,
        OpenApiResponse,
        extend_schema,
        extend_schema_field,
    )
except ImportError:  # pragma: no cover - exercised only without the extra

    def extend_schema(*args: Any, **kwargs: Any) -> Callable[[Any], Any]:  # type: ignore[misc]
        return lambda target: target

    extend_schema_field = extend_schema  # type: ignore[assignment]

    class OpenApiResponse:  # type: ignore[no-redef]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            pass

    class OpenApiParameter(OpenApiResponse):  # type: ignore[no-redef]
        PATH = "path"
        QUERY = "query"

else:

    class EventTypeNameFieldExtension(OpenApiSerializerFieldExtension):  # type: ignore[no-untyped-call]
        """An event type name: one of the names declared in ``settings.EVENTS``."""

        target_class = "notifications.api.serializers.EventTypeNameField"

        def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
            return event_type_name_schema()

    class TargetNameFieldExtension(OpenApiSerializerFieldExtension):  # type: ignore[no-untyped-call]
        """An object named like ``?target=``: ``app_label.model:pk``."""

        target_class = "notifications.api.serializers.TargetNameField"

        def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
            return dict(TARGET_SCHEMA, description="The object: 'app_label.model:pk'.")

    class TimeZoneFieldExtension(OpenApiSerializerFieldExtension):  # type: ignore[no-untyped-call]
        """An IANA time zone name this server knows."""

        target_class = "notifications.api.serializers.TimeZoneField"

        def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
            from notifications.outbound.quiet_hours import time_zone_names

            return {"type": "string", "enum": sorted(time_zone_names()), "example": "Europe/Paris"}

    class ClockFieldExtension(OpenApiSerializerFieldExtension):  # type: ignore[no-untyped-call]
        """A local time of day, ``HH:MM``."""

        target_class = "notifications.api.serializers.ClockField"

        def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
            return {"type": "string", "pattern": CLOCK_PATTERN, "example": "22:00"}

    class ReadStateFieldExtension(OpenApiSerializerFieldExtension):  # type: ignore[no-untyped-call]
        """``true`` marks read, ``null`` marks unread; ``false`` is refused."""

        target_class = "notifications.api.serializers.ReadStateField"

        def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
            return {"type": "boolean", "enum": [True, None], "nullable": True}

    class NotificationFilterExtension(OpenApiSerializerExtension):  # type: ignore[no-untyped-call]
        """The filter body is a whole replacement, also on PATCH: ``event_types`` is required."""

        target_class = "notifications.api.serializers.NotificationFilterSerializer"

        def get_name(self, auto_schema: Any, direction: Any) -> str:
            return "NotificationFilter"

        def map_serializer(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
            # Written out (one field) rather than derived: a PATCH schema would be partial.
            items = event_type_name_schema()
            event_types = {"type": "array", "items": items}
            return {
                "type": "object",
                "description": inspect.getdoc(self.target) or "",
                "properties": {"event_types": event_types},
                "required": ["event_types"],
            }

    class PreferencesUpdateExtension(OpenApiSerializerExtension):  # type: ignore[no-untyped-call]
        """The switches a PATCH may set: each sendable type's offered channels, booleans."""

        target_class = "notifications.api.serializers.PreferencesUpdateSerializer"

        def get_name(self, auto_schema: Any, direction: Any) -> str:
            return "PreferencesUpdate"

        def map_serializer(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
            from notifications.outbound.preferences import offered_channels

            types = {
                name: {
                    "type": "object",
                    "properties": {c: {"type": "boolean"} for c in offered_channels(name)},
                    "additionalProperties": False,
                }
                for name in event_type_names()
            }
            return {
                "type": "object",
                "properties": {
                    "types": {"type": "object", "properties": types, "additionalProperties": False}
                },
                "required": ["types"],
                "description": 'Partial: `{"types": {"post_like": {"email": false}}}`.',
            }


#: The error answers every endpoint may give.
ERRORS = {
    400: OpenApiResponse(VALIDATION_ERROR_SCHEMA, description="Invalid input; the body says why."),
    401: OpenApiResponse(ErrorDetailSerializer, description="Not authenticated."),
    403: OpenApiResponse(ErrorDetailSerializer, description="Not authenticated (session) or CSRF."),
    429: OpenApiResponse(ErrorDetailSerializer, description="Throttled (`notifications` scope)."),
    503: OpenApiResponse(
        ErrorDetailSerializer,
        description="SQLite could not take the write in time; nothing changed (`Retry-After`).",
    ),
}
#: The detail endpoint's 404. No body schema: a path the URL pattern does not
#: match gets Django's (HTML) 404 page.
NOT_FOUND = {404: OpenApiResponse(description='No such notification of yours: {"detail": "..."}.')}
#: The answers of endpoints that read a body.
BODY_ERRORS = {
    413: OpenApiResponse(ErrorDetailSerializer, description="Body larger than MAX_BODY_BYTES."),
    415: OpenApiResponse(ErrorDetailSerializer, description="Body is not application/json."),
}
#: The detail endpoint's path parameter.
NOT_MODIFIED = {304: OpenApiResponse(description="Unchanged since the ETag in If-None-Match.")}
NOTIFICATION_ID = OpenApiParameter(
    "notification_id", ID_SCHEMA, OpenApiParameter.PATH, description="The notification's id."
)

__all__ = [
    "AFTER_ID_SCHEMA",
    "ARCHIVED_SCHEMA",
    "BODY_ERRORS",
    "ERRORS",
    "ID_SCHEMA",
    "NOTIFICATION_ID",
    "NOT_FOUND",
    "NOT_MODIFIED",
    "READED_SCHEMA",
    "SEEN_SCHEMA",
    "TARGET_SCHEMA",
    "TYPE_NAME_SCHEMA",
    "VALIDATION_ERROR_SCHEMA",
    "OpenApiParameter",
    "OpenApiResponse",
    "array_of",
    "event_type_names",
    "extend_schema",
    "extend_schema_field",
]
