"""Snooze: a user hides a notification until a time; it then comes back unread and unseen.

A snoozed row (``snoozed_until`` set) is hidden from every list, count, read and
archive of its user (:meth:`~notifications.querysets.NotificationQuerySet.for_user`
leaves it out; the badge counts too), so the counts stay exact meanwhile; its
pending escalation steps are cancelled ("snoozed"). When its time comes,
:func:`wake_due` (the :data:`wake_snoozed` task, queued for that time where the
task backend can defer, else from ``manage.py run_channels``) brings it back:
``readed`` and ``seen`` cleared, back on top of the inbox (``delivered`` is
that moment), and a ``new`` frame on each of its user's sockets.
"""

from __future__ import annotations

import datetime
from itertools import groupby
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from notifications.models import Notification
from notifications.outbound import escalation
from notifications.payloads import (
    NotificationPayload,
    format_datetime,
    payload_for,
    push_message,
)
from notifications.realtime.publish import push_frames
from notifications.tasks import as_task, task_decorator
from notifications.writes import write_transaction

#: Rows brought back per statement.
WAKE_BATCH = 500


def snooze(user: Any, notification_id: int, until: datetime.datetime) -> Notification:
    """Hide ``user``'s notification until ``until`` (aware, in the future); return it.

    ``Notification.DoesNotExist`` if it is not theirs, was deleted, or is
    snoozed already (a snoozed row is hidden). Pushes ``snoozed`` (the id and the
    time) with the new counts, and queues its return where the backend can defer.
    """
    with write_transaction():
        mine = Notification.objects.for_user(user).filter(pk=notification_id)
        if not mine.update(snoozed_until=until):
            raise Notification.DoesNotExist
        escalation.cancel(Notification.objects.filter(pk=notification_id))
        notification: Notification = Notification.objects.with_event().get(pk=notification_id)
        frame = {"id": notification_id, "snoozed_until": format_datetime(until)}
        push_frames(
            user.pk,
            lambda now: [push_message("snoozed", **now, notification=frame)],  # type: ignore[arg-type]
        )
        transaction.on_commit(lambda: _wake_at(until), robust=True)
    return notification


def wake_due(now: datetime.datetime | None = None) -> int:
    """Bring back every snoozed row whose time has come; return how many came back.

    Each row: ``snoozed_until``, ``readed`` and ``seen`` cleared, ``delivered``
    set to now, one ``new`` frame to its user. A grouped row that would collide
    with a newer open row of its group leaves the group (as unarchiving does).
    """
    moment = timezone.now() if now is None else now
    woken = 0
    while True:
        with write_transaction():
            due = list(
                Notification.objects.filter(snoozed_until__lte=moment)
                .order_by("snoozed_until", "pk")
                .values_list("pk", flat=True)[:WAKE_BATCH]
            )
            if not due:
                return woken
            rows = Notification.objects.filter(pk__in=due, snoozed_until__lte=moment)
            back = {"snoozed_until": None, "readed": None, "seen": None, "delivered": moment}
            try:
                with transaction.atomic():
                    rows.update(**back)
            except IntegrityError:  # notifications_open_group: one at a time, leaving the group
                for pk in due:
                    one = Notification.objects.filter(pk=pk, snoozed_until__lte=moment)
                    try:
                        with transaction.atomic():
                            one.update(**back)
                    except IntegrityError:
                        one.update(**back, group=None)
            returned = list(
                Notification.objects.filter(pk__in=due, delivered=moment)
                .with_event()
                .order_by("user_id", "pk")
            )
            for user_id, group in groupby(returned, key=lambda row: row.user_id):
                _push_new(user_id, [payload_for(row) for row in group])
            woken += len(returned)


def _push_new(user_id: int, payloads: list[NotificationPayload]) -> None:
    push_frames(user_id, lambda now: [push_message("new", **now, notification=p) for p in payloads])


def wake_snoozed() -> int:
    """The task: :func:`wake_due` now."""
    return wake_due()


wake_snoozed = as_task(wake_snoozed)


def _wake_at(when: datetime.datetime) -> None:
    # Backends that can defer run the return at its time; elsewhere run_channels does.
    if task_decorator() is None:
        return
    if wake_snoozed.get_backend().supports_defer:  # type: ignore[attr-defined]
        wake_snoozed.using(run_after=when).enqueue()  # type: ignore[attr-defined]


def queue_due(now: datetime.datetime | None = None) -> int:
    """Queue :data:`wake_snoozed` if a snoozed row is due (``run_channels``); 1 if queued."""
    moment = timezone.now() if now is None else now
    if not Notification.objects.filter(snoozed_until__lte=moment).exists():
        return 0
    if task_decorator() is None:
        wake_due(moment)
    else:
        wake_snoozed.enqueue()  # type: ignore[attr-defined]
    return 1
