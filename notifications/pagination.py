"""Limit/offset pagination that never lets a huge ``limit`` or ``offset`` reach the database."""

from __future__ import annotations

from typing import Any, cast

from rest_framework.pagination import BasePagination, LimitOffsetPagination
from rest_framework.settings import api_settings

from notifications.conf import notifications_settings

# SQLite and PostgreSQL both take 64-bit integers in LIMIT/OFFSET.
MAX_OFFSET = 2**62


class NotificationPagination(LimitOffsetPagination):
    """DRF's LimitOffsetPagination with the project's PAGE_SIZE (20 if unset) and bounds."""

    @property
    def default_limit(self) -> int:  # type: ignore[override]
        return api_settings.PAGE_SIZE or 20

    @property
    def max_limit(self) -> int:  # type: ignore[override]
        return int(notifications_settings.MAX_PAGE_SIZE)

    def get_offset(self, request: Any) -> int:
        return min(super().get_offset(request), MAX_OFFSET)


def pagination_class() -> type[BasePagination]:
    """The project's pagination class, or ours when it sets none or plain limit/offset."""
    configured: Any = api_settings.DEFAULT_PAGINATION_CLASS
    if configured is None or configured is LimitOffsetPagination:
        return NotificationPagination
    return cast(type[BasePagination], configured)
