"""What the package does: send, read, unread, delete, filter. No HTTP here.

Every function writes in one transaction and pushes to the users' sockets only
after it commits (``transaction.on_commit``); a rolled-back write pushes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from notifications import signals
from notifications.conf import notifications_settings
from notifications.delivery import push_frames, push_new
from notifications.event_types import declared_events
from notifications.exceptions import InvalidNotification, UnknownEventType
from notifications.fanout import inline, tasks
from notifications.fanout.audience import Users, resolve_audience
from notifications.models import Event, EventType, ExcludedEventType, Notification
from notifications.payloads import Action, payload_for, push_message


def send_notification(
    type: str,
    title: str,
    data: Any = None,
    users: Users = None,
    message: str | None = None,
    author: Any = None,
    *,
    key: str | None = None,
    background: bool | None = None,
) -> Event:
    """Write an Event and one Notification per recipient, then push them after commit.

    ``users`` is a QuerySet of users, a ``values_list("id", flat=True)`` QuerySet,
    an iterable of users or ids, one user, or None for every user. Each user
    gets at most one notification; unknown ids and users whose filter excludes
    the type are skipped, in SQL.

    ``key`` makes the call idempotent: a second call with the same ``type`` and
    ``key`` creates nothing and returns the first Event. ``background=True``
    (or an audience above ``ASYNC_FANOUT_THRESHOLD``) returns once the Event is
    committed and fans out on the task queue; ``background=False`` never does.

    Raises :class:`UnknownEventType` (a ``ValueError``) for a type not declared
    in ``settings.EVENTS`` and :class:`InvalidNotification` for data that is
    not JSON-serializable or a bad title or key, before anything is written.
    """
    # Declared in EVENTS now (even before migrate deactivates a removed type) and synced.
    declared = {event.name for event in declared_events()}
    event_type = EventType.objects.filter(name=type, is_active=True).first()
    if event_type is None or type not in declared:
        raise UnknownEventType(type)
    _validate(title=title, data=data, message=message, key=key)
    audience = resolve_audience(users)
    if background is None:
        threshold = notifications_settings.ASYNC_FANOUT_THRESHOLD
        size = audience.size() if threshold is not None else None
        background = size is not None and size > threshold
    if background:
        tasks.require_tasks()

    with transaction.atomic():
        fields = {
            "type": event_type,
            "title": title,
            "message": message,
            "data": data,
            "author": author,
        }
        if key is not None:
            existing = Event.objects.filter(type=event_type, key=key).first()
            if existing is not None:
                return existing
            try:
                with transaction.atomic():
                    event = Event.objects.create(key=key, **fields)
            except IntegrityError:
                # A concurrent call with the same key won the race.
                return Event.objects.get(type=event_type, key=key)
        else:
            event = Event.objects.create(**fields)

        if background:
            # Not robust: if the fan-out cannot be queued, the caller must know.
            transaction.on_commit(lambda: tasks.enqueue_fan_out(event.pk, audience))
        else:
            event.notifications_count = inline.fan_out(event, audience)
            if event.notifications_count:
                Event.objects.filter(pk=event.pk).update(
                    notifications_count=event.notifications_count
                )
                push_new(event.pk, created=event.notifications_count)
        transaction.on_commit(
            lambda: signals.notifications_sent.send_robust(
                Event, event=event, count=event.notifications_count
            ),
            robust=True,
        )
    return event


def _validate(*, title: Any, data: Any, message: Any, key: Any) -> None:
    if not isinstance(title, str) or not title or len(title) > 255:
        raise InvalidNotification("title must be a non-empty string of at most 255 characters")
    if message is not None and not isinstance(message, str):
        raise InvalidNotification("message must be a string or None")
    if key is not None and (not isinstance(key, str) or not key or len(key) > 255):
        raise InvalidNotification("key must be a non-empty string of at most 255 characters")
    try:
        json.dumps(data, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise InvalidNotification(f"data is not JSON-serializable: {error}") from error


def get_notification(user: Any, notification_id: int) -> Notification:
    """``user``'s notification with that id; ``Notification.DoesNotExist`` otherwise."""
    notification: Notification = (
        Notification.objects.for_user(user).with_event().get(pk=notification_id)
    )
    return notification


