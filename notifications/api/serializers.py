"""Request bodies and query parameters of the REST API, and the shapes of its answers.

Every body and query parameter a view reads goes through a serializer here,
once; the views pass ``validated_data`` to :mod:`notifications.services`.
Answers are rendered by :mod:`notifications.payloads` (the same code that
renders WebSocket frames); the output serializers here describe those shapes
for the OpenAPI schema.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from notifications.conf import notifications_settings
from notifications.event_types import required_names, sendable_type
from notifications.exceptions import InvalidNotification
from notifications.models import MAX_ID, Event, EventType, Notification
from notifications.payloads import payload_for
from notifications.validation import check_storable, parse_target_label


class EventTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = EventType
        fields = ["id", "name", "title", "description"]
        read_only_fields = fields  # output only: every key is always present


class TargetSerializer(serializers.Serializer):
    """What an event is about: ``{"type": "app_label.model", "id": "7"}`` (schema only)."""

    type = serializers.CharField(read_only=True, help_text="app_label.model")
    id = serializers.CharField(read_only=True, help_text="The object's primary key, as text.")


class AuthorSerializer(serializers.Serializer):
    """One of a notification's recent authors (schema only)."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class MessageIdSerializer(serializers.Serializer):
    """A message id of translatable text (schema only; docs/i18n.md)."""

    def get_fields(self) -> dict[str, serializers.Field]:
        # Declared here: a ``context`` attribute would hide the serializer's own.
        return {
            "id": serializers.CharField(read_only=True, help_text="The msgid (source text)."),
            # Only when set: not read-only, so the schema does not list them as required.
            "context": serializers.CharField(required=False, help_text="msgctxt"),
            "plural": serializers.CharField(required=False, help_text="msgid_plural"),
            "number": serializers.CharField(
                required=False, help_text="The param that picks the plural form."
            ),
        }


class TextSerializer(serializers.Serializer):
    """``event.text``: what ``title`` and ``message`` were rendered from (schema only)."""

    title = MessageIdSerializer(read_only=True, allow_null=True)
    message = MessageIdSerializer(read_only=True, allow_null=True)
    # Not read-only, so the schema does not list it as required (output only all the same).
    grouped = MessageIdSerializer(
        required=False, help_text="The title of a grouped row holding more than one event."
    )
    params = serializers.DictField(read_only=True, help_text="Named parameters of the messages.")
    language = serializers.CharField(read_only=True, help_text="The language of title/message.")


class EventSerializer(serializers.ModelSerializer):
    type = EventTypeSerializer(read_only=True)
    target = TargetSerializer(read_only=True, allow_null=True)
    # Not read-only, so the schema does not list it as required (output only all the same).
    text = TextSerializer(
        required=False,
        help_text=(
            "Only for translatable text: the message ids and params that title and message "
            "were rendered from, in the reader's language (docs/i18n.md)."
        ),
    )

    class Meta:
        model = Event
        fields = [
            "id",
            "timestamp",
            "author",
            "type",
            "title",
            "message",
            "data",
            "target",
            "expires",
            "url",
            "text",
        ]
        read_only_fields = fields


class NotificationSerializer(serializers.ModelSerializer):
    """A notification as docs/api.md shows it (REST and WebSocket alike)."""

    event = EventSerializer(read_only=True)
    authors = AuthorSerializer(
        many=True, read_only=True, help_text="Recent authors, newest first (at most GROUP_AUTHORS)."
    )
    # Not read_only: drf-spectacular lists every read-only field as required, and
    # this one is only there on request (the serializer renders, it never parses).
    target_muted = serializers.BooleanField(
        allow_null=True,
        required=False,
        help_text="With ?with=target_muted (list, detail GET): whether the user muted the "
        "event's target (null without a target). Absent otherwise, and from frames.",
    )

    class Meta:
        model = Notification
        fields = [
            "id",
            "user",
            "readed",
            "event",
            "seen",
            "archived",
            "group",
            "count",
            "authors",
            "target_muted",
        ]
        read_only_fields = fields

    def to_representation(self, instance: Notification) -> Any:
        return payload_for(instance)


