"""Delivery channels besides the inbox: email (with digests), Web Push, FCM, SMS, chat, webhooks.

``send_notification`` asks :func:`wants_tasks` and, after commit, calls
:func:`enqueue_for_event`; everything else runs on the task queue. See
docs/channels.md.
"""

from __future__ import annotations

from notifications.outbound.tasks import delayed_steps, enqueue_for_event, immediate_channels


def wants_tasks(type_name: str) -> bool:
    """Whether events of ``type_name`` have channel work to queue (at once or escalation steps)."""
    return bool(immediate_channels(type_name) or delayed_steps(type_name))


__all__ = ["enqueue_for_event", "wants_tasks"]
