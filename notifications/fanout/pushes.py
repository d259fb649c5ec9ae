"""Build the ``new`` frames of a fan-out from the committed rows, a batch at a time.

The event payload is built once; each batch of recipients costs one query that
also reads every recipient's unread count, so memory stays flat and no query
runs per recipient.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator

from django.db.models import Count, IntegerField, OuterRef, Subquery
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
    rows = rows.annotate(unread=unread_count_subquery()).order_by("user_id")
    last_user = None
    while True:
        window = rows if last_user is None else rows.filter(user_id__gt=last_user)
        batch = list(window.values_list("pk", "user_id", "readed", "unread")[:batch_size])
        if not batch:
            return
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
        last_user = batch[-1][1]