class StrictIntegerField(serializers.IntegerField):
    """An integer in the JSON body: no strings, floats or booleans."""

    default_error_messages = {"invalid": "Must be an integer id."}

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        value: int = super().to_internal_value(data)
        return value


class NotificationIdsField(serializers.ListField):
    """A JSON array of at most ``MAX_BATCH_IDS`` notification ids (``[]`` is valid)."""

    child = StrictIntegerField(min_value=-MAX_ID, max_value=MAX_ID)

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", notifications_settings.MAX_BATCH_IDS)
        kwargs.setdefault("allow_empty", True)
        super().__init__(**kwargs)


class NotificationIdsSerializer(serializers.ListSerializer):
    """A batch body: a (required) JSON array of ids, ``validated_data`` the list of them.

    Validated by :class:`NotificationIdsField`, so errors name the bad index and
    come under ``ids``: ``{"ids": {"0": ["Must be an integer id."]}}``.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("child", StrictIntegerField(min_value=-MAX_ID, max_value=MAX_ID))
        super().__init__(**kwargs)

    def run_validation(self, data: Any = serializers.empty) -> list[int]:
        try:
            ids: list[int] = NotificationIdsField().run_validation(data)
        except serializers.ValidationError as error:
            raise serializers.ValidationError({"ids": error.detail}) from error
        return ids


class ReadStateField(serializers.BooleanField):
    """``true`` (read) or ``null`` (unread), nothing else."""

    default_error_messages = {"invalid": "Must be true (mark read) or null (mark unread)."}

    def to_internal_value(self, data: Any) -> bool:
        if data is not True:
            self.fail("invalid")
        return True


class ReadStateSerializer(serializers.Serializer):
    """Optional detail PATCH body: no body or ``{"readed": true}`` marks read, ``null`` unread."""

    readed = ReadStateField(allow_null=True, required=False)

    def marks_unread(self) -> bool:
        """Whether the (valid) body asks to mark the notification unread."""
        return self.validated_data.get("readed", True) is None


class EventTypeNameField(serializers.CharField):
    """The name of a sendable event type (the schema lists the names of ``EVENTS``)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 100)
        super().__init__(**kwargs)


class NotificationFilterSerializer(serializers.Serializer):
    """The per-user filter: the names of the event types the user receives."""

    event_types = serializers.ListField(child=EventTypeNameField(), allow_empty=True)

    def validate_event_types(self, names: list[str]) -> list[str]:
        unknown = [name for name in names if sendable_type(name) is None]
        if unknown:
            raise serializers.ValidationError(
                f"Unknown or removed event type: {', '.join(map(repr, unknown))}."
            )
        dropped = sorted(required_names() - set(names))
        if dropped:
            raise serializers.ValidationError(
                f"Required event type cannot be turned off: {', '.join(map(repr, dropped))}."
            )
        return list(dict.fromkeys(names))


class MarkAllReadQuerySerializer(serializers.Serializer):
    """``POST read-all`` query parameters: ``?type=a,b`` limits it to those types."""

    type = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)

    def validate_type(self, text: str) -> list[str] | None:
        return [name for name in text.split(",") if name] if text else None

    def types(self) -> list[str] | None:
        """The type names asked for, or None for every type."""
        names: list[str] | None = self.validated_data.get("type")
        return names


class EventTypeChoiceSerializer(serializers.Serializer):
    """A sendable type and whether the requesting user receives it."""

    name = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField(allow_null=True)
    enabled = serializers.BooleanField()
    required = serializers.BooleanField(  # type: ignore[assignment]
        help_text="Declared required in EVENTS: always received, cannot be turned off."
    )


class ErrorDetailSerializer(serializers.Serializer):
    """The body of 401, 403, 404, 405, 413, 415 and 429 answers (schema only)."""

    detail = serializers.CharField()


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField(min_value=0)
    unseen = serializers.IntegerField(min_value=0, help_text="Unseen notifications (the badge).")


class SeenAllSerializer(serializers.Serializer):
    updated = serializers.IntegerField(min_value=0, help_text="Notifications marked seen.")
    unseen = serializers.IntegerField(min_value=0, help_text="Unseen notifications left.")


