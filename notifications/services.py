"""What the package does: send, read, unread, delete, filter. No HTTP here.

Every function writes in one transaction and pushes to the users' sockets only
after it commits (``transaction.on_commit``); a rolled-back write pushes nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone, translation

from notifications import signals
from notifications.badges import user_counts
from notifications.event_types import required_names
from notifications.fanout import pipeline
from notifications.fanout.audience import Users, resolve_audience
from notifications.i18n import Text, user_language
from notifications.models import Event, EventType, ExcludedEventType, Notification
from notifications.outbound import escalation
from notifications.payloads import Action, Counts, payload_for, push_message
from notifications.realtime.publish import push_frames
from notifications.validation import validate_send
from notifications.writes import write_transaction


def send_notification(
    type: str,
    title: str | Text | None = None,
    data: Any = None,
    users: Users = None,
    message: str | Text | None = None,
    author: Any = None,
    *,
    key: str | None = None,
    background: bool | None = None,
    group: str | None = None,
    target: models.Model | None = None,
    expires: datetime.datetime | datetime.timedelta | None = None,
    send_at: datetime.datetime | None = None,
    url: str | None = None,
    params: dict[str, Any] | None = None,
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
    (a datetime, or a timedelta from when the send goes out) hides the
    notifications after it; a send whose fan-out runs after its expiry writes
    no notifications. ``send_at`` in the future writes the Event and its
    recipients now and fans out at that time on the task queue (cancel it
    before with :func:`cancel_scheduled`, given a ``key``); ``expires`` must
    then fall after it. In the past or now, the send happens at once. ``url`` is
    where the notification leads (a path or an http(s) URL: ``event.url`` in the
    JSON, the row's link in the inbox element, the button in emails, the push's
    target); without it, the target's ``get_absolute_url()`` when it has one.

    ``title`` and ``message`` may be translatable text
    (:func:`notifications.i18n.gettext_lazy` and its siblings) filled with
    ``params``; a ``title`` of None takes the type's ``text`` from ``EVENTS``.
    The message ids and params are stored once on the Event and rendered in
    each reader's language when read (REST, sockets, every channel).

    Raises :class:`UnknownEventType` for a type not declared in
    ``settings.EVENTS`` and :class:`InvalidNotification` (both ``ValueError``)
    for data that is not JSON-serializable, a bad title, key, group, target or
    time, or text the database cannot store, naming the argument in
    ``error.field`` (:mod:`notifications.validation`), before anything is written.
    """
    valid = validate_send(
        type=type,
        title=title,
        data=data,
        message=message,
        author=author,
        key=key,
        group=group,
        target=target,
        expires=expires,
        send_at=send_at,
        url=url,
        params=params,
    )
    audience = resolve_audience(users)
    mode = pipeline.choose_mode(valid, audience, background)
    return pipeline.send(valid, audience, mode)


def cancel_scheduled(type: str, key: str) -> bool:
    """Cancel the scheduled send of ``type`` with ``key`` if it has not run yet.

    Deletes its Event; returns True if there was one to cancel, False if it
    already went out (or never existed).
    """
    pending = Event.objects.filter(type__name=type, key=key, send_at__isnull=False)
    deleted, _ = pending.delete()
    return bool(deleted)


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
        if mine.mark_read(now):
            escalation.cancel(mine)  # same transaction: no step goes out after this commits
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
            escalation.cancel(rows)
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
        mine = Notification.objects.for_user(user)
        changed = mine.mark_seen(now)
        if changed:
            escalation.cancel(mine.filter(seen=now))
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
        if mine.unarchived().update(archived=now):
            escalation.cancel(mine)
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
            escalation.cancel(about)
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
    """The sendable types ``user`` receives, in ``settings.EVENTS`` order.

    A type declared required is always among them, whatever the user chose before.
    """
    excluded = ExcludedEventType.objects.filter(user_id=user.pk).exclude(
        event_type__name__in=required_names()
    )
    return list(EventType.objects.sendable().exclude(pk__in=excluded.values("event_type_id")))


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
    wanted = set(names) | required_names()  # a required type cannot be turned off
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
    with translation.override(user_language(user)):  # the frames speak the user's language
        payloads = [payload_for(row) for row in rows]
    push_frames(
        user.pk,
        lambda now: [push_message(action, **now, notification=p) for p in payloads],
    )


def _push_frame_after_commit(user: Any, action: Action, **parts: Any) -> None:
    """Push one ``action`` frame once committed, with the user's unread and unseen counts."""
    push_frames(user.pk, lambda now: [push_message(action, **now, **parts)])
