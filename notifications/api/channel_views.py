"""REST views of the delivery channels: preferences, Web Push subscriptions, unsubscribe."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core import signing
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from notifications.api.openapi import (
    BODY_ERRORS,
    ERRORS,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from notifications.api.serializers import (
    DeviceAnswerSerializer,
    DeviceSerializer,
    DeviceTokenSerializer,
    ErrorDetailSerializer,
    PreferencesSerializer,
    PreferencesUpdateSerializer,
    PushEndpointAnswerSerializer,
    PushEndpointSerializer,
    PushKeySerializer,
    PushSubscriptionSerializer,
)
from notifications.api.views import NotificationsAPIView, ServiceBusy
from notifications.exceptions import DatabaseBusy, UnknownChannel, UnknownEventType
from notifications.outbound import fcm, web_push
from notifications.outbound import preferences as prefs
from notifications.outbound.config import EMAIL
from notifications.outbound.email import read_unsubscribe_token
from notifications.outbound.registry import available_channels

WEB_PUSH_OFF = {404: OpenApiResponse(ErrorDetailSerializer, description="Web Push is not enabled.")}


def body_or_query(request: Request, name: str) -> Any:
    """A DELETE's key: ``name`` in a JSON body, else ``?name=`` (OpenAPI has no DELETE bodies)."""
    data = request.data
    given = data if isinstance(data, dict) and name in data else request.query_params
    return given.get(name)


class PreferencesView(NotificationsAPIView):
    """Per type and channel, whether the user gets it (GET), or change some switches (PATCH)."""

    serializer_class = PreferencesSerializer

    @extend_schema(
        operation_id="notifications_preferences_retrieve",
        responses={200: PreferencesSerializer, **ERRORS},
    )
    def get(self, request: Request) -> Response:
        return Response(prefs.preferences(request.user))

    @extend_schema(
        operation_id="notifications_preferences_update",
        request=PreferencesUpdateSerializer,
        responses={200: PreferencesSerializer, **ERRORS, **BODY_ERRORS},
        description='Partial: `{"types": {"post_like": {"email": false}}}` sets one switch.',
    )
    def patch(self, request: Request) -> Response:
        body = PreferencesUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            prefs.set_preferences(request.user, body.validated_data["types"])
        except UnknownChannel as error:
            raise ValidationError({"types": {error.type_name: [str(error)]}}) from error
        except UnknownEventType as error:
            raise ValidationError({"types": {str(error.name): [str(error)]}}) from error
        return Response(prefs.preferences(request.user))


def _require_web_push() -> None:
    if "web_push" not in available_channels() or web_push.application_server_key() is None:
        raise NotFound("Web Push is not enabled.")


class PushKeyView(NotificationsAPIView):
    """The VAPID application server key browsers subscribe with."""

    serializer_class = PushKeySerializer

    @extend_schema(
        operation_id="notifications_push_key",
        responses={200: PushKeySerializer, **ERRORS, **WEB_PUSH_OFF},
    )
    def get(self, request: Request) -> Response:
        _require_web_push()
        return Response({"public_key": web_push.application_server_key()})


class PushSubscriptionsView(NotificationsAPIView):
    """Save (POST) or delete (DELETE) a browser's push subscription for the current user."""

    serializer_class = PushSubscriptionSerializer

    @extend_schema(
        operation_id="notifications_push_subscribe",
        request=PushSubscriptionSerializer,
        responses={
            201: PushEndpointAnswerSerializer,
            200: PushEndpointAnswerSerializer,
            **ERRORS,
            **BODY_ERRORS,
            **WEB_PUSH_OFF,
        },
    )
    def post(self, request: Request) -> Response:
        _require_web_push()
        body = PushSubscriptionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data: dict[str, Any] = body.validated_data
        created = web_push.save_subscription(
            request.user, data["endpoint"], data["keys"]["p256dh"], data["keys"]["auth"]
        )
        return Response(
            {"endpoint": data["endpoint"]},
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        operation_id="notifications_push_unsubscribe",
        request=None,
        parameters=[
            OpenApiParameter(
                "endpoint",
                {"type": "string", "minLength": 1, "maxLength": 2000, "pattern": "^[^\\x00]*$"},
                OpenApiParameter.QUERY,
                required=True,
                description='The subscription\'s endpoint; or a body {"endpoint": "..."}.',
            )
        ],
        responses={204: None, **ERRORS, **BODY_ERRORS},
    )
    def delete(self, request: Request) -> Response:
        body = PushEndpointSerializer(data={"endpoint": body_or_query(request, "endpoint")})
        body.is_valid(raise_exception=True)
        web_push.delete_subscription(request.user, body.validated_data["endpoint"])
        return Response(status=status.HTTP_204_NO_CONTENT)


