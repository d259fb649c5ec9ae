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
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Max, Min

from notifications.badges import badge_counts
from notifications.bus import get_bus
from notifications.bus.base import Frames, Message, NewRows
from notifications.conf import notifications_settings
from notifications.exceptions import BusUnavailable
from notifications.payloads import (
    Counts,
    PushMessage,
    encode,
    event_authors,
    event_payload,
    notification_payload,
    push_message,
    regrouped,
)

if TYPE_CHECKING:
    from notifications.models import Event

#: A new row as the insert returns it: ``(pk, user_id, readed, count, authors)``.
NewRow = tuple[int, int, Any, int, Any]
NEW_ROW_FIELDS = ("pk", "user_id", "readed", "count", "authors")

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


def push_frames(user_id: int, build: Callable[[Counts], list[PushMessage]]) -> None:
    """Publish the frames ``build({"unread", "unseen"})`` returns to every socket of ``user_id``."""

    def messages() -> list[Message]:
        counts = badge_counts([user_id])[user_id]
        return [Frames(tuple((user_id, encode(frame)) for frame in build(counts)))]

    publish(messages)


def push_new(
    event: Event,
    *,
    created: int,
    user_ids: Sequence[int] | None = None,
    rows: Sequence[NewRow] | None = None,
) -> None:
    """Publish the ``new`` frames of ``event``'s notifications (of ``user_ids`` if given).

    Up to ``PUSH_INLINE_MAX`` recipients the frames are rendered here, from the
    event in memory and ``rows`` when the insert returned them; above, one
    pointer per call, whose cost does not depend on the audience or on who is online.
    """
    if created <= notifications_settings.PUSH_INLINE_MAX:

        def frames() -> list[Message]:
            found = list(rows) if rows is not None else new_rows(event.pk, user_ids, None)
            return [Frames(tuple(new_frames(event, found)))]

        publish(frames)
        return

    def pointer() -> list[Message]:
        from notifications.models import Notification

        found = Notification.objects.filter(event_id=event.pk)
        ids = None
        if user_ids:
            # A background chunk: only the rows it created (not those of other chunks).
            span = (min(user_ids), max(user_ids))
            bounds = found.filter(user_id__in=user_ids).aggregate(low=Min("pk"), high=Max("pk"))
            if bounds["low"] is None:
                return []
            ids = (bounds["low"], bounds["high"])
        else:
            bounds = found.aggregate(low=Min("user_id"), high=Max("user_id"))
            if bounds["low"] is None:
                return []
            span = (bounds["low"], bounds["high"])
        return [NewRows(event.pk, span, ids)]

    publish(pointer)


def render_new_rows(
    event_id: int, user_ids: Sequence[int] | None, ids: tuple[int, int] | None
) -> list[tuple[int, str]]:
    """The ``new`` frames of an event's notifications, for ``user_ids`` (all if None).

    Three queries whatever the number of rows: the event, the rows, the counts.
    """
    from notifications.models import Event

    event = Event.objects.select_related("type", "author").filter(pk=event_id).first()
    if event is None:
        return []
    return new_frames(event, new_rows(event_id, user_ids, ids))


def new_rows(
    event_id: int,
    user_ids: Sequence[int] | None,
    ids: tuple[int, int] | None,
    using: str = "default",
) -> list[NewRow]:
    """The event's notifications as :data:`NewRow` tuples, by user."""
    from notifications.models import Notification

    found = Notification.objects.using(using).filter(event_id=event_id)
    if user_ids is not None:
        found = found.filter(user_id__in=user_ids)
    if ids is not None:
        found = found.filter(pk__gte=ids[0], pk__lte=ids[1])
    return list(found.order_by("user_id").values_list(*NEW_ROW_FIELDS))


def new_frames(event: Event, rows: Sequence[NewRow]) -> list[tuple[int, str]]:
    """``(user_id, frame)`` for each new row of ``event``, with the users' counts.

    For a grouped event a row with a count above 1 is one the event folded into: its
    frame says ``updated`` and carries its count and authors.
    """
    if not rows:
        return []
    shared = event_payload(event)
    authors = event_authors(event)
    counts = badge_counts([row[1] for row in rows])
    frames = []
    for pk, user_id, readed, count, stored in rows:
        frame = push_message(
            "new",
            **counts[user_id],
            notification=notification_payload(
                notification_id=pk, user_id=user_id, readed=readed, event=shared, authors=authors
            ),
        )
        if event.group is not None:
            frame = regrouped(frame, event.group, count, stored)
        frames.append((user_id, encode(frame)))
    return frames
