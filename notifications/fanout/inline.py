"""Fan-out in the caller's transaction: one INSERT ... SELECT per chunk of recipients."""

from __future__ import annotations

from notifications.conf import notifications_settings
from notifications.fanout.audience import Audience
from notifications.fanout.sql import insert_notifications
from notifications.fanout.sql import insert_notifications_returning as returning
from notifications.frames import NewRow
from notifications.models import Event


def fan_out(event: Event, audience: Audience) -> tuple[int, list[NewRow] | None]:
    """Write ``event``'s notifications for ``audience``; return how many, and the rows.

    ``event`` is new, created in the caller's (still open) transaction. The rows
    come back only for a short list of ids (at most ``PUSH_INLINE_MAX``): their
    frames are then rendered without reading them again. Otherwise None.

    Statements grow with ``audience / FANOUT_BATCH_SIZE`` and memory stays flat:
    only chunk boundaries (QuerySet audiences) or one chunk of ids travel.
    """
    batch_size = notifications_settings.FANOUT_BATCH_SIZE
    size = audience.known_size()
    if size is not None and size <= notifications_settings.PUSH_INLINE_MAX:
        rows = [row for chunk in audience.chunks(batch_size) for row in returning(event, chunk)]
        return len(rows), rows
    fresh = audience.disjoint_chunks  # a list of ids may repeat a user across chunks
    chunks = audience.chunks(batch_size)
    return sum(insert_notifications(event, chunk, fresh=fresh) for chunk in chunks), None