FCM_OFF = {404: OpenApiResponse(ErrorDetailSerializer, description="FCM is not enabled.")}


def _require_fcm() -> None:
    if "fcm" not in available_channels():
        raise NotFound("Mobile push (FCM) is not enabled.")


class DevicesView(NotificationsAPIView):
    """The current user's devices (GET), register one (POST) or remove one (DELETE)."""

    serializer_class = DeviceSerializer

    @extend_schema(
        operation_id="notifications_devices_list",
        responses={200: DeviceAnswerSerializer(many=True), **ERRORS, **FCM_OFF},
    )
    def get(self, request: Request) -> Response:
        _require_fcm()
        return Response(DeviceAnswerSerializer(fcm.user_devices(request.user), many=True).data)

    @extend_schema(
        operation_id="notifications_devices_register",
        request=DeviceSerializer,
        responses={
            201: DeviceSerializer,
            200: DeviceSerializer,
            **ERRORS,
            **BODY_ERRORS,
            **FCM_OFF,
        },
    )
    def post(self, request: Request) -> Response:
        _require_fcm()
        body = DeviceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data: dict[str, Any] = body.validated_data
        created = fcm.save_device(request.user, data["token"], data["platform"])
        return Response(
            {"token": data["token"], "platform": data["platform"]},
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        operation_id="notifications_devices_unregister",
        request=None,
        parameters=[
            OpenApiParameter(
                "token",
                {"type": "string", "minLength": 1, "maxLength": 512, "pattern": "^[^\\x00]*$"},
                OpenApiParameter.QUERY,
                required=True,
                description='The device\'s token; or a body {"token": "..."}.',
            )
        ],
        responses={204: None, **ERRORS, **BODY_ERRORS},
    )
    def delete(self, request: Request) -> Response:
        body = DeviceTokenSerializer(data={"token": body_or_query(request, "token")})
        body.is_valid(raise_exception=True)
        fcm.delete_device(request.user, body.validated_data["token"])
        return Response(status=status.HTTP_204_NO_CONTENT)


@csrf_exempt  # RFC 8058: mail providers POST without cookies; the signed token is the proof
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """One-click unsubscribe from a type's email, no login needed.

    GET shows a confirmation page (link scanners must not unsubscribe anyone);
    POST, as mail clients send it (``List-Unsubscribe=One-Click``) or from that
    page, turns email off for the token's types. JSON answers unless the
    client asks for HTML.
    """
    try:
        user_pk, type_names = read_unsubscribe_token(token)
        user = get_user_model()._default_manager.get(pk=user_pk)
    except (signing.BadSignature, get_user_model().DoesNotExist, ValueError):
        return _answer(request, 400, {"detail": "Invalid unsubscribe link."}, token)
    if request.method == "GET":
        return _answer(request, 200, {"types": type_names, "channel": EMAIL}, token, confirm=True)
    offered = [name for name in type_names if EMAIL in prefs.offered_channels(name)]
    if offered:
        try:
            prefs.set_preferences(user, {name: {EMAIL: False} for name in offered})
        except DatabaseBusy:  # SQLite could not take the write in time: JSON 503, not a 500
            busy = JsonResponse({"detail": ServiceBusy.default_detail}, status=503)
            busy["Retry-After"] = str(ServiceBusy.wait)
            return busy
    return _answer(request, 200, {"unsubscribed": offered, "channel": EMAIL}, token)


def _answer(
    request: HttpRequest, code: int, body: dict[str, Any], token: str, *, confirm: bool = False
) -> HttpResponse:
    if "text/html" not in request.headers.get("Accept", ""):
        return JsonResponse(body, status=code)
    context = {**body, "token": token, "confirm": confirm, "error": code >= 400}
    return render(request, "notifications/unsubscribe.html", context, status=code)
