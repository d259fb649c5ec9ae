"""What the package does: send, read, unread, delete, filter. No HTTP here.

Every function writes in one transaction and pushes to the users' sockets only
after it commits (``transaction.on_commit``); a rolled-back write pushes nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, models, router, transaction
from django.utils import timezone

from notifications import outbound, signals
from notifications.badges import user_counts
from notifications.conf import notifications_settings
from notifications.event_types import sendable_type
from notifications.exceptions import InvalidNotification, UnknownEventType
from notifications.fanout import inline, tasks
from notifications.fanout.audience import Audience, Users, resolve_audience
from notifications.fanout.sql import insert_event_for_one
from notifications.frames import NewRow
from notifications.models import Event, EventType, ExcludedEventType, Notification
from notifications.payloads import Action, Counts, payload_for, push_message
from notifications.realtime.publish import push_frames, push_new
from notifications.validation import check_storable, validate_notification, validate_url
from notifications.writes import write_transaction


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
    group: str | None = None,
    target: models.Model | None = None,
    expires: datetime.datetime | datetime.timedelta | None = None,
    send_at: datetime.datetime | None = None,
    url: str | None = None,
) -> Event:
    """Write an Event and one Notification per recipient, then push them after commit.

    ``users`` is a QuerySet of users, a ``values_list("id", flat=True)`` QuerySet,
    an iterable of users or ids, one user, or None for every user. Each user
    gets at most one notification; unknown ids and users whose filter excludes
    the type are skipped, in SQL.

    ``key`` makes the call idempotent: a second call with the same ``type`` and
    ``key`` creates nothing and returns the first Event. The returned Event's
    ``created`` attribute says which happened: True when this call wrote it,
    False when ``key`` matched an existing one. ``background=True``
    (or an audience above ``ASYNC_FANOUT_THRESHOLD``) returns once the Event is
    committed and fans out on the task queue; ``background=False`` never does.

    ``group`` folds the event into each recipient's unread, unarchived
    notification of the same type and group (count + 1, newest event and
    author first, back on top, an ``updated`` frame); others get a new row.
    ``target`` is any saved model instance the event is about. ``expires``
    (a datetime, or a timedelta from now) hides the notifications after it.
    ``send_at`` in the future writes the Event now and fans out at that time
    on the task queue (cancel it before with :func:`cancel_scheduled`, given a
    ``key``); in the past or now, the send happens at once. ``url`` is where the
    notification leads (a path or an http(s) URL: ``event.url`` in the JSON, the
    row's link in the inbox element, the button in emails, the push's target);
    without it, the target's ``get_absolute_url()`` when it has one.

    Raises :class:`UnknownEventType` (a ``ValueError``) for a type not declared
    in ``settings.EVENTS`` and :class:`InvalidNotification` for data that is
    not JSON-serializable, a bad title, key, group, target or time, or text the
    database cannot store (:mod:`notifications.validation`), before anything is
    written.
    """
    check_storable(type, "type")  # before it reaches a query
    # Declared in EVENTS now (even before migrate deactivates a removed type) and synced.
    event_type = sendable_type(type)
    if event_type is None:
        raise UnknownEventType(type)
    validate_notification(type=type, title=title, data=data, message=message, key=key)
    _validate_group(group)
    now = timezone.now()
    expires_at = _moment("expires", expires, now)
    run_at = _moment("send_at", send_at, now)
    scheduled = run_at is not None and run_at > now
    target_fields = _target_fields(target)
    link = validate_url(url) if url is not None else _target_url(target)
    audience = resolve_audience(users)
    if scheduled:
        tasks.require_scheduling()
        background = False
    elif background is None:
        threshold = notifications_settings.ASYNC_FANOUT_THRESHOLD
        size = audience.size() if threshold is not None else None
        background = size is not None and size > threshold
    if background:
        tasks.require_tasks()

    with write_transaction():
        fields = {
            "type": event_type,
            "title": title,
            "message": message,
            "data": data,
            "author": author,
            "group": group,
            "expires": expires_at,
            "url": link,
            **target_fields,
        }
        if scheduled:
            fields.update(send_at=run_at, timestamp=run_at)
        if key is not None:
            existing = Event.objects.filter(type=event_type, key=key).first()
            if existing is not None:
                existing.created = False
                return existing
            try:
                with transaction.atomic():
                    event = Event.objects.create(key=key, **fields)
            except IntegrityError:
                # A concurrent call with the same key won the race.
                existing = Event.objects.get(type=event_type, key=key)
                existing.created = False
                return existing
        elif (one := _written_for_one(fields, audience, scheduled or background)) is not None:
            event, rows = one
            event.created = True
            _after_rows(event, event.notifications_count, rows)
            _sent_after_commit(event)
            return event
        else:
            event = Event.objects.create(**fields)
        event.created = True

        if scheduled:
            # Fixed now, except "everyone", which is whoever exists when it runs.
            ids = None if users is None else [i for c in audience.id_chunks(10_000) for i in c]
            when = run_at
            assert when is not None
            transaction.on_commit(lambda: tasks.enqueue_scheduled(event.pk, ids, when))
            return event
        if background:
            # Not robust: if the fan-out cannot be queued, the caller must know.
            transaction.on_commit(lambda: tasks.enqueue_fan_out(event.pk, audience))
        else:
            fan_out_now(event, audience)
        _sent_after_commit(event)
    return event


def _sent_after_commit(event: Event) -> None:
    transaction.on_commit(
        lambda: signals.notifications_sent.send_robust(
            Event, event=event, count=event.notifications_count
        ),
        robust=True,
    )


def _written_for_one(
    fields: dict[str, Any], audience: Audience, deferred: bool
) -> tuple[Event, list[NewRow]] | None:
    """A send now to one known user: the event, its row and its count in one statement.

    None when that does not apply (a list of several, a QuerySet, a background or
    scheduled send, a grouped event, a database without it): the general path runs.
    """
    if deferred or audience.known_size() != 1:
        return None
    user_id = next(audience.id_chunks(1))[0]
    return insert_event_for_one(fields, user_id, router.db_for_write(Event))


def fan_out_now(event: Event, audience: Audience) -> int:
    """Write ``event``'s rows for ``audience`` in this transaction; push them after commit.

    Sets ``event.notifications_count`` (rows created, plus open rows a grouped
    event folded into) and returns it.
    """
    count, rows = inline.fan_out(event, audience)
    if count:
        Event.objects.filter(pk=event.pk).update(notifications_count=count)
    return _after_rows(event, count, rows)


def _after_rows(event: Event, count: int, rows: list[NewRow] | None) -> int:
    """Record ``count`` on ``event`` and push its new rows after commit (and its channels)."""
    event.notifications_count = count
    if count:
        push_new(event, created=count, rows=rows)
        if outbound.wants_tasks(event.type.name):  # email / Web Push: one enqueue, after commit
            transaction.on_commit(lambda: outbound.enqueue_for_event(event.pk), robust=True)
    return count


def run_scheduled(event_id: int, user_ids: list[int] | None) -> int:
    """Fan out a scheduled Event now, once; return how many rows it wrote.

    Does nothing (returns 0) when the send was cancelled or has already run:
    claiming the Event (clearing ``send_at``) and the fan-out commit together.
    """
    with write_transaction():
        now = timezone.now()
        claimed = Event.objects.filter(pk=event_id, send_at__isnull=False).update(
            send_at=None, timestamp=now
        )
        if not claimed:
            return 0
        event = Event.objects.select_related("type", "author").get(pk=event_id)
        audience = resolve_audience(None if user_ids is None else user_ids)
        count = fan_out_now(event, audience)
        transaction.on_commit(
            lambda: signals.notifications_sent.send_robust(Event, event=event, count=count),
            robust=True,
        )
    return count


def cancel_scheduled(type: str, key: str) -> bool:
    """Cancel the scheduled send of ``type`` with ``key`` if it has not run yet.

    Deletes its Event; returns True if there was one to cancel, False if it
    already went out (or never existed).
    """
    pending = Event.objects.filter(type__name=type, key=key, send_at__isnull=False)
    deleted, _ = pending.delete()
    return bool(deleted)


def _validate_group(group: Any) -> None:
    if group is None:
        return
    if not isinstance(group, str) or not group or len(group) > 255 or "\x00" in group:
        raise InvalidNotification(
            "group must be a non-empty string of at most 255 characters, without NUL"
        )


def _moment(
    name: str, value: datetime.datetime | datetime.timedelta | None, now: datetime.datetime
) -> datetime.datetime | None:
    """A datetime or a timedelta from ``now`` as a datetime the database stores."""
    if value is None:
        return None
    if isinstance(value, datetime.timedelta) and name == "expires":
        return now + value
    if not isinstance(value, datetime.datetime):
        kinds = "a datetime or a timedelta" if name == "expires" else "a datetime"
        raise InvalidNotification(f"{name} must be {kinds}, not {value!r}")
    if settings.USE_TZ and timezone.is_naive(value):
        return timezone.make_aware(value)
    if not settings.USE_TZ and timezone.is_aware(value):
        return timezone.make_naive(value)
    return value


def _target_fields(target: Any) -> dict[str, Any]:
    if target is None:
        return {}
    if not isinstance(target, models.Model) or target.pk is None:
        raise InvalidNotification(f"target must be a saved model instance, not {target!r}")
    object_id = str(target.pk)
    if len(object_id) > 255:
        raise InvalidNotification("target's primary key is longer than 255 characters")
    return {"target_type": ContentType.objects.get_for_model(target), "target_id": object_id}


def _target_url(target: Any) -> str | None:
    """The target's ``get_absolute_url()``, when it has one (validated like ``url=``)."""
    get_absolute_url = getattr(target, "get_absolute_url", None)
    if target is None or not callable(get_absolute_url):
        return None
    return validate_url(str(get_absolute_url()), "target.get_absolute_url()")


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
    with write_transaction():
        mine = Notification.objects.for_user(user).filter(pk__in=ids)
        mine.mark_read(now)
        rows = list(mine.with_event().order_by("-delivered", "-pk"))
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
    """Set ``user``'s notification back to unread (pushes ``unread`` if it changed).

    ``Notification.DoesNotExist`` if it is not theirs or was deleted meanwhile.
    """
    with write_transaction():
        # Update first, then read: a delete that commits before the UPDATE leaves
        # nothing to read (404, no push); one after it waits for this commit.
        mine = Notification.objects.for_user(user).filter(pk=notification_id, readed__isnull=False)
        try:
            with transaction.atomic():
                changed = mine.update(readed=None)
        except IntegrityError:  # another open row of its group exists: this one leaves it
            changed = mine.update(readed=None, group=None)
        notification = get_notification(user, notification_id)
        if changed:
            _push_after_commit(user, "unread", [notification])
    return notification


