"""The one home of delivery: after the write, counts, then the bus, then each worker's hub.

Services say *what* changed; this module renders the frames (with the user's exact
unread count) and hands them to the bus at the right moment: inside the writing
transaction for a bus that records messages with the rows (the database bus), right
after commit for the others. A small audience carries its rendered frames; a large
fan-out publishes one pointer, and each worker renders the frames of its own
connected recipients (:func:`render_new_rows`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Min

from notifications.bus import get_bus
from notifications.bus.base import Frames, Message, NewRows
from notifications.conf import notifications_settings
from notifications.exceptions import BusUnavailable
from notifications.payloads import (
    PushMessage,
    encode,
    event_payload,
    notification_payload,
    push_message,
)

logger = logging.getLogger("notifications")


def publish(build: Callable[[], Sequence[Message]]) -> None:
    """Publish the messages ``build()`` returns, in the transaction or after commit.

    ``build`` runs where the messages are handed over, so counts it reads are those of
    the committed change. A bus that is down is logged once per outage; the rows are
    saved whatever happens and clients catch up over REST.
    """
    bus = get_bus()

    def send() -> None:
        messages = build()
        if not messages:
            return
        try:
            bus.publish(messages)
        except BusUnavailable as error:
            if not bus.failing:
                logger.error(
                    "Notifications bus unavailable, pushes are lost until it is back "
                    "(the notifications are saved; clients catch up over REST): %s",
                    error,
                )
            bus.failing = True
            return
        if bus.failing:
            logger.warning("Notifications bus is back: pushes are delivered again.")
            bus.failing = False
        transaction.on_commit(bus.wake, robust=True)

    if bus.in_transaction:
        send()
    else:
        transaction.on_commit(send, robust=True)


def push_frames(user_id: int, build: Callable[[int], list[PushMessage]]) -> None:
    """Publish the frames ``build(unread)`` returns to every socket of ``user_id``."""

    def messages() -> list[Message]:
        unread = unread_counts([user_id]).get(user_id, 0)
        return [Frames(tuple((user_id, encode(frame)) for frame in build(unread)))]

    publish(messages)


def push_new(event_id: int, *, created: int, user_ids: Sequence[int] | None = None) -> None:
    """Publish the ``new`` frames of an event's notifications (of ``user_ids`` if given).

    Up to ``PUSH_INLINE_MAX`` recipients the frames are rendered here; above, one
    pointer per call, whose cost does not depend on the audience or on who is online.
    """
    if created <= notifications_settings.PUSH_INLINE_MAX:
        publish(lambda: [Frames(tuple(render_new_rows(event_id, user_ids, None)))])
        return

    def pointer() -> list[Message]:
        from notifications.models import Notification

        rows = Notification.objects.filter(event_id=event_id)
        ids = None
        if user_ids:
            # A background chunk: only the rows it created (not those of other chunks).
            span = (min(user_ids), max(user_ids))
            bounds = rows.filter(user_id__in=user_ids).aggregate(low=Min("pk"), high=Max("pk"))
            if bounds["low"] is None:
                return []
            ids = (bounds["low"], bounds["high"])
        else:
            bounds = rows.aggregate(low=Min("user_id"), high=Max("user_id"))
            if bounds["low"] is None:
                return []
            span = (bounds["low"], bounds["high"])
        return [NewRows(event_id, span, ids)]

    publish(pointer)


def render_new_rows(
    event_id: int, user_ids: Sequence[int] | None, ids: tuple[int, int] | None
) -> list[tuple[int, str]]:
    """The ``new`` frames of an event's notifications, for ``user_ids`` (all if None).

    Three queries whatever the number of rows: the event, the rows, the unread counts.
    """
    from notifications.models import Event, Notification

    event = Event.objects.select_related("type").filter(pk=event_id).first()
    if event is None:
        return []
    shared = event_payload(event)
    rows = Notification.objects.filter(event_id=event_id)
    if user_ids is not None:
        rows = rows.filter(user_id__in=user_ids)
    if ids is not None:
        rows = rows.filter(pk__gte=ids[0], pk__lte=ids[1])
    found: list[tuple[int, int, Any]] = list(
        rows.order_by("user_id").values_list("pk", "user_id", "readed")
    )
    if not found:
        return []
    unread = unread_counts([user_id for _, user_id, _ in found])
    return [
        (
            user_id,
            encode(
                push_message(
                    "new",
                    unread=unread.get(user_id, 0),
                    notification=notification_payload(
                        notification_id=pk, user_id=user_id, readed=readed, event=shared
                    ),
                )
            ),
        )
        for pk, user_id, readed in found
    ]


def unread_counts(user_ids: Collection[int]) -> dict[int, int]:
    """Each user's unread count, in one query on the partial index.

    Dense ids (most users of a range, as in a fan-out to everyone) are counted over
    the range, which is much cheaper than thousands of ``IN`` values.
    """
    from notifications.models import Notification

    unread = Notification.objects.filter(readed__isnull=True)
    low, high = min(user_ids), max(user_ids)
    if len(user_ids) == 1:
        unread = unread.filter(user_id=low)
    elif high - low < 2 * len(user_ids):
        unread = unread.filter(user_id__gte=low, user_id__lte=high)
    else:
        unread = unread.filter(user_id__in=user_ids)
    counts = unread.order_by().values("user_id").annotate(n=Count("pk"))
    wanted = set(user_ids)
    return {user_id: n for user_id, n in counts.values_list("user_id", "n") if user_id in wanted}
