"""The sending side of the ``ws`` scenario, run inside ``bench.ours.worker ws_send N ROUNDS``.

Each round, interleaved: the pushes of a fan-out to N users (one frame per user,
each to that user's group) sent by one awaited ``group_send`` per user (naive),
the same kind of pushes through the package's transport (``deliver``), and one
``send_notification`` to the N users (broadcast, timed from its commit).
"""

from __future__ import annotations

import time
from itertools import chain
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth.models import User
from django.db import transaction
from notifications.fanout.pushes import new_notification_pushes
from notifications.transports import Push, deliver
from notifications.transports.channels import PUSH_TYPE, group_name

from notifications.fanout import inline
from notifications.fanout.audience import resolve_audience
from notifications.helpers import send_notification
from notifications.models import Event, EventType
from notifications.payloads import encode

PAUSE = 1.5


def _written_pushes(audience: Any, title: str) -> tuple[int, list[Push]]:
    """Write an event's rows without pushing them; return its id and its ``new`` pushes."""
    with transaction.atomic():
        event = Event.objects.create(type=EventType.objects.get(name="post_like"), title=title)
        inline.fan_out(event, resolve_audience(audience))
    return event.pk, list(chain.from_iterable(new_notification_pushes(event.pk, 5000)))


async def _naive(pushes: list[Push]) -> None:
    layer = get_channel_layer()
    for push in pushes:
        await layer.group_send(
            group_name(push.user_id), {"type": PUSH_TYPE, "text": encode(push.message)}
        )


def main(n: str, rounds: str) -> dict[str, Any]:
    """Run the rounds; return what was sent when."""
    audience = User.objects.filter(pk__lte=int(n))
    sent: list[dict[str, Any]] = []
    for round_ in range(int(rounds)):
        event_id, pushes = _written_pushes(audience, f"naive {round_}")
        started, cpu = time.time(), time.process_time()
        async_to_sync(_naive)(pushes)
        sent.append(
            {
                "kind": "naive",
                "event": event_id,
                "start": started,
                "end": time.time(),
                "cpu": time.process_time() - cpu,
            }
        )
        time.sleep(PAUSE)

        event_id, pushes = _written_pushes(audience, f"per-user {round_}")
        started, cpu = time.time(), time.process_time()
        deliver([pushes])
        sent.append(
            {
                "kind": "per_user",
                "event": event_id,
                "start": started,
                "end": time.time(),
                "cpu": time.process_time() - cpu,
            }
        )
        time.sleep(PAUSE)

        committed = [0.0]
        cpu = time.process_time()
        with transaction.atomic():
            transaction.on_commit(lambda stamp=committed: stamp.__setitem__(0, time.time()))
            event = send_notification(type="post_like", title=f"broadcast {round_}", users=audience)
        sent.append(
            {
                "kind": "broadcast",
                "event": event.pk,
                "start": committed[0],
                "end": time.time(),
                "cpu": time.process_time() - cpu,
            }
        )
        time.sleep(PAUSE)
    return {"sent": sent}
