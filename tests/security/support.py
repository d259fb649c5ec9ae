"""The endpoints of API.md under both URL forms, and a snapshot of what they can change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from notifications.models import Event, ExcludedEventType, Notification


@dataclass(frozen=True)
class Form:
    """One URL form: the seed's explicit paths or ``include()`` (which adds endpoints)."""

    name: str
    list: str
    filter: str
    detail_prefix: str
    extra: str | None  # prefix of unread-count, read-all and types (include form only)

    def detail(self, notification_id: int) -> str:
        return f"{self.detail_prefix}{notification_id}"


SEED = Form("seed", "/notifications", "/notifications/filter", "/notifications", None)
INCLUDE = Form(
    "include",
    "/api/notifications/",
    "/api/notifications/filter",
    "/api/notifications/",
    "/api/notifications/",
)
FORMS = [SEED, INCLUDE]


@dataclass(frozen=True)
class Call:
    """One request: method, path, JSON body."""

    method: str
    path: str
    body: Any = None

    def send(self, client: Any, **extra: Any) -> Any:
        """Send it with a DRF APIClient."""
        call = getattr(client, self.method.lower())
        if self.body is None:
            return call(self.path, **extra)
        return call(self.path, self.body, format="json", **extra)


def calls(form: Form, notification_id: int) -> list[Call]:
    """Every endpoint and method of ``form``, aimed at ``notification_id``."""
    detail = form.detail(notification_id)
    found = [
        Call("GET", form.list),
        Call("PATCH", form.list, [notification_id]),
        Call("GET", detail),
        Call("PATCH", detail),
        Call("PATCH", detail, {"readed": None}),
        Call("DELETE", detail),
        Call("GET", form.filter),
        Call("PATCH", form.filter, {"event_types": []}),
    ]
    if form.extra is not None:
        found += [
            Call("GET", f"{form.extra}unread-count"),
            Call("POST", f"{form.extra}read-all"),
            Call("GET", f"{form.extra}types"),
        ]
    return found


def snapshot() -> tuple[Any, ...]:
    """Everything a request could change: notifications, events, filters."""
    return (
        sorted(Notification.objects.values_list("pk", "user_id", "event_id", "readed")),
        sorted(Event.objects.values_list("pk", "notifications_count")),
        sorted(ExcludedEventType.objects.values_list("user_id", "event_type_id")),
    )
