"""A fan-out's frames, grouped events included: ``new`` for created rows, ``updated`` for folds.

Ungrouped events are pushed by :func:`notifications.fanout.pushes.new_notification_pushes`
as they are. For a grouped event each of its batches (already narrowed to
users who may be online) costs one more query, for the count and authors of
the rows the event folded into: a row that points at the event with a count
above 1 is one of those, so its frame says ``updated``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator

from notifications.fanout.pushes import new_notification_pushes
from notifications.models import Event, Notification
from notifications.payloads import regrouped
from notifications.transports import Push


def event_pushes(
    event_id: int, batch_size: int, user_ids: Collection[int] | None = None
) -> Iterator[list[Push]]:
    """The pushes of the event's rows (of ``user_ids`` if given), a batch at a time."""
    group = Event.objects.filter(pk=event_id).values_list("group", flat=True).first()
    batches = new_notification_pushes(event_id, batch_size, user_ids)
    if group is None:
        yield from batches
        return
    for batch in batches:
        # Rows this event created have count 1 and its author alone: only the
        # folded ones need their count and authors read.
        folded = Notification.objects.filter(
            event_id=event_id, count__gt=1, user_id__in=[push.user_id for push in batch]
        ).values_list("pk", "count", "authors")
        shapes = {pk: (count, authors or []) for pk, count, authors in folded}
        for push in batch:
            count, authors = shapes.get(push.message["notification"]["id"], (1, None))
            regrouped(push.message, group, count, authors)
        yield batch
