"""Fan-out in the caller's transaction: one INSERT ... SELECT per chunk of recipients."""

from __future__ import annotations

from notifications.conf import notifications_settings
from notifications.fanout.audience import Audience, QuerySetAudience
from notifications.fanout.sql import insert_notifications
from notifications.models import Event


def fan_out(event: Event, audience: Audience) -> int:
    """Write ``event``'s notifications for ``audience``; return how many were created.

    ``event`` is new, created in the caller's (still open) transaction.

    Statements grow with ``audience / FANOUT_BATCH_SIZE`` and memory stays flat:
    only chunk boundaries (QuerySet audiences) or one chunk of ids travel.
    """
    batch_size = notifications_settings.FANOUT_BATCH_SIZE
    # QuerySet audiences come in disjoint pk ranges; a list of ids may repeat across chunks.
    fresh = isinstance(audience, QuerySetAudience)
    chunks = audience.chunks(batch_size)
    return sum(insert_notifications(event, chunk, fresh=fresh) for chunk in chunks)