def _reopen(notification: Notification, **changes: Any) -> None:
    """Apply ``changes`` (``readed=None`` or ``archived=None``) to one row.

    A grouped row that becomes open again while a newer open row of its group
    exists leaves the group (``group`` becomes None, count and authors kept):
    new events keep folding into one row only.
    """
    rows = Notification.objects.filter(pk=notification.pk)
    try:
        with transaction.atomic():
            rows.update(**changes)
    except IntegrityError:  # notifications_open_group: another open row of the group
        changes["group"] = None
        rows.update(**changes)
    for name, value in changes.items():
        setattr(notification, name, value)


def mark_all_read(user: Any, types: Iterable[str] | None = None) -> int:
    """Mark every unread notification of ``user`` (of ``types``) read in one statement.

    Pushes one ``readed_all`` frame with the time used, the new unread count and,
    when ``types`` is given, those type names. Returns how many rows changed.
    """
    now = timezone.now()
    names = None if types is None else list(types)
    with write_transaction():
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
    with write_transaction():
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
    """Exact number of ``user``'s unread notifications (one index-only count).

    Archived and expired notifications are not counted.
    """
    return counts(user)["unread"]


def unseen_count(user: Any) -> int:
    """Exact number of ``user``'s unseen notifications (the bell's badge), like unread."""
    return counts(user)["unseen"]


