"""The one place that builds the wire JSON, for REST responses and WebSocket frames.

Views answer with these builders only; :mod:`notifications.api.serializers`
describes the same shapes for the OpenAPI schema.

The event part of a notification is built once per event and shared by every
recipient's payload, so a fan-out never queries per recipient to build pushes.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal, NotRequired, TypedDict

from django.conf import settings
from django.utils import translation
from rest_framework import serializers

from notifications import i18n
from notifications.conf import notifications_settings
from notifications.i18n import author_name as author_name  # its home is i18n

if TYPE_CHECKING:  # not at run time: notifications.routing must import before django.setup()
    from notifications.models import Event, EventType, Notification

_datetime_field = serializers.DateTimeField()

Action = Literal[
    "new",
    "readed",
    "unread",
    "deleted",
    "readed_all",
    "seen_all",
    "archived",
    "unarchived",
    "updated",
    "snoozed",
]


class EventTypePayload(TypedDict):
    id: int
    name: str
    title: str
    description: str | None


class TargetPayload(TypedDict):
    type: str  # "app_label.model"
    id: str  # the primary key as text


class AuthorPayload(TypedDict):
    id: int
    name: str


class TextPayload(TypedDict):
    """``event.text`` (only for translatable text): what ``title`` and ``message`` were
    rendered from, and in which language, for clients that render themselves."""

    title: i18n.MessageSpec | None
    message: i18n.MessageSpec | None
    params: dict[str, Any]
    grouped: NotRequired[i18n.MessageSpec | None]
    language: str


class EventPayload(TypedDict):
    id: int
    timestamp: str
    author: int | None
    type: EventTypePayload
    title: str
    message: str | None
    data: Any
    target: TargetPayload | None
    expires: str | None
    url: str | None
    text: NotRequired[TextPayload]


class NotificationPayload(TypedDict):
    id: int
    user: int
    readed: str | None
    event: EventPayload
    seen: str | None
    archived: str | None
    group: str | None
    count: int
    authors: list[AuthorPayload]


class DeletedPayload(TypedDict):
    id: int


class Counts(TypedDict):
    """The counts every frame carries (and ``GET unread-count`` answers)."""

    unread: int
    unseen: int


class FrameCounts(Counts):
    """The counts of a frame and its marker: ``seq`` grows with the commit order of the
    user's changes, so a client drops counts older than the newest it applied."""

    seq: NotRequired[int]


class PushMessage(TypedDict):
    action: Action
    notification: NotRequired[NotificationPayload | DeletedPayload]
    before: NotRequired[str]
    types: NotRequired[list[str]]
    unread: int
    unseen: int
    seq: NotRequired[int]


def format_datetime(value: datetime.datetime | None) -> str | None:
    """Render a datetime exactly as Django REST framework does (ISO 8601 with offset)."""
    if value is None:
        return None
    rendered: str = _datetime_field.to_representation(value)
    return rendered


def event_type_payload(event_type: EventType) -> EventTypePayload:
    return event_type_fields(
        event_type.pk, event_type.name, event_type.title, event_type.description
    )


def event_type_fields(
    type_id: int, name: str, title: str, description: str | None
) -> EventTypePayload:
    """An event type's JSON from its columns."""
    return {"id": type_id, "name": name, "title": title, "description": description}


def target_payload(content_type_id: int | None, object_id: str | None) -> TargetPayload | None:
    """``{"type": "app_label.model", "id": "7"}``; content types come from Django's cache."""
    if content_type_id is None or object_id is None:
        return None
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_id(content_type_id)
    return {"type": f"{content_type.app_label}.{content_type.model}", "id": object_id}


def author_payload(user: Any) -> AuthorPayload:
    return {"id": user.pk, "name": author_name(user)}


def event_authors(event: Event) -> list[AuthorPayload]:
    """The ``authors`` of an ungrouped notification: its event's author, if any."""
    return [] if event.author_id is None else [author_payload(event.author)]


def event_payload(event: Event) -> EventPayload:
    """The ``event`` part of a notification (``event.type`` should be loaded)."""
    return event_fields(
        event_id=event.pk,
        timestamp=event.timestamp,
        author_id=event.author_id,
        event_type=event_type_payload(event.type),
        title=event.title,
        message=event.message,
        data=event.data,
        target_type_id=event.target_type_id,
        target_id=event.target_id,
        expires=event.expires,
        url=event.url,
        text=event.text,
        authors=event_authors(event) if event.text is not None else None,
    )


