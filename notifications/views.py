"""REST views. They parse and answer HTTP; the work is done in :mod:`notifications.services`."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import BasePagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from notifications import services
from notifications.exceptions import UnknownEventType
from notifications.filters import NotificationFilterBackend, NotificationFilterSet
from notifications.models import Notification
from notifications.openapi import OpenApiParameter, OpenApiResponse, extend_schema
from notifications.pagination import pagination_class
from notifications.parsers import BoundedJSONParser
from notifications.serializers import (
    MAX_ID,
    EventTypeChoiceSerializer,
    MarkAllReadSerializer,
    NotificationFilterSerializer,
    NotificationIdsField,
    NotificationSerializer,
    ReadStateSerializer,
    UnreadCountSerializer,
)

ERRORS = {
    400: OpenApiResponse(description="Invalid input; the body names the problem."),
    401: OpenApiResponse(description="Not authenticated."),
    403: OpenApiResponse(description="Not authenticated (session) or forbidden."),
}
NOT_FOUND = {404: OpenApiResponse(description="No such notification of yours.")}


class NotificationsAPIView(GenericAPIView):
    """Base of the package's views: authenticated users, bounded JSON bodies."""

    permission_classes = [IsAuthenticated]
    parser_classes = [BoundedJSONParser]
    throttle_scope = "notifications"

    def get_queryset(self) -> QuerySet[Notification]:
        rows: QuerySet[Notification] = Notification.objects.for_user(self.request.user).with_event()
        return rows


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

    @extend_schema(responses={200: NotificationSerializer(many=True), **ERRORS})
    def get(self, request: Request) -> Response:
        rows = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(rows)
        if page is None:
            return Response(NotificationSerializer(rows, many=True).data)
        return self.get_paginated_response(NotificationSerializer(page, many=True).data)

    @extend_schema(
        request={"application/json": {"type": "array", "items": {"type": "integer"}}},
        responses={200: NotificationSerializer(many=True), **ERRORS},
        description="Mark the listed notifications read; answers the requester's ones among them.",
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

    @extend_schema(responses={200: NotificationSerializer, **ERRORS, **NOT_FOUND})
    def get(self, request: Request, notification_id: int) -> Response:
        try:
            row = services.get_notification(request.user, self._id())
        except Notification.DoesNotExist:
            raise NotFound from None
        return Response(NotificationSerializer(row).data)

    @extend_schema(
        request=ReadStateSerializer,
        responses={200: NotificationSerializer, **ERRORS, **NOT_FOUND},
        description='Mark read (no body, or {"readed": true}); {"readed": null} marks unread.',
    )
    def patch(self, request: Request, notification_id: int) -> Response:
        body = ReadStateSerializer(data=request.data if request.data else {})
        body.is_valid(raise_exception=True)
        notification_id = self._id()
        try:
            if "readed" in body.validated_data and body.validated_data["readed"] is None:
                row = services.mark_unread(request.user, notification_id)
            else:
                rows = services.mark_read(request.user, [notification_id])
                if not rows:
                    raise Notification.DoesNotExist
                row = rows[0]
        except Notification.DoesNotExist:
            raise NotFound from None
        return Response(NotificationSerializer(row).data)

    @extend_schema(responses={204: None, **ERRORS, **NOT_FOUND})
    def delete(self, request: Request, notification_id: int) -> Response:
        try:
            services.delete_notification(request.user, self._id())
        except Notification.DoesNotExist:
            raise NotFound from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class NotificationFilterView(NotificationsAPIView):
    """The event types the user receives (GET) or replaces (PATCH)."""

    serializer_class = NotificationFilterSerializer

    @extend_schema(responses={200: NotificationFilterSerializer, **ERRORS})
    def get(self, request: Request) -> Response:
        names = [t.name for t in services.received_types(request.user)]
        return Response({"event_types": names})

    @extend_schema(
        request=NotificationFilterSerializer,
        responses={200: NotificationFilterSerializer, **ERRORS},
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

    @extend_schema(responses={200: UnreadCountSerializer, **ERRORS})
    def get(self, request: Request) -> Response:
        return Response({"unread": services.unread_count(request.user)})


class MarkAllReadView(NotificationsAPIView):
    """Mark every unread notification read (``?type=a,b`` for some types only)."""

    serializer_class = MarkAllReadSerializer

    @extend_schema(
        request=None,
        parameters=[OpenApiParameter("type", str, description="Comma-separated event type names.")],
        responses={200: MarkAllReadSerializer, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        raw = request.query_params.get("type")
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
