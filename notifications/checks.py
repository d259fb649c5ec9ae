"""System checks: a malformed ``settings.EVENTS`` or ``NOTIFICATIONS`` fails early, with a hint."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Info, Warning, register

from notifications.conf import notifications_settings
from notifications.event_types import problems, raw_events

EVENTS_HINT = (
    'EVENTS = [{"name": "post_like", "title": "Post liking", "description": None}, ...]: '
    "a list of dicts, each with a unique slug 'name' (letters, digits, '-' and '_'), "
    "a 'title' and an optional 'description'."
)


@register()
def check_events(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """notifications.E001-E005: ``settings.EVENTS`` is malformed."""
    return [
        Error(message, hint=EVENTS_HINT, id=f"notifications.{check_id}")
        for check_id, message in problems(raw_events())
    ]


@register()
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """W001: unknown NOTIFICATIONS keys; W002: the layer alias is missing; I001: fallback layer."""
    found: list[CheckMessage] = []
    for key in notifications_settings.unknown_keys():
        found.append(
            Warning(
                f"NOTIFICATIONS[{key!r}] is not a setting of django-rest-notifications.",
                hint="See the settings reference in the README for the known keys.",
                id="notifications.W001",
            )
        )
    uses_channels = notifications_settings.TRANSPORT.endswith("ChannelLayerTransport")
    alias = notifications_settings.CHANNEL_LAYER
    if not uses_channels:
        return found
    if not hasattr(settings, "CHANNEL_LAYERS"):
        found.append(
            Info(
                "No CHANNEL_LAYERS setting: notifications are pushed through an in-memory "
                "layer, which reaches only the sockets of the process that sends.",
                hint="With several processes, configure channels_redis (see the README).",
                id="notifications.I001",
            )
        )
    elif alias not in settings.CHANNEL_LAYERS:
        found.append(
            Warning(
                f"CHANNEL_LAYERS has no {alias!r} layer: notifications are saved but never "
                "pushed to WebSockets.",
                hint=f"Add a {alias!r} entry to CHANNEL_LAYERS, or set "
                'NOTIFICATIONS["CHANNEL_LAYER"] to the alias of your layer.',
                id="notifications.W002",
            )
        )
    return found
