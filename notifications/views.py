"""REST views. They parse and answer HTTP; the work is done in :mod:`notifications.services`."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http.response import HttpResponseBase
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import BasePagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from notifications import services
from notifications.caching import conditional_count
from notifications.exceptions import UnknownEventType
from notifications.filters import NotificationFilterBackend, NotificationFilterSet
from notifications.models import Notification
from notifications.openapi import (
    ID_SCHEMA,
    TYPE_NAME_SCHEMA,
    VALIDATION_ERROR_SCHEMA,
    OpenApiParameter,
    OpenApiResponse,
    array_of,
    extend_schema,
)
from notifications.pagination import pagination_class
from notifications.parsers import BoundedJSONParser
from notifications.serializers import (
    MAX_ID,
    ErrorDetailSerializer,
    EventTypeChoiceSerializer,
    MarkAllReadSerializer,
    NotificationFilterSerializer,
    NotificationIdsField,
    NotificationIdsSerializer,
    NotificationSerializer,
    ReadStateSerializer,
    UnreadCountSerializer,
)

ERRORS = {
    400: OpenApiResponse(VALIDATION_ERROR_SCHEMA, description="Invalid input; the body says why."),
    401: OpenApiResponse(ErrorDetailSerializer, description="Not authenticated."),
    403: OpenApiResponse(ErrorDetailSerializer, description="Not authenticated (session) or CSRF."),
    429: OpenApiResponse(ErrorDetailSerializer, description="Throttled (`notifications` scope)."),
}
# No body schema: a path the URL pattern does not match gets Django's (HTML) 404 page.
NOT_FOUND = {404: OpenApiResponse(description='No such notification of yours: {"detail": "..."}.')}
BODY_ERRORS = {
    413: OpenApiResponse(ErrorDetailSerializer, description="Body larger than MAX_BODY_BYTES."),
    415: OpenApiResponse(ErrorDetailSerializer, description="Body is not application/json."),
}
NOT_MODIFIED = {304: OpenApiResponse(description="Unchanged since the ETag in If-None-Match.")}
NOTIFICATION_ID = OpenApiParameter(
    "notification_id", ID_SCHEMA, OpenApiParameter.PATH, description="The notification's id."
)


class NotificationsAPIView(GenericAPIView):
    """Base of the package's views: authenticated users, bounded JSON bodies."""

    permission_classes = [IsAuthenticated]
    parser_classes = [BoundedJSONParser]
    throttle_scope = "notifications"

    def get_queryset(self) -> QuerySet[Notification]:
        rows: QuerySet[Notification] = Notification.objects.for_user(self.request.user).with_event()
        return rows

    def handle_exception(self, exc: Exception) -> Response:
        # Another user's notification and a missing one answer the same 404.
        if isinstance(exc, Notification.DoesNotExist):
            exc = NotFound()
        return super().handle_exception(exc)