def counts(user: Any) -> Counts:
    """``{"unread": n, "unseen": m}`` for ``user`` (one query, two index-only counts)."""
    return user_counts(user)


def mark_all_seen(user: Any) -> int:
    """Mark every unseen notification of ``user`` seen in one statement (opening the bell).

    Pushes one ``seen_all`` frame with the time used and the new counts when
    anything changed. Returns how many rows changed.
    """
    now = timezone.now()
    with write_transaction():
        changed = Notification.objects.for_user(user).mark_seen(now)
        if changed:
            _push_frame_after_commit(user, "seen_all", before=now)
    return changed


def archive(user: Any, ids: Collection[int]) -> list[Notification]:
    """Archive ``user``'s notifications among ``ids``; return them, newest first.

    Others' and unknown ids are skipped; an archived row keeps its first
    archive time and pushes nothing; each row that changed pushes ``archived``.
    Archived rows leave the default list and the counts, and no longer take
    grouped events (the next one starts a new row).
    """
    now = timezone.now()
    with write_transaction():
        mine = Notification.objects.for_user(user).filter(pk__in=ids)
        mine.unarchived().update(archived=now)
        rows = list(mine.with_event().order_by("-delivered", "-pk"))
        changed = [row for row in rows if row.archived == now]
        if changed:
            _push_after_commit(user, "archived", changed)
    return rows