class MarkAllReadSerializer(serializers.Serializer):
    updated = serializers.IntegerField(min_value=0, help_text="Notifications marked read.")
    unread = serializers.IntegerField(min_value=0, help_text="Unread notifications left.")


# --- Delivery channels (docs/channels.md) ---


class TypeChannelsSerializer(serializers.Serializer):
    """One type's channels: ``{"in_app": true, "email": false, ...}`` (schema only)."""

    name = serializers.CharField()
    title = serializers.CharField()
    channels = serializers.DictField(child=serializers.BooleanField())
    required = serializers.ListField(  # type: ignore[assignment]
        child=serializers.CharField(),
        help_text="The channels declared required in EVENTS: always on, cannot be turned off.",
    )


class PreferencesSerializer(serializers.Serializer):
    """The ``preferences`` answer: the project's channels and each type's switches."""

    channels = serializers.ListField(child=serializers.CharField())
    types = TypeChannelsSerializer(many=True)


class StrictBooleanField(serializers.BooleanField):
    """A JSON ``true`` or ``false``; no strings or numbers."""

    default_error_messages = {"invalid": "Must be true or false."}

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StorableKeysDictField(serializers.DictField):
    """A ``DictField`` that refuses unstorable keys (NUL, a lone surrogate) first.

    DRF echoes a key in its error body; such a key could not even be rendered
    (a 500), so it is refused without being echoed.
    """

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, dict):
            try:
                check_storable([key for key in data if isinstance(key, str)], "a name")
            except InvalidNotification as error:
                raise serializers.ValidationError(str(error)) from error
        return super().to_internal_value(data)


class PreferencesUpdateSerializer(serializers.Serializer):
    """``{"types": {"post_like": {"email": false}}}``: only the switches given change."""

    types = StorableKeysDictField(
        child=StorableKeysDictField(child=StrictBooleanField(), allow_empty=True),
        allow_empty=True,
    )


class PushKeySerializer(serializers.Serializer):
    public_key = serializers.CharField(help_text="VAPID application server key, base64url.")


class PushKeysSerializer(serializers.Serializer):
    p256dh = serializers.CharField(max_length=200)
    auth = serializers.CharField(max_length=100)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        from notifications.outbound.web_push import check_keys

        try:
            check_keys(attrs["p256dh"], attrs["auth"])
        except ValueError as error:
            field = "auth" if str(error).startswith("auth") else "p256dh"
            raise serializers.ValidationError({field: [str(error)]}) from error
        return attrs


class PushSubscriptionSerializer(serializers.Serializer):
    """A browser's ``PushSubscription.toJSON()``."""

    endpoint = serializers.URLField(max_length=2000)
    expirationTime = serializers.IntegerField(allow_null=True, required=False)
    keys = PushKeysSerializer()

    def validate_endpoint(self, value: str) -> str:
        from notifications.outbound.requests import RefusedURL
        from notifications.outbound.web_push import check_endpoint

        try:
            return check_endpoint(value)
        except RefusedURL as error:
            raise serializers.ValidationError(
                f"The endpoint {value[:200]!r} is refused: {error.reason}."
            ) from error


class PushEndpointSerializer(serializers.Serializer):
    # Not trimmed: whitespace is part of the name asked for (it matches no subscription).
    endpoint = serializers.CharField(max_length=2000, trim_whitespace=False)


class PushEndpointAnswerSerializer(serializers.Serializer):
    endpoint = serializers.CharField()


# --- Watchers: subscriptions and mutes (docs/watchers.md) ---


class TargetNameField(serializers.Field):
    """An object named like ``?target=``: ``app_label.model:pk``, parsed to a Target.

    A well-formed name of a model that does not exist parses to None: nobody may
    follow it, and there is nothing to unfollow (not a 400: the name is valid).
    """

    default_error_messages = {
        "invalid": "target must look like 'app_label.model:pk', e.g. 'blog.post:7'.",
    }

    def to_internal_value(self, data: Any) -> Any:
        from notifications.subscriptions import Target

        if not isinstance(data, str) or len(data) > 512:
            self.fail("invalid")
        try:
            content_type_id, object_id = parse_target_label(data)
        except ValueError:
            self.fail("invalid")
        if content_type_id is None:
            return None
        return Target(content_type_id, object_id)

    def to_representation(self, value: Any) -> Any:
        return value


