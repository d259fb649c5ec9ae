"""Build the ``new`` frames of a fan-out from the committed rows, a batch at a time.

The event payload is built once. Each batch of recipients costs one query for
its rows (plus one boundary query on the user table for large events); the
transport then says which of them may have an open socket, and one more query
reads the unread counts of those only. Frames are built for them alone, so a
send to a million mostly offline users stays cheap, memory stays flat and no
query runs per recipient.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Max, Min, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from notifications.models import Event, Notification
from notifications.payloads import (
    event_authors,
    event_payload,
    notification_payload,
    push_message,
)
from notifications.transports import Push, get_transport


def new_notification_pushes(
    event_id: int, batch_size: int, user_ids: Collection[int] | None = None
) -> Iterator[list[Push]]:
    """``new`` pushes for the event's notifications (of ``user_ids`` if given)."""
    event = Event.objects.select_related("type").get(pk=event_id)
    shared_event = event_payload(event)
    shared_authors = event_authors(event)
    rows = Notification.objects.filter(event_id=event_id)
    if user_ids is not None:
        rows = rows.filter(user_id__in=user_ids)
    transport = get_transport()
    for batch in _batches(rows, batch_size):
        online = transport.online([user_id for _, user_id, _ in batch])
        if online is not None:
            present = set(online)
            batch = [row for row in batch if row[1] in present]
        if not batch:
            continue
        unread = unread_counts([user_id for _, user_id, _ in batch])
        unseen = unseen_counts([user_id for _, user_id, _ in batch])
        yield [
            Push(
                user_id,
                push_message(
                    "new",
                    unread=unread.get(user_id, 0),
                    unseen=unseen.get(user_id, 0),
                    notification=notification_payload(
                        notification_id=pk,
                        user_id=user_id,
                        readed=readed,
                        event=shared_event,
                        authors=shared_authors,
                    ),
                ),
            )
            for pk, user_id, readed in batch
        ]


def unread_counts(user_ids: Collection[int]) -> dict[int, int]:
    """Each user's unread count, in one query on the partial index.

    Dense ids (most users of a range, as in a fan-out to everyone) are counted
    over the range, which is much cheaper than thousands of ``IN`` values.
    """
    return _counts(Notification.objects.counted().unread(), user_ids)


def unseen_counts(user_ids: Collection[int]) -> dict[int, int]:
    """Each user's unseen count, like :func:`unread_counts` (on the unseen index)."""
    return _counts(Notification.objects.counted().unseen(), user_ids)


def _counts(unread: QuerySet[Notification], user_ids: Collection[int]) -> dict[int, int]:
    low, high = min(user_ids), max(user_ids)
    if high - low < 2 * len(user_ids):
        unread = unread.filter(user_id__gte=low, user_id__lte=high)
    else:
        unread = unread.filter(user_id__in=user_ids)
    counts = unread.order_by().values("user_id").annotate(n=Count("pk"))
    wanted = set(user_ids)
    return {user_id: n for user_id, n in counts.values_list("user_id", "n") if user_id in wanted}


Row = tuple[int, Any, Any]


def _batches(rows: QuerySet[Notification], size: int) -> Iterator[list[Row]]:
    """``rows`` (pk, user_id, readed) by ranges of at most ``size`` users.

    Right after a fan-out the planner has no statistics for the new event, so
    "the next ``size`` rows after user X" (ORDER BY ... LIMIT) may sort all the
    event's remaining rows for every batch. Each batch is instead a closed
    range of the (event, user) index whose upper end is read, in the same
    statement, on the user table's primary key.
    """
    columns = ("pk", "user_id", "readed")
    rows = rows.order_by("user_id")
    if next(iter(rows.values_list("pk", flat=True)[size : size + 1]), None) is None:
        if small := list(rows.values_list(*columns)):
            yield small  # at most ``size`` rows: one query
        return
    span = rows.aggregate(first=Min("user_id"), last=Max("user_id"))
    user_model = get_user_model()
    users = user_model._default_manager.order_by("pk").filter(pk__gte=span["first"])
    last = Value(span["last"], output_field=user_model._meta.pk)
    low = None
    while low is None or low < span["last"]:
        after = users if low is None else users.filter(pk__gt=low)
        window = rows if low is None else rows.filter(user_id__gt=low)
        high = Coalesce(Subquery(after.values("pk")[size - 1 : size]), last)
        batch: list[Row] = list(window.filter(user_id__lte=high).values_list(*columns))
        if batch:
            yield batch
            low = batch[-1][1]
        else:  # no recipient among these users: move on to the next range
            following = next(iter(after.values_list("pk", flat=True)[size - 1 : size]), None)
            if following is None:
                return
            low = following
