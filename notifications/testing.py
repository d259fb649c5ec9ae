"""Helpers for testing code that sends notifications.

Point the package at the in-memory outbox in your test settings::

    NOTIFICATIONS = {"BUS": "locmem"}

then assert on what would have been pushed::

    from notifications.testing import pushes_for, clear_outbox
"""

from __future__ import annotations

from typing import Any

from notifications.payloads import PushMessage
from notifications.realtime.bus import locmem


def clear_outbox() -> None:
    """Forget every push recorded so far."""
    locmem.outbox.clear()
    locmem.revocations.clear()


def pushes_for(user: Any) -> list[PushMessage]:
    """The frames pushed to ``user`` (a user or an id), oldest first."""
    user_id = getattr(user, "pk", user)
    return [push.message for push in locmem.outbox if push.user_id == user_id]
