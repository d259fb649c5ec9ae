"""Old home of the fan-out tasks, kept for one release after the 0.3 renovation.

Tasks queued by 0.2 name ``notifications.fanout.tasks.fan_out_chunk`` and
``notifications.fanout.tasks.send_scheduled`` by dotted path, so both still
import and run here: a chunk through the one pipeline, a scheduled send with
the recipient ids its task argument carries. New sends queue
:mod:`notifications.fanout.pipeline`'s tasks. Remove in 0.4.
"""

from __future__ import annotations

from notifications.fanout import pipeline
from notifications.fanout.audience import resolve_audience
from notifications.tasks import as_task


def fan_out_chunk(event_id: int, user_ids: list[int]) -> int:
    """0.2's chunk task: the same as :func:`notifications.fanout.pipeline.fan_out_chunk`."""
    return pipeline.fan_out_chunk.call(event_id, user_ids)  # type: ignore[attr-defined,no-any-return]


def send_scheduled(event_id: int, user_ids: list[int] | None) -> int:
    """0.2's scheduled task, whose argument lists the recipients (None: every user)."""
    return pipeline.run_scheduled(event_id, resolve_audience(user_ids))


fan_out_chunk = as_task(fan_out_chunk)
send_scheduled = as_task(send_scheduled)