def event_fields(
    *,
    event_id: int,
    timestamp: datetime.datetime,
    author_id: int | None,
    event_type: EventTypePayload,
    title: str,
    message: str | None,
    data: Any,
    target_type_id: int | None,
    target_id: str | None,
    expires: datetime.datetime | None,
    url: str | None,
    text: i18n.TextSpec | None = None,
    authors: list[AuthorPayload] | None = None,
    language: str | None = None,
    rendered: i18n.Rendered | None = None,
) -> EventPayload:
    """The ``event`` part of a notification from its columns (model instances or plain rows).

    Translatable ``text`` is rendered in ``language`` (default: the active one, the
    reader's: views, frames and channels activate it), with the event's ``authors``,
    and carried as ``event.text``; literal text is the stored ``title``/``message``.
    """
    payload: EventPayload = {
        "id": event_id,
        "timestamp": format_datetime(timestamp) or "",
        "author": author_id,
        "type": event_type,
        "title": title,
        "message": message,
        "data": data,
        "target": target_payload(target_type_id, target_id),
        "expires": format_datetime(expires),
        "url": url,
    }
    if text is not None:
        if language is None:  # a page passes the reader's, read once for all its rows
            language = translation.get_language()
        if rendered is None:  # a caller that rendered already passes it (api.rows caches it)
            rendered = i18n.render_text(text, title, message, authors=authors, language=language)
        payload["title"], payload["message"] = rendered.title, rendered.message
        shown: TextPayload = {
            "title": text["title"],
            "message": text["message"],
            "params": text["params"],
            "language": language or settings.LANGUAGE_CODE,
        }
        if text.get("grouped") is not None:
            shown["grouped"] = text["grouped"]
        payload["text"] = shown
    return payload


def pluralised(event: EventPayload, count: int, authors: list[AuthorPayload]) -> EventPayload:
    """``event`` with its translatable text rendered for a grouped row (``count`` events,
    ``authors`` newest first): a copy, since the event payload is shared between rows."""
    text = event.get("text")
    if text is None or count == 1:
        return event
    spec: i18n.TextSpec = {
        "title": text["title"],
        "message": text["message"],
        "params": text["params"],
        "grouped": text.get("grouped"),
    }
    rendered = i18n.render_text(
        spec,
        event["title"],
        event["message"],
        count=count,
        authors=authors,
        language=text["language"],
    )
    return {**event, "title": rendered.title, "message": rendered.message}


def notification_payload(
    *,
    notification_id: int,
    user_id: int,
    readed: datetime.datetime | None,
    event: EventPayload,
    authors: list[AuthorPayload],
    seen: datetime.datetime | None = None,
    archived: datetime.datetime | None = None,
    group: str | None = None,
    count: int = 1,
) -> NotificationPayload:
    """A notification from its own columns and its (shared) event payload.

    The defaults are those of a row a fan-out has just created.
    """
    return {
        "id": notification_id,
        "user": user_id,
        "readed": format_datetime(readed),
        "event": pluralised(event, count, authors),
        "seen": format_datetime(seen),
        "archived": format_datetime(archived),
        "group": group,
        "count": count,
        "authors": authors,
    }


def payload_for(notification: Notification) -> NotificationPayload:
    """A notification's JSON from a model instance (REST, single pushes)."""
    event = notification.event
    stored = notification.authors
    return notification_payload(
        notification_id=notification.pk,
        user_id=notification.user_id,
        readed=notification.readed,
        event=event_payload(event),
        authors=event_authors(event) if stored is None else stored,
        seen=notification.seen,
        archived=notification.archived,
        group=notification.group,
        count=notification.count,
    )


class FilterPayload(TypedDict):
    event_types: list[str]


class MarkAllReadPayload(TypedDict):
    updated: int
    unread: int


class EventTypeChoicePayload(TypedDict):
    name: str
    title: str
    description: str | None
    enabled: bool
    required: bool


def filter_payload(received: Iterable[EventType]) -> FilterPayload:
    """The filter answer: the names of the types the user receives, in the given order."""
    return {"event_types": [event_type.name for event_type in received]}


def mark_all_read_payload(updated: int, unread: int) -> MarkAllReadPayload:
    """The ``read-all`` answer: rows marked read, unread rows left."""
    return {"updated": updated, "unread": unread}