def mark_read(user: Any, ids: Collection[int]) -> list[Notification]:
    """Mark ``user``'s notifications among ``ids`` read; return them, newest first.

    Others' ids and unknown ids are skipped. Rows already read keep their first
    read time and push nothing; each row that changed pushes ``readed``. Two
    queries whatever the number of ids.
    """
    now = timezone.now()
    with transaction.atomic():
        mine = Notification.objects.for_user(user).filter(pk__in=ids)
        mine.mark_read(now)
        rows = list(mine.with_event().order_by("-pk"))
        changed = [row for row in rows if row.readed == now]
        if changed:
            _push_after_commit(user, "readed", changed)
            transaction.on_commit(
                lambda: signals.notifications_read.send_robust(
                    Notification, user=user, ids=[row.pk for row in changed]
                ),
                robust=True,
            )
    return rows


def mark_unread(user: Any, notification_id: int) -> Notification:
    """Set ``user``'s notification back to unread (pushes ``unread`` if it changed)."""
    with transaction.atomic():
        notification = get_notification(user, notification_id)
        if notification.readed is not None:
            Notification.objects.filter(pk=notification.pk).update(readed=None)
            notification.readed = None
            _push_after_commit(user, "unread", [notification])
    return notification


def mark_all_read(user: Any, types: Iterable[str] | None = None) -> int:
    """Mark every unread notification of ``user`` (of ``types``) read in one statement.

    Pushes one ``readed_all`` frame with the time used, the new unread count and,
    when ``types`` is given, those type names. Returns how many rows changed.
    """
    now = timezone.now()
    names = None if types is None else list(types)
    with transaction.atomic():
        rows = Notification.objects.for_user(user)
        if names is not None:
            rows = rows.of_types(names)
        changed = rows.mark_read(now)
        if changed:
            _push_frame_after_commit(user, "readed_all", before=now, types=names)
            transaction.on_commit(
                lambda: signals.notifications_read.send_robust(Notification, user=user, ids=None),
                robust=True,
            )
    return changed


def delete_notification(user: Any, notification_id: int) -> None:
    """Delete ``user``'s notification; ``Notification.DoesNotExist`` if it is not theirs."""
    with transaction.atomic():
        deleted, _ = Notification.objects.for_user(user).filter(pk=notification_id).delete()
        if not deleted:
            raise Notification.DoesNotExist
        _push_frame_after_commit(user, "deleted", notification={"id": notification_id})
        transaction.on_commit(
            lambda: signals.notification_deleted.send_robust(
                Notification, user=user, notification_id=notification_id
            ),
            robust=True,
        )


def unread_count(user: Any) -> int:
    """Exact number of ``user``'s unread notifications (one index-only query)."""
    return Notification.objects.unread_count(user)


def received_types(user: Any) -> list[EventType]:
    """The sendable types ``user`` receives, in ``settings.EVENTS`` order."""
    excluded = ExcludedEventType.objects.filter(user_id=user.pk).values("event_type_id")
    return list(EventType.objects.sendable().exclude(pk__in=excluded))


def event_type_catalogue(user: Any) -> list[tuple[EventType, bool]]:
    """Every sendable type with whether ``user`` receives it, in ``settings.EVENTS`` order."""
    received = {event_type.pk for event_type in received_types(user)}
    return [(t, t.pk in received) for t in EventType.objects.sendable()]


def set_received_types(user: Any, names: Collection[str]) -> list[EventType]:
    """Receive exactly the sendable types in ``names`` from now on.

    Stored as the set of excluded types, so a type added to ``settings.EVENTS``
    later is received by everyone. Raises :class:`UnknownEventType` for a name
    that is not sendable.
    """
    sendable = list(EventType.objects.sendable())
    known = {event_type.name for event_type in sendable}
    for name in names:
        if name not in known:
            raise UnknownEventType(name)
    wanted = set(names)
    excluded = [event_type for event_type in sendable if event_type.name not in wanted]
    with transaction.atomic():
        mine = ExcludedEventType.objects.filter(user_id=user.pk)
        mine.filter(event_type__in=sendable).exclude(event_type__in=excluded).delete()
        ExcludedEventType.objects.bulk_create(
            [ExcludedEventType(user_id=user.pk, event_type=t) for t in excluded],
            ignore_conflicts=True,
        )
    return [event_type for event_type in sendable if event_type.name in wanted]


def _push_after_commit(user: Any, action: Action, rows: list[Notification]) -> None:
    """Push ``action`` for each row once committed, with the user's unread count then."""
    payloads = [payload_for(row) for row in rows]
    push_frames(
        user.pk,
        lambda unread: [push_message(action, unread=unread, notification=p) for p in payloads],
    )


def _push_frame_after_commit(user: Any, action: Action, **parts: Any) -> None:
    """Push one ``action`` frame once committed, with the user's unread count then."""
    push_frames(user.pk, lambda unread: [push_message(action, unread=unread, **parts)])