class SubscriptionTargetSerializer(serializers.Serializer):
    """``{"target": "blog.post:7"}``: the object to follow or unfollow."""

    target = TargetNameField(allow_null=False)

    def target_label(self) -> str:
        """The target as the request named it."""
        return str(self.initial_data.get("target"))


class MuteSerializer(serializers.Serializer):
    """``{"target": "blog.post:7", "until": null}``: mute for ever, or until a future time."""

    target = TargetNameField()
    until = serializers.DateTimeField(
        allow_null=True,
        required=False,
        default=None,
        help_text="When the mute ends (a time already past ends it at once); null: for ever.",
    )

    def target_label(self) -> str:
        """The target as the request named it."""
        return str(self.initial_data.get("target"))


class SubscriptionSerializer(serializers.Serializer):
    """The user's relation to one object (schema only; rendered by payloads)."""

    target = TargetSerializer(read_only=True)
    subscribed = serializers.BooleanField(read_only=True, help_text="The user follows it.")
    muted = serializers.BooleanField(
        read_only=True, help_text="No notification about it reaches the user now."
    )
    muted_until = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="When the mute ends; null: for ever, or not muted.",
    )
    created = serializers.DateTimeField(read_only=True)


class FutureDateTimeField(serializers.DateTimeField):
    """An ISO 8601 moment in the future (naive: the project's TIME_ZONE); never a 500."""

    default_error_messages = {
        "past": "Must be a time in the future.",
        "overflow": "Must be a time between years 1 and 9999 in UTC.",
    }

    def to_internal_value(self, value: Any) -> Any:
        import datetime

        from django.utils import timezone

        try:
            moment = super().to_internal_value(value)
        except (OverflowError, ValueError):
            self.fail("overflow")
        if not isinstance(moment, datetime.datetime):
            self.fail("invalid", format="YYYY-MM-DDThh:mm[:ss][+HH:MM|Z]")
        if moment <= timezone.now():
            self.fail("past")
        return moment


class SnoozeSerializer(serializers.Serializer):
    """``{"until": "2026-12-07T09:00:00Z"}``: hide the notification until then."""

    until = FutureDateTimeField(help_text="When the notification comes back (in the future).")


class TimeZoneField(serializers.CharField):
    """An IANA time zone name (``Europe/Paris``) this server knows."""

    default_error_messages = {"unknown": "{value!r} is not a known time zone (IANA name)."}

    def to_internal_value(self, data: Any) -> str:
        from notifications.outbound.quiet_hours import time_zone_names

        name = super().to_internal_value(data)
        if name not in time_zone_names():
            self.fail("unknown", value=name[:64])
        return str(name)


class ClockField(serializers.TimeField):
    """A local time of day, ``HH:MM`` (in and out)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", input_formats=["%H:%M"], **kwargs)


class QuietHoursSerializer(serializers.Serializer):
    """A user's quiet hours; PATCH changes the given keys only (``{}`` changes nothing)."""

    enabled = StrictBooleanField(required=False)
    time_zone = TimeZoneField(required=False, max_length=64, help_text="e.g. Europe/Paris")
    start = ClockField(required=False, help_text="HH:MM, local time")
    end = ClockField(
        required=False, help_text="HH:MM, local time; before start: the window crosses midnight"
    )


class DeviceSerializer(serializers.Serializer):
    """An app's FCM registration token (``getToken()``) and its platform."""

    token = serializers.RegexField(
        r"^[A-Za-z0-9_:\-]+$",
        max_length=512,
        help_text="The FCM registration token the app got from getToken().",
        error_messages={"invalid": "Not an FCM registration token (letters, digits, _ : -)."},
    )
    platform = serializers.ChoiceField(choices=["android", "ios", "web"])


class DeviceAnswerSerializer(DeviceSerializer):
    created = serializers.DateTimeField(read_only=True)


class DeviceTokenSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=512)
