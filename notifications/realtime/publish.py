"""Publishing a change to every worker: after the write, counts, then the bus.

Services say *what* changed; this module hands frames (with the user's exact counts)
to the bus at the right moment: inside the writing transaction for a bus that records
messages with the rows (the database bus), right after commit for the others. A small
audience carries its rendered frames (:mod:`notifications.frames`); a large fan-out
publishes one pointer, and each worker's hub renders the frames of its own connected
recipients.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Max, Min

from notifications.badges import badge_counts
from notifications.conf import notifications_settings
from notifications.exceptions import BusUnavailable
from notifications.frames import NewRow, new_frames, new_rows
from notifications.payloads import FrameCounts, PushMessage, encode
from notifications.realtime.bus import BaseBus, get_bus
from notifications.realtime.messages import Frames, Message, NewRows

if TYPE_CHECKING:
    from notifications.models import Event

logger = logging.getLogger("notifications")


def publish(build: Callable[[], Sequence[Message]]) -> None:
    """Publish the messages ``build()`` returns, in the transaction or after commit.

    ``build`` runs where the messages are handed over, so counts it reads are those of
    the committed change. A bus that is down is logged once per outage; the rows are
    saved whatever happens and clients catch up over REST.
    """
    _hand_over(lambda bus: build())


def publish_ordered(build: Callable[[int], Sequence[Message]]) -> None:
    """Like :func:`publish`, for frames that carry counts: ``build(seq)`` gets the marker
    the bus reserved just before, so the counts it reads are at least as new as ``seq``
    (what lets a client drop a frame older than the newest it applied)."""
    _hand_over(lambda bus: build(bus.sequence()))


def _hand_over(build: Callable[[BaseBus], Sequence[Message]]) -> None:
    bus = get_bus()

    def send() -> None:
        try:
            messages = build(bus)
            if messages:
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
        if not messages:
            return
        if bus.failing:
            logger.warning("Notifications bus is back: pushes are delivered again.")
            bus.failing = False
        transaction.on_commit(bus.wake, robust=True)

    if bus.in_transaction:
        send()
    else:
        transaction.on_commit(send, robust=True)


def push_frames(user_id: int, build: Callable[[FrameCounts], list[PushMessage]]) -> None:
    """Publish the frames ``build({"unread", "unseen", "seq"})`` returns to every socket
    of ``user_id``."""

    def messages(seq: int) -> list[Message]:
        counts = badge_counts([user_id])[user_id]
        now: FrameCounts = {**counts, "seq": seq}
        return [Frames(tuple((user_id, encode(frame)) for frame in build(now)))]

    publish_ordered(messages)


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

        def frames(seq: int) -> list[Message]:
            found = list(rows) if rows is not None else new_rows(event.pk, user_ids, None)
            return [Frames(tuple(new_frames(event, found, seq)))]

        publish_ordered(frames)
        return

    def pointer(seq: int) -> list[Message]:
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
        return [NewRows(event.pk, span, ids, seq)]

    publish_ordered(pointer)
