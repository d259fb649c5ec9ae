"""Helpers of the REST tests: the two URL forms of API.md."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from notifications.models import Notification

#: How DRF renders an aware datetime: ISO 8601 with ``Z`` or a ``+HH:MM`` offset.
ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
ISO_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:\d{2}$")


@dataclass(frozen=True)
class Urls:
    """The paths of one URL form: the seed's explicit one or ``include()``."""

    list: str
    filter: str
    detail_prefix: str

    def detail(self, notification_id: int | str) -> str:
        """The detail path of ``notification_id``."""
        return f"{self.detail_prefix}{notification_id}"


SEED = Urls(list="/notifications", filter="/notifications/filter", detail_prefix="/notifications")
INCLUDE = Urls(
    list="/api/notifications/",
    filter="/api/notifications/filter",
    detail_prefix="/api/notifications/",
)


def ids_of(user: Any) -> list[int]:
    """``user``'s notification ids, newest first."""
    rows = Notification.objects.filter(user_id=user.pk).order_by("-pk")
    return list(rows.values_list("pk", flat=True))
