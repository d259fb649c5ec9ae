"""Build the ``new`` frames of a fan-out from the committed rows, a batch at a time.

The event payload is built once; each batch of recipients costs one query that
also reads every recipient's unread count (plus one boundary query on the user
table for large events), so memory stays flat and no query runs per recipient.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, IntegerField, Max, Min, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from notifications.models import Event, Notification
from notifications.payloads import event_payload, notification_payload, push_message
from notifications.transports import Push


def unread_count_subquery(user_ref: str = "user_id") -> Coalesce:
    """The unread count of the user in column ``user_ref`` of the outer query."""
    counts = (
        Notification.objects.filter(user_id=OuterRef(user_ref), readed__isnull=True)
        .order_by()
        .values("user_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def new_notification_pushes(
    event_id: int, batch_size: int, user_ids: Collection[int] | None = None
) -> Iterator[list[Push]]:
    """``new`` pushes for the event's notifications (of ``user_ids`` if given)."""
    event = Event.objects.select_related("type").get(pk=event_id)
    shared_event = event_payload(event)
    rows = Notification.objects.filter(event_id=event_id)
    if user_ids is not None:
        rows = rows.filter(user_id__in=user_ids)
    for batch in _batches(rows, batch_size):
        yield [
            Push(
                user_id,
                push_message(
                    "new",
                    unread=unread,
                    notification=notification_payload(
                        notification_id=pk, user_id=user_id, readed=readed, event=shared_event
                    ),
                ),
            )
            for pk, user_id, readed, unread in batch
        ]


Row = tuple[int, Any, Any, int]


def _batches(rows: QuerySet[Notification], size: int) -> Iterator[list[Row]]:
    """``rows`` (pk, user_id, readed, unread count) by ranges of at most ``size`` users.

    Right after a fan-out the planner has no statistics for the new event, so
    "the next ``size`` rows after user X" (ORDER BY ... LIMIT) may sort all the
    event's remaining rows for every batch. Each batch is instead a closed
    range of the (event, user) index whose upper end is read, in the same
    statement, on the user table's primary key.
    """
    columns = ("pk", "user_id", "readed", "unread")
    rows = rows.annotate(unread=unread_count_subquery()).order_by("user_id")
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
