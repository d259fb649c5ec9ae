"""Plain helpers shared by every area of the suite (fixtures live in the conftest.py files).

- the leg: ``SERVICES``;
- logged-in clients: ``client_for`` (REST) and ``session_cookie`` (a WebSocket handshake);
- the two URL forms of API.md: ``SEED``, ``INCLUDE``, ``FORMS`` and the additions' paths;
- every endpoint as a ``Call`` (``calls``) and what a request could change (``snapshot``);
- reading the database and the wire format: ``ids_of``, ``ISO_UTC``, ``ISO_OFFSET``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from notifications.models import Event, ExcludedEventType, Notification
from tests.settings import SERVICES as SERVICES  # re-exported: which leg runs

#: How DRF renders an aware datetime: ISO 8601 with ``Z`` or a ``+HH:MM`` offset.
ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
#: The keys every WebSocket frame carries (API.md; ``seq`` since the third round), besides
#: the action's own (``notification``, ``before``, ``types``).
FRAME_KEYS = frozenset({"action", "unread", "unseen", "seq"})
ISO_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:\d{2}$")


def client_for(user: Any) -> APIClient:
    """An API client logged in with a real session."""
    client = APIClient()
    client.force_login(user)
    return client


def session_cookie(user: Any) -> bytes:
    """A ``Cookie`` header value carrying a real, logged-in session of ``user``."""
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


@dataclass(frozen=True)
class Form:
    """One URL form of API.md: the seed's explicit paths or ``include()``.

    ``additions`` is true for the form that also mounts unread-count, read-all
    and types (``include()``; tests/urls.py mounts it under ``/api/notifications/``).
    """

    name: str
    list: str
    filter: str
    detail_prefix: str
    additions: bool

    def detail(self, notification_id: int | str) -> str:
        """The detail path of ``notification_id``."""
        return f"{self.detail_prefix}{notification_id}"


SEED = Form("seed", "/notifications", "/notifications/filter", "/notifications", False)
INCLUDE = Form(
    "include", "/api/notifications/", "/api/notifications/filter", "/api/notifications/", True
)
FORMS = [SEED, INCLUDE]

#: The endpoints the package adds beyond the seed (the include form only).
UNREAD_COUNT = f"{INCLUDE.list}unread-count"
READ_ALL = f"{INCLUDE.list}read-all"
TYPES = f"{INCLUDE.list}types"


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
    if form.additions:
        found += [Call("GET", UNREAD_COUNT), Call("POST", READ_ALL), Call("GET", TYPES)]
    return found


def snapshot() -> tuple[Any, ...]:
    """Everything a request could change: notifications, events, filters."""
    return (
        sorted(Notification.objects.values_list("pk", "user_id", "event_id", "readed")),
        sorted(Event.objects.values_list("pk", "notifications_count")),
        sorted(ExcludedEventType.objects.values_list("user_id", "event_type_id")),
    )


def ids_of(user: Any) -> list[int]:
    """``user``'s notification ids, newest first."""
    rows = Notification.objects.filter(user_id=user.pk).order_by("-pk")
    return list(rows.values_list("pk", flat=True))