def unarchive(user: Any, ids: Collection[int]) -> list[Notification]:
    """Bring ``user``'s archived notifications among ``ids`` back; return them, newest first.

    Each row that changed pushes ``unarchived``. One UPDATE, unless a grouped
    row comes back beside a newer open row of its group (see :func:`mark_unread`).
    """
    with write_transaction():
        mine = Notification.objects.for_user(user).filter(pk__in=ids)
        doomed = list(mine.archived().values_list("pk", flat=True))
        if doomed:
            rows = Notification.objects.filter(pk__in=doomed)
            try:
                with transaction.atomic():
                    rows.update(archived=None)
            except IntegrityError:  # some grouped rows collide with open ones: row by row
                for row in rows:
                    _reopen(row, archived=None)
        rows_after = list(mine.with_event().order_by("-delivered", "-pk"))
        changed = [row for row in rows_after if row.pk in set(doomed)]
        if changed:
            _push_after_commit(user, "unarchived", changed)
    return rows_after


def mark_target_read(user: Any, target: models.Model) -> int:
    """Mark ``user``'s unread notifications about ``target`` read, in one UPDATE.

    Each row that changed pushes ``readed`` (like :func:`mark_read`). Returns
    how many changed.
    """
    now = timezone.now()
    with write_transaction():
        about = Notification.objects.for_user(user).for_target(target)
        changed = about.mark_read(now)
        if changed:
            rows = list(about.filter(readed=now).with_event().order_by("-delivered", "-pk"))
            _push_after_commit(user, "readed", rows)
            transaction.on_commit(
                lambda: signals.notifications_read.send_robust(
                    Notification, user=user, ids=[row.pk for row in rows]
                ),
                robust=True,
            )
    return changed


def received_types(user: Any) -> list[EventType]:
    """The sendable types ``user`` receives, in ``settings.EVENTS`` order."""
    excluded = ExcludedEventType.objects.filter(user_id=user.pk).values("event_type_id")
    return list(EventType.objects.sendable().exclude(pk__in=excluded))


def event_type_catalogue(user: Any) -> list[tuple[EventType, bool]]:
    """Every sendable type with whether ``user`` receives it, in ``settings.EVENTS`` order."""
    received = {event_type.pk for event_type in received_types(user)}
    return [(t, t.pk in received) for t in EventType.objects.sendable()]


def set_received_types(user: Any, names: Collection[str]) -> list[EventType]:
    """Receive exactly the sendable types in ``names`` from now on; return them.

    Stored as the set of excluded types, so a type added to ``settings.EVENTS``
    later is received by everyone. The caller validates ``names``
    (:class:`~notifications.api.serializers.NotificationFilterSerializer` does);
    a name that is not sendable, such as a type removed meanwhile, selects nothing.
    Concurrent calls for one user are serialised, so the stored set is always the
    ``names`` of one of them.
    """
    sendable = list(EventType.objects.sendable())
    wanted = set(names)
    excluded = [event_type for event_type in sendable if event_type.name not in wanted]
    with write_transaction():
        _lock_user(user)
        mine = ExcludedEventType.objects.filter(user_id=user.pk)
        mine.filter(event_type__in=sendable).exclude(event_type__in=excluded).delete()
        ExcludedEventType.objects.bulk_create(
            [ExcludedEventType(user_id=user.pk, event_type=t) for t in excluded],
            ignore_conflicts=True,
        )
    return [event_type for event_type in sendable if event_type.name in wanted]


def _lock_user(user: Any) -> None:
    """Serialise this transaction's writes with others for the same user.

    PostgreSQL (and any database with ``SELECT ... FOR UPDATE``) locks the
    user's row; ``NO KEY`` where available, so inserts that reference the user
    do not wait. SQLite has one writer at a time: the caller's first statement
    must be a write (a plain SELECT first would make two transactions deadlock
    when they both upgrade to writing, which SQLite answers "database is locked").
    """
    features = connection.features
    if features.has_select_for_update:
        users = get_user_model().objects.filter(pk=user.pk)
        list(users.select_for_update(no_key=features.has_select_for_no_key_update).values("pk"))


def _push_after_commit(user: Any, action: Action, rows: list[Notification]) -> None:
    """Push ``action`` for each row once committed, with the user's unread and unseen counts."""
    payloads = [payload_for(row) for row in rows]
    push_frames(
        user.pk,
        lambda now: [push_message(action, **now, notification=p) for p in payloads],
    )


def _push_frame_after_commit(user: Any, action: Action, **parts: Any) -> None:
    """Push one ``action`` frame once committed, with the user's unread and unseen counts."""
    push_frames(user.pk, lambda now: [push_message(action, **now, **parts)])
