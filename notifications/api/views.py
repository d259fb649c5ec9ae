"""REST views: validate with :mod:`~notifications.api.serializers`, act with
:mod:`~notifications.services`, answer with :mod:`~notifications.payloads`."""

from __future__ import annotations

from typing import Any, cast

from django.db import router
from django.db.models import QuerySet
from django.http.response import HttpResponseBase
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import BasePagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from notifications import i18n, payloads, services, snoozing, subscriptions
from notifications.api.bodies import BoundedBodyMixin
from notifications.api.caching import conditional_count
from notifications.api.filters import (
    ListQuery,
    NotificationFilterBackend,
    NotificationFilterSet,
    list_query,
)
from notifications.api.openapi import (
    BODY_ERRORS,
    ERRORS,
    NOT_FOUND,
    NOT_MODIFIED,
    NOTIFICATION_ID,
    TYPE_NAME_SCHEMA,
    OpenApiParameter,
    array_of,
    extend_schema,
)
from notifications.api.pagination import (
    DEFERRED_JOIN_OFFSET,
    NotificationPagination,
    pagination_class,
)
from notifications.api.parsers import BoundedJSONParser
from notifications.api.rows import Page, plain_page
from notifications.api.serializers import (
    EventTypeChoiceSerializer,
    MarkAllReadQuerySerializer,
    MarkAllReadSerializer,
    NotificationFilterSerializer,
    NotificationIdsSerializer,
    NotificationSerializer,
    QuietHoursSerializer,
    ReadStateSerializer,
    SeenAllSerializer,
    SnoozeSerializer,
    UnreadCountSerializer,
)
from notifications.event_types import required_names
from notifications.exceptions import DatabaseBusy
from notifications.models import MAX_ID, Notification
from notifications.outbound import quiet_hours
from notifications.writes import is_busy_error

#: ``?with=target_muted``: the extras a list or detail GET may ask for.
EXTRAS = ("target_muted",)
WITH_PARAMETER = OpenApiParameter(
    "with",
    {"type": "string", "enum": ["", *EXTRAS]},
    OpenApiParameter.QUERY,
    description="'target_muted': each notification says whether the user muted its target.",
)


