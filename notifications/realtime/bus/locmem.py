"""A bus that records every frame instead of delivering it, for tests (like locmem email)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import NamedTuple

from notifications.frames import render_new_rows
from notifications.payloads import PushMessage
from notifications.realtime.bus.local import LocalBus
from notifications.realtime.messages import Frames, Message, NewRows, Revoke


class Push(NamedTuple):
    """One frame for every open socket of one user."""

    user_id: int
    message: PushMessage


#: Every frame published through :class:`LocmemBus`, oldest first. Tests clear it.
outbox: list[Push] = []
#: Every revocation published, oldest first.
revocations: list[Revoke] = []


class LocmemBus(LocalBus):
    """Records each frame in :data:`outbox` (pointers are rendered for every recipient,
    as if all were online), then delivers like the local bus."""

    def publish(self, messages: Sequence[Message]) -> None:
        for message in messages:
            if isinstance(message, Frames):
                frames = list(message.frames)
            elif isinstance(message, NewRows):
                frames = render_new_rows(message.event_id, None, message.ids, message.seq)
                low, high = message.users
                frames = [(user, text) for user, text in frames if low <= user <= high]
            else:
                revocations.append(message)
                continue
            outbox.extend(Push(user_id, json.loads(text)) for user_id, text in frames)
        super().publish(messages)