def event_type_choice_payload(
    event_type: EventType, enabled: bool, *, required: bool = False
) -> EventTypeChoicePayload:
    """A sendable type, whether the user receives it and whether it is required (``types``)."""
    return {
        "name": event_type.name,
        "title": event_type.title,
        "description": event_type.description,
        "enabled": enabled or required,
        "required": required,
    }


def push_message(
    action: Action,
    *,
    unread: int,
    unseen: int,
    notification: NotificationPayload | DeletedPayload | None = None,
    before: datetime.datetime | None = None,
    types: list[str] | None = None,
    seq: int | None = None,
) -> PushMessage:
    """A WebSocket frame: ``{"action", "notification", "unread", "unseen", "seq"}``
    (+ before, types); ``seq`` is the marker the bus reserved before the counts were read."""
    message: dict[str, Any] = {"action": action}
    if notification is not None:
        message["notification"] = notification
    if before is not None:
        message["before"] = format_datetime(before)
    if types is not None:
        message["types"] = types
    message["unread"] = unread
    message["unseen"] = unseen
    if seq is not None:
        message["seq"] = seq
    return message  # type: ignore[return-value]


def regrouped(
    message: PushMessage, group: str, count: int, authors: list[AuthorPayload] | None
) -> PushMessage:
    """Turn a fresh fan-out frame into a grouped event's, in place (the frame is new).

    Sets the group, and for a row that folded events in (``count`` > 1) the
    action ``updated``, the count and ``authors`` (None: keep the event's).
    """
    notification: Any = message["notification"]
    notification["group"] = group
    if count > 1:
        message["action"] = "updated"
        notification["count"] = count
        if authors is not None:
            notification["authors"] = authors
        notification["event"] = pluralised(notification["event"], count, notification["authors"])
    return message


def encode(message: PushMessage) -> str:
    """Serialise a frame once; the consumer forwards the text as it is."""
    return json.dumps(message, separators=(",", ":"))


class WebPushPayload(TypedDict):
    title: str
    body: str
    tag: str
    url: str
    notification: NotRequired[NotificationPayload]


#: Push services take at most 4,096 bytes of encrypted payload; keep room for the overhead.
WEB_PUSH_MAX_BYTES = 3000


def rendered_for(notification: Notification, language: str | None = None) -> i18n.Rendered:
    """``notification``'s ``title`` and ``message`` in ``language`` (default: its recipient's,
    :func:`notifications.i18n.user_language`), pluralised for a grouped row.

    The one call a channel makes for its text: literal text comes back as stored.
    """
    event = notification.event
    if event.text is None:
        return i18n.Rendered(event.title, event.message)
    with translation.override(language or i18n.user_language(notification.user)):
        shown = payload_for(notification)["event"]
    return i18n.Rendered(shown["title"], shown["message"])


def web_push_payload(notification: Notification) -> WebPushPayload:
    """What the service worker receives: what to show (in the recipient's language), and
    the notification's JSON if it fits."""
    # The notification's own link, else the page a click opens (WEB_PUSH_URL).
    url = notification.event.url or str(notifications_settings.WEB_PUSH_URL)
    base = notifications_settings.BASE_URL
    if base and url.startswith("/"):
        url = f"{str(base).rstrip('/')}{url}"
    with translation.override(i18n.user_language(notification.user)):
        shown = payload_for(notification)
    payload: WebPushPayload = {
        "title": shown["event"]["title"],
        "body": shown["event"]["message"] or "",
        "tag": f"notification-{notification.pk}",
        "url": url,
        "notification": shown,
    }
    if len(json.dumps(payload).encode()) > WEB_PUSH_MAX_BYTES:
        del payload["notification"]
    return payload


class SubscriptionPayload(TypedDict):
    target: TargetPayload | None
    subscribed: bool
    muted: bool
    muted_until: str | None
    created: str | None


def subscription_payload(row: Any, now: datetime.datetime) -> SubscriptionPayload:
    """A user's row about one object (``subscriptions``); ``muted``: the mute holds at ``now``."""
    muted = row.muted_at is not None and (row.muted_until is None or row.muted_until > now)
    return {
        "target": target_payload(row.target_type_id, row.target_id),
        "subscribed": row.subscribed,
        "muted": muted,
        "muted_until": format_datetime(row.muted_until) if muted else None,
        "created": format_datetime(row.created),
    }