class NotificationsListView(NotificationsAPIView):
    """The requesting user's notifications (GET) and batch mark-as-read (PATCH)."""

    serializer_class = NotificationSerializer
    filter_backends = [NotificationFilterBackend]
    filterset_class = NotificationFilterSet

    @property
    def paginator(self) -> BasePagination | None:
        if not hasattr(self, "_paginator"):
            self._paginator = pagination_class()()
        return self._paginator

    @extend_schema(
        operation_id="notifications_list",
        responses={200: NotificationSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        rows = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(rows)
        if page is None:
            return Response(NotificationSerializer(rows, many=True).data)
        return self.get_paginated_response(NotificationSerializer(page, many=True).data)

    @extend_schema(
        operation_id="notifications_mark_read",
        request=NotificationIdsSerializer,
        responses={200: array_of("Notification"), **ERRORS, **BODY_ERRORS},
        filters=False,
        description=(
            "Mark the listed notifications read (a JSON array of at most MAX_BATCH_IDS ids); "
            "answers the requester's ones among them. Others' and unknown ids are skipped."
        ),
    )
    def patch(self, request: Request) -> Response:
        field = NotificationIdsField()
        try:
            ids = field.run_validation(request.data)
        except ValidationError as error:
            raise ValidationError({"ids": error.detail}) from error
        rows = services.mark_read(request.user, ids)
        return Response(NotificationSerializer(rows, many=True).data)


class NotificationDetailView(NotificationsAPIView):
    """One notification: read it (GET), mark it read or unread (PATCH), delete it (DELETE)."""

    serializer_class = NotificationSerializer

    def _id(self) -> int:
        notification_id = int(self.kwargs["notification_id"])
        if notification_id > MAX_ID:
            raise NotFound
        return notification_id

    @extend_schema(
        operation_id="notification_retrieve",
        parameters=[NOTIFICATION_ID],
        responses={200: NotificationSerializer, **ERRORS, **NOT_FOUND},
    )
    def get(self, request: Request, notification_id: int) -> Response:
        row = services.get_notification(request.user, self._id())
        return Response(NotificationSerializer(row).data)

    @extend_schema(
        operation_id="notification_partial_update",
        parameters=[NOTIFICATION_ID],
        request=ReadStateSerializer,
        responses={200: NotificationSerializer, **ERRORS, **NOT_FOUND, **BODY_ERRORS},
        description='Mark read (no body, or {"readed": true}); {"readed": null} marks unread.',
    )
    def patch(self, request: Request, notification_id: int) -> Response:
        body = ReadStateSerializer(data=request.data)  # no body parses as {}; null is a 400
        body.is_valid(raise_exception=True)
        notification_id = self._id()
        if "readed" in body.validated_data and body.validated_data["readed"] is None:
            row = services.mark_unread(request.user, notification_id)
        else:
            rows = services.mark_read(request.user, [notification_id])
            if not rows:
                raise NotFound
            row = rows[0]
        return Response(NotificationSerializer(row).data)

    @extend_schema(
        operation_id="notification_destroy",
        parameters=[NOTIFICATION_ID],
        responses={204: None, **ERRORS, **NOT_FOUND},
    )
    def delete(self, request: Request, notification_id: int) -> Response:
        services.delete_notification(request.user, self._id())
        return Response(status=status.HTTP_204_NO_CONTENT)


class NotificationFilterView(NotificationsAPIView):
    """The event types the user receives (GET) or replaces (PATCH)."""

    serializer_class = NotificationFilterSerializer

    @extend_schema(
        operation_id="notifications_filter_retrieve",
        responses={200: NotificationFilterSerializer, **ERRORS},
    )
    def get(self, request: Request) -> Response:
        names = [t.name for t in services.received_types(request.user)]
        return Response({"event_types": names})

    @extend_schema(
        operation_id="notifications_filter_update",
        request=NotificationFilterSerializer,
        responses={200: NotificationFilterSerializer, **ERRORS, **BODY_ERRORS},
    )
    def patch(self, request: Request) -> Response:
        body = NotificationFilterSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            received = services.set_received_types(request.user, body.validated_data["event_types"])
        except UnknownEventType as error:  # removed between validation and the write
            raise ValidationError({"event_types": [str(error)]}) from error
        return Response({"event_types": [t.name for t in received]})


class UnreadCountView(NotificationsAPIView):
    """The exact number of the user's unread notifications."""

    serializer_class = UnreadCountSerializer

    @extend_schema(responses={200: UnreadCountSerializer, **NOT_MODIFIED, **ERRORS})
    def get(self, request: Request) -> HttpResponseBase:
        return conditional_count(request, services.unread_count(request.user))


class MarkAllReadView(NotificationsAPIView):
    """Mark every unread notification read (``?type=a,b`` for some types only)."""

    serializer_class = MarkAllReadSerializer

    @extend_schema(
        request=None,
        parameters=[OpenApiParameter("type", TYPE_NAME_SCHEMA)],
        responses={200: MarkAllReadSerializer, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        raw = request.query_params.get("type")
        if raw and "\x00" in raw:  # PostgreSQL refuses NUL in strings: a 400, not a 500
            raise ValidationError({"type": ["Null characters are not allowed."]})
        types = [name for name in raw.split(",") if name] if raw else None
        updated = services.mark_all_read(request.user, types)
        return Response({"updated": updated, "unread": services.unread_count(request.user)})


class EventTypesView(NotificationsAPIView):
    """The sendable event types, each with whether the user receives it."""

    serializer_class = EventTypeChoiceSerializer
    pagination_class = None

    @extend_schema(responses={200: EventTypeChoiceSerializer(many=True), **ERRORS})
    def get(self, request: Request) -> Response:
        return Response(
            [
                {
                    "name": t.name,
                    "title": t.title,
                    "description": t.description,
                    "enabled": enabled,
                }
                for t, enabled in services.event_type_catalogue(request.user)
            ]
        )
