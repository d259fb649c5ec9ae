"""Pagination of the list: limit/offset (the default envelope) and a keyset cursor mode.

``?limit=&offset=`` answers DRF's LimitOffsetPagination envelope, bounded so
that no huge value reaches the database, and reads deep pages through the
index alone. ``?cursor=`` (empty for the first page) switches the request to
keyset pagination on the id: no count, the same cost at any depth, and
``next``/``previous`` links a client follows in both directions.
"""

from __future__ import annotations

from typing import Any, cast

from django.db import connections
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import (
    BasePagination,
    Cursor,
    CursorPagination,
    LimitOffsetPagination,
)
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from notifications.conf import notifications_settings
from notifications.models import MAX_ID

# SQLite and PostgreSQL both take 64-bit integers in LIMIT/OFFSET.
MAX_OFFSET = 2**62
# From this offset on, a page is found on the index first and joined afterwards.
DEFERRED_JOIN_OFFSET = 1000


def _default_limit() -> int:
    return api_settings.PAGE_SIZE or 20


def _limit(request: Request, param: str) -> int:
    """``?limit=`` as DRF reads it: a positive integer, capped; anything else the default."""
    try:
        value = int(request.query_params[param])
    except (KeyError, ValueError):
        return _default_limit()
    if value <= 0:
        return _default_limit()
    return min(value, int(notifications_settings.MAX_PAGE_SIZE))


class NotificationCursorPagination(CursorPagination):
    """Keyset pagination on the id: newest first, oldest first with ``after_id``.

    Answers ``{"next": url | null, "previous": url | null, "results": [...]}``.
    The cursor is opaque; ``limit`` sets the page size as in limit/offset mode.
    A malformed cursor is a 400 naming ``cursor``.
    """

    ordering = "-id"
    page_size_query_param = "limit"
    invalid_cursor_message = cast(str, _("Invalid cursor."))

    def get_page_size(self, request: Request) -> int:
        return _limit(request, "limit")

    def get_ordering(self, request: Request, queryset: QuerySet[Any], view: Any) -> tuple[str]:
        # The catch-up cursor walks forward from an id: its pages run oldest first.
        return ("id",) if "after_id" in request.query_params else ("-id",)

    def decode_cursor(self, request: Request) -> Cursor | None:
        try:
            cursor = super().decode_cursor(request)
        except NotFound as error:
            raise ValidationError({"cursor": [self.invalid_cursor_message]}) from error
        if cursor is not None and cursor.position is not None:
            position = str(cursor.position)
            if not position.isdigit() or not position.isascii() or int(position) > MAX_ID:
                raise ValidationError({"cursor": [self.invalid_cursor_message]})
        return cursor


class NotificationPagination(LimitOffsetPagination):
    """DRF's LimitOffsetPagination with the project's PAGE_SIZE (20 if unset) and bounds.

    A request with ``cursor`` is handed to :class:`NotificationCursorPagination`.
    """

    cursor_query_param = "cursor"
    cursor_pagination: NotificationCursorPagination | None = None

    @property
    def default_limit(self) -> int:  # type: ignore[override]
        return _default_limit()

    @property
    def max_limit(self) -> int:  # type: ignore[override]
        return int(notifications_settings.MAX_PAGE_SIZE)

    def get_offset(self, request: Any) -> int:
        return min(super().get_offset(request), MAX_OFFSET)

    def paginate_queryset(  # type: ignore[override]
        self, queryset: QuerySet[Any], request: Request, view: Any = None
    ) -> list[Any] | None:
        if self.cursor_query_param in request.query_params:
            if self.offset_query_param in request.query_params:
                raise ValidationError({"cursor": [_("Give either cursor or offset, not both.")]})
            self.cursor_pagination = NotificationCursorPagination()
            return self.cursor_pagination.paginate_queryset(queryset, request, view)
        return super().paginate_queryset(_deferred(queryset, request, self), request, view)

    def get_paginated_response(self, data: Any) -> Response:
        if self.cursor_pagination is not None:
            return self.cursor_pagination.get_paginated_response(data)
        return super().get_paginated_response(data)

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        cursor = NotificationCursorPagination().get_paginated_response_schema(schema)
        return {"anyOf": [super().get_paginated_response_schema(schema), cursor]}

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        cursor = {
            "name": self.cursor_query_param,
            "required": False,
            "in": "query",
            "description": (
                "Keyset pagination instead of limit/offset: empty for the first page, then "
                "the value in `next` or `previous`. Pages carry no `count`."
            ),
            "schema": {"type": "string"},
        }
        return [*super().get_schema_operation_parameters(view), cursor]


def _deferred(queryset: QuerySet[Any], request: Request, paginator: NotificationPagination) -> Any:
    """For deep offsets: the page's ids from the index alone, then only those rows joined.

    ``OFFSET 100000`` over the joined query would join (and discard) every
    skipped row; over the ids it walks the ``(user, id)`` index only.
    """
    offset = paginator.get_offset(request)
    connection = connections[queryset.db]
    if offset < DEFERRED_JOIN_OFFSET or not connection.features.allow_sliced_subqueries_with_in:
        return queryset
    return _DeferredPage(queryset, offset)


class _DeferredPage:
    """What LimitOffsetPagination needs of a QuerySet: ``count()`` and one slice."""

    def __init__(self, queryset: QuerySet[Any], offset: int) -> None:
        self.queryset = queryset
        self.offset = offset

    def count(self) -> int:
        return self.queryset.count()

    def __getitem__(self, page: slice) -> QuerySet[Any]:
        ids = self.queryset.values("pk")[page]
        ordering = cast(Any, self.queryset.query.order_by) or ("-pk",)
        return self.queryset.filter(pk__in=ids).order_by(*ordering)


def pagination_class() -> type[BasePagination]:
    """The project's pagination class, or ours when it sets none or plain limit/offset."""
    configured: Any = api_settings.DEFAULT_PAGINATION_CLASS
    if configured is None or configured is LimitOffsetPagination:
        return NotificationPagination
    return cast(type[BasePagination], configured)
