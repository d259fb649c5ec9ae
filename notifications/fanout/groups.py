"""A fan-out's frames, grouped events included: ``new`` for created rows, ``updated`` for folds.

Ungrouped events are pushed by :func:`notifications.fanout.pushes.new_notification_pushes`
as they are. For a grouped event each of its batches (already narrowed to
users who may be online) costs one more query, for the rows' count and
authors; a row that points at the event with a count above 1 is one the
event folded into, so its frame says ``updated``.
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
        ids = [push.message["notification"]["id"] for push in batch]
        rows = Notification.objects.filter(pk__in=ids).values_list("pk", "count", "authors")
        shapes = {pk: (count, authors or []) for pk, count, authors in rows}
        yield [
            Push(
                push.user_id,
                regrouped(push.message, group, *shapes[push.message["notification"]["id"]]),
            )
            for push in batch
            if push.message["notification"]["id"] in shapes
        ]