class ServiceBusy(APIException):
    """503 with ``Retry-After``: the database could not take the request's write in time."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _("The database is busy; nothing was changed. Retry shortly.")
    default_code = "database_busy"
    wait = 1  # DRF's exception handler turns it into Retry-After: 1


class NotificationsAPIView(BoundedBodyMixin, GenericAPIView):
    """Base of the package's views: authenticated users, bounded JSON bodies, answers in
    the reader's language (:func:`notifications.i18n.reader_language`)."""

    permission_classes = [IsAuthenticated]
    parser_classes = [BoundedJSONParser]
    throttle_scope = "notifications"
    #: The language active before :meth:`initial` switched to the reader's (restored after).
    request_language: str | None = None
    reading_language: str | None = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # Once the user is known: their language, else the request's (LocaleMiddleware's).
        self.request_language = translation.get_language()
        self.reading_language = i18n.reader_language(request.user, self.request_language)
        translation.activate(self.reading_language)

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.reading_language is not None:
            response.headers.setdefault("Content-Language", self.reading_language)
            # Never leak the reader's language into the next request on this thread.
            if self.request_language is None:
                translation.deactivate_all()
            else:
                translation.activate(self.request_language)
        return response

    def get_queryset(self) -> QuerySet[Notification]:
        rows: QuerySet[Notification] = Notification.objects.for_user(self.request.user).with_event()
        return rows

    def handle_exception(self, exc: Exception) -> Response:
        # Another user's notification and a missing one answer the same 404.
        if isinstance(exc, Notification.DoesNotExist):
            exc = NotFound()
        # SQLite could not take a write (or a read) in time: a JSON 503, never a 500 page.
        elif isinstance(exc, DatabaseBusy) or is_busy_error(exc):
            exc = ServiceBusy()
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

    def plain_rows(self, request: Request, query: ListQuery) -> Page | None:
        """The page as plain rows (:mod:`notifications.api.rows`), or None for the ORM path.

        Plain rows serve the package's limit/offset pages short of the deferred
        join; cursor pages, deep offsets and a project's own pagination class
        go through the QuerySet and the serializer. Both answer the same JSON.
        """
        paginator = self.paginator
        if type(paginator) is not NotificationPagination:
            return None
        if paginator.cursor_query_param in request.query_params:
            return None
        if paginator.get_offset(request) >= DEFERRED_JOIN_OFFSET:
            return None
        return plain_page(request.user, query, router.db_for_read(Notification))

    @extend_schema(
        operation_id="notifications_list",
        parameters=[WITH_PARAMETER],
        responses={200: NotificationSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        query = list_query(request)  # a bad parameter is a 400 before anything runs
        plain = self.plain_rows(request, query)
        if plain is not None:
            # A Page reads like the QuerySet a limit/offset paginator slices.
            found = self.paginate_queryset(cast(Any, plain))
            return self.get_paginated_response(with_mutes(request, found))
        rows = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(rows)
        if page is None:
            return Response(with_mutes(request, NotificationSerializer(rows, many=True).data))
        data = NotificationSerializer(page, many=True).data
        return self.get_paginated_response(with_mutes(request, data))

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
        rows = services.mark_read(request.user, batch_ids(request))
        return Response(NotificationSerializer(rows, many=True).data)


def with_mutes(request: Request, rows: Any) -> Any:
    """With ``?with=target_muted``, set ``target_muted`` on each notification JSON of a page.

    True or False for a row about a target (whether the user's mute of it holds
    now), None without one: one indexed query for the page, none for a page
    without targets. Without the parameter the rows are returned as they are
    (the list's default JSON and cost do not change). 400 for another value.
    """
    from django.contrib.contenttypes.models import ContentType

    asked = request.query_params.getlist("with")
    if not asked or asked == [""]:
        return rows
    if asked != ["target_muted"]:
        raise ValidationError({"with": ["with must be 'target_muted' (once)."]})
    user = request.user

    named: dict[int, subscriptions.Target] = {}
    for index, row in enumerate(rows or []):
        target = row["event"]["target"]
        if target is not None:
            app_label, _, model = target["type"].partition(".")
            content_type = ContentType.objects.get_by_natural_key(app_label, model)
            named[index] = subscriptions.Target(content_type.pk, target["id"])
    muted = subscriptions.muted_targets(user, named.values())
    for index, row in enumerate(rows or []):
        found = named.get(index)
        row["target_muted"] = None if found is None else found in muted
    return rows


def batch_ids(request: Request) -> list[int]:
    """The JSON array of ids of a batch body (400 ``{"ids": [...]}`` otherwise)."""
    body = NotificationIdsSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    ids: list[int] = body.validated_data
    return ids


class NotificationIdMixin:
    kwargs: dict[str, object]

    def _id(self) -> int:
        notification_id = int(str(self.kwargs["notification_id"]))
        if notification_id > MAX_ID:
            raise NotFound
        return notification_id


class NotificationDetailView(NotificationIdMixin, NotificationsAPIView):
    """One notification: read it (GET), mark it read or unread (PATCH), delete it (DELETE)."""

    serializer_class = NotificationSerializer

    @extend_schema(
        operation_id="notification_retrieve",
        parameters=[NOTIFICATION_ID, WITH_PARAMETER],
        responses={200: NotificationSerializer, **ERRORS, **NOT_FOUND},
    )
    def get(self, request: Request, notification_id: int) -> Response:
        row = services.get_notification(request.user, self._id())
        return Response(with_mutes(request, [NotificationSerializer(row).data])[0])

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
        if body.marks_unread():
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
        return Response(payloads.filter_payload(services.received_types(request.user)))

    @extend_schema(
        operation_id="notifications_filter_update",
        request=NotificationFilterSerializer,
        responses={200: NotificationFilterSerializer, **ERRORS, **BODY_ERRORS},
    )
    def patch(self, request: Request) -> Response:
        body = NotificationFilterSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        received = services.set_received_types(request.user, body.validated_data["event_types"])
        return Response(payloads.filter_payload(received))


class UnreadCountView(NotificationsAPIView):
    """The exact number of the user's unread notifications."""

    serializer_class = UnreadCountSerializer

    @extend_schema(responses={200: UnreadCountSerializer, **NOT_MODIFIED, **ERRORS})
    def get(self, request: Request) -> HttpResponseBase:
        return conditional_count(request, services.counts(request.user))


class MarkAllSeenView(NotificationsAPIView):
    """Mark every unseen notification seen (the user opened the inbox)."""

    serializer_class = SeenAllSerializer

    @extend_schema(request=None, responses={200: SeenAllSerializer, **ERRORS})
    def post(self, request: Request) -> Response:
        updated = services.mark_all_seen(request.user)
        return Response({"updated": updated, "unseen": services.unseen_count(request.user)})


class NotificationArchiveView(NotificationIdMixin, NotificationsAPIView):
    """Archive one notification (POST ``<id>/archive``)."""

    serializer_class = NotificationSerializer

    def change(self, request: Request, ids: list[int]) -> list[Notification]:
        return services.archive(request.user, ids)

    @extend_schema(
        operation_id="notification_archive",
        request=None,
        parameters=[NOTIFICATION_ID],
        responses={200: NotificationSerializer, **ERRORS, **NOT_FOUND},
    )
    def post(self, request: Request, notification_id: int) -> Response:
        rows = self.change(request, [self._id()])
        if not rows:
            raise NotFound
        return Response(NotificationSerializer(rows[0]).data)


class NotificationSnoozeView(NotificationIdMixin, NotificationsAPIView):
    """Hide one notification until a time (POST ``<id>/snooze``, ``{"until": ...}``)."""

    serializer_class = SnoozeSerializer

    @extend_schema(
        operation_id="notification_snooze",
        request=SnoozeSerializer,
        parameters=[NOTIFICATION_ID],
        responses={200: NotificationSerializer, **ERRORS, **NOT_FOUND, **BODY_ERRORS},
        description="It leaves every list and count until `until`, then comes back unread "
        "and unseen, on top, with a `new` frame. A snoozed notification answers 404.",
    )
    def post(self, request: Request, notification_id: int) -> Response:
        body = SnoozeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        row = snoozing.snooze(request.user, self._id(), body.validated_data["until"])
        return Response(NotificationSerializer(row).data)


class QuietHoursView(NotificationsAPIView):
    """The user's quiet hours (GET), or change some of them (PATCH)."""

    serializer_class = QuietHoursSerializer

    @extend_schema(
        operation_id="notifications_quiet_hours_retrieve",
        responses={200: QuietHoursSerializer, **ERRORS},
    )
    def get(self, request: Request) -> Response:
        return Response(quiet_hours.get_quiet_hours(request.user))

    @extend_schema(
        operation_id="notifications_quiet_hours_update",
        request=QuietHoursSerializer,
        responses={200: QuietHoursSerializer, **ERRORS, **BODY_ERRORS},
        description='Partial: `{"start": "22:00", "end": "07:00", "time_zone": "Europe/Paris", '
        '"enabled": true}`. Channels other than the inbox wait until the window ends.',
    )
    def patch(self, request: Request) -> Response:
        body = QuietHoursSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(quiet_hours.set_quiet_hours(request.user, body.validated_data))


class NotificationUnarchiveView(NotificationArchiveView):
    """Bring one archived notification back (POST ``<id>/unarchive``)."""

    def change(self, request: Request, ids: list[int]) -> list[Notification]:
        return services.unarchive(request.user, ids)

    @extend_schema(
        operation_id="notification_unarchive",
        request=None,
        parameters=[NOTIFICATION_ID],
        responses={200: NotificationSerializer, **ERRORS, **NOT_FOUND},
    )
    def post(self, request: Request, notification_id: int) -> Response:
        return super().post(request, notification_id)


class BatchArchiveView(NotificationsAPIView):
    """Archive the listed notifications (a JSON array of ids, like batch mark-read)."""

    serializer_class = NotificationSerializer

    def change(self, request: Request, ids: list[int]) -> list[Notification]:
        return services.archive(request.user, ids)

    @extend_schema(
        operation_id="notifications_archive",
        request=NotificationIdsSerializer,
        responses={200: array_of("Notification"), **ERRORS, **BODY_ERRORS},
        description=(
            "A JSON array of at most MAX_BATCH_IDS ids; answers the requester's ones among "
            "them. Others' and unknown ids are skipped."
        ),
    )
    def post(self, request: Request) -> Response:
        rows = self.change(request, batch_ids(request))
        return Response(NotificationSerializer(rows, many=True).data)


class BatchUnarchiveView(BatchArchiveView):
    """Bring the listed archived notifications back (a JSON array of ids)."""

    def change(self, request: Request, ids: list[int]) -> list[Notification]:
        return services.unarchive(request.user, ids)

    @extend_schema(
        operation_id="notifications_unarchive",
        request=NotificationIdsSerializer,
        responses={200: array_of("Notification"), **ERRORS, **BODY_ERRORS},
        description="A JSON array of at most MAX_BATCH_IDS ids, like archive.",
    )
    def post(self, request: Request) -> Response:
        return super().post(request)


class MarkAllReadView(NotificationsAPIView):
    """Mark every unread notification read (``?type=a,b`` for some types only)."""

    serializer_class = MarkAllReadSerializer

    @extend_schema(
        request=None,
        parameters=[OpenApiParameter("type", TYPE_NAME_SCHEMA)],
        responses={200: MarkAllReadSerializer, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        query = MarkAllReadQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        updated = services.mark_all_read(request.user, query.types())
        unread = services.unread_count(request.user)
        return Response(payloads.mark_all_read_payload(updated, unread))


class EventTypesView(NotificationsAPIView):
    """The sendable event types, each with whether the user receives it."""

    serializer_class = EventTypeChoiceSerializer
    pagination_class = None

    @extend_schema(responses={200: EventTypeChoiceSerializer(many=True), **ERRORS})
    def get(self, request: Request) -> Response:
        catalogue = services.event_type_catalogue(request.user)
        required = required_names()
        return Response(
            [
                payloads.event_type_choice_payload(t, on, required=t.name in required)
                for t, on in catalogue
            ]
        )
