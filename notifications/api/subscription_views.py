"""REST views of watchers: the current user's subscriptions and mutes (docs/watchers.md).

An object is named like the list's ``?target=``: ``app_label.model:pk``. Following or
muting asks :func:`notifications.subscriptions.may_follow` first (the
``SUBSCRIBE_PERMISSION`` hook); unfollowing and unmuting are always allowed.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from notifications import payloads, subscriptions
from notifications.api.channel_views import body_or_query
from notifications.api.openapi import (
    BODY_ERRORS,
    ERRORS,
    TARGET_SCHEMA,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from notifications.api.pagination import BoundedPagination
from notifications.api.serializers import (
    ErrorDetailSerializer,
    MuteSerializer,
    SubscriptionSerializer,
    SubscriptionTargetSerializer,
)
from notifications.api.views import NotificationsAPIView
from notifications.exceptions import TargetRefused

REFUSED = {
    403: OpenApiResponse(
        ErrorDetailSerializer,
        description="Not authenticated (session), CSRF, or the user may not follow that object "
        "(SUBSCRIBE_PERMISSION; a missing object answers the same).",
    )
}
TARGET_PARAMETER = OpenApiParameter(
    "target",
    TARGET_SCHEMA,
    OpenApiParameter.QUERY,
    required=True,
    description='The object: app_label.model:pk; or a body {"target": "..."}.',
)


def _answer(user: Any, target: subscriptions.Target, code: int = 200) -> Response:
    row = subscriptions.subscriptions(user).about(*target).first()
    if row is None:  # unfollowed and unmuted meanwhile: the state of no row
        body: Any = {
            "target": payloads.target_payload(*target),
            "subscribed": False,
            "muted": False,
            "muted_until": None,
            "created": None,
        }
        return Response(body, status=code)
    return Response(payloads.subscription_payload(row, timezone.now()), status=code)


def _target(request: Request) -> subscriptions.Target | None:
    """The object of a DELETE or a GET: ``?target=`` or a body ``{"target": ...}``.

    400 when it is malformed; None when it names no model (nothing is about it).
    """
    body = SubscriptionTargetSerializer(data={"target": body_or_query(request, "target")})
    body.is_valid(raise_exception=True)
    target: subscriptions.Target | None = body.validated_data["target"]
    return target


def _followable(user: Any, body: SubscriptionTargetSerializer | MuteSerializer) -> Any:
    """The body's object, if ``user`` may follow or mute it (403 naming it otherwise)."""
    target = body.validated_data["target"]
    if target is None:
        raise TargetRefused(body.target_label())
    subscriptions.require_follow(user, target)
    return target


class WatcherAPIView(NotificationsAPIView):
    """A refused target answers 403 with a JSON body naming it."""

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, TargetRefused):
            exc = PermissionDenied(str(exc))
        return super().handle_exception(exc)


class SubscriptionsView(WatcherAPIView):
    """The objects the user follows or muted (GET), follow one (POST), unfollow it (DELETE)."""

    serializer_class = SubscriptionSerializer
    pagination_class = BoundedPagination

    @extend_schema(
        operation_id="notifications_subscriptions_list",
        parameters=[
            OpenApiParameter(
                "target",
                TARGET_SCHEMA,
                OpenApiParameter.QUERY,
                description="Only the row about this object (app_label.model:pk).",
            )
        ],
        responses={200: SubscriptionSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        rows = subscriptions.subscriptions(request.user)
        if "target" in request.query_params:
            target = _target(request)
            rows = rows.none() if target is None else rows.about(*target)
        page = self.paginate_queryset(rows)
        now = timezone.now()
        found = [payloads.subscription_payload(row, now) for row in page or []]
        return self.get_paginated_response(found)

    @extend_schema(
        operation_id="notifications_subscribe",
        request=SubscriptionTargetSerializer,
        responses={
            201: SubscriptionSerializer,
            200: SubscriptionSerializer,
            **ERRORS,
            **REFUSED,
            **BODY_ERRORS,
        },
        description="Follow an object: 201 when the user did not follow it yet, else 200.",
    )
    def post(self, request: Request) -> Response:
        body = SubscriptionTargetSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        target = _followable(request.user, body)
        created = subscriptions.subscribe(request.user, target)
        return _answer(request.user, target, 201 if created else 200)

    @extend_schema(
        operation_id="notifications_unsubscribe",
        request=None,
        parameters=[TARGET_PARAMETER],
        responses={204: None, **ERRORS, **BODY_ERRORS},
        description="Stop following an object (a mute on it stays). Idempotent.",
    )
    def delete(self, request: Request) -> Response:
        target = _target(request)
        if target is not None:
            subscriptions.unsubscribe(request.user, target)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MuteView(WatcherAPIView):
    """Mute an object (POST, for ever or until a time) or end the mute (DELETE)."""

    serializer_class = SubscriptionSerializer

    @extend_schema(
        operation_id="notifications_mute",
        request=MuteSerializer,
        responses={200: SubscriptionSerializer, **ERRORS, **REFUSED, **BODY_ERRORS},
        description=(
            "No notification about the object reaches the user from any send that starts "
            'after this answer, until `until` (null: for ever). `{"target": "blog.post:7"}`.'
        ),
    )
    def post(self, request: Request) -> Response:
        body = MuteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        target = _followable(request.user, body)
        subscriptions.mute(request.user, target, body.validated_data["until"])
        return _answer(request.user, target)

    @extend_schema(
        operation_id="notifications_unmute",
        request=None,
        parameters=[TARGET_PARAMETER],
        responses={204: None, **ERRORS, **BODY_ERRORS},
        description="End the mute of an object (following it is unchanged). Idempotent.",
    )
    def delete(self, request: Request) -> Response:
        target = _target(request)
        if target is not None:
            subscriptions.unmute(request.user, target)
        return Response(status=status.HTTP_204_NO_CONTENT)
