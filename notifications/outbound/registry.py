"""The channels of ``NOTIFICATIONS["CHANNELS"]``: built on first use, reset on setting changes."""

from __future__ import annotations

from django.utils.module_loading import import_string

from notifications.conf import notifications_settings, reset_on_change
from notifications.exceptions import NotificationsImproperlyConfigured
from notifications.outbound.base import BaseChannel
from notifications.outbound.config import IN_APP

_channels: dict[str, BaseChannel] | None = None


def all_channels() -> dict[str, BaseChannel]:
    """Every configured channel by name, whether available or not.

    An ``"in_app"`` key (0.2's settings listed the inbox as a channel) is ignored.
    """
    global _channels
    if _channels is None:
        built: dict[str, BaseChannel] = {}
        for name, path in notifications_settings.CHANNELS.items():
            if name == IN_APP:
                continue
            channel = import_string(path)()
            if not isinstance(channel, BaseChannel) or channel.name != name:
                raise NotificationsImproperlyConfigured(
                    f"NOTIFICATIONS['CHANNELS'][{name!r}] must be a BaseChannel named {name!r}."
                )
            built[name] = channel
        _channels = built
    return _channels


def available_channels() -> dict[str, BaseChannel]:
    """The configured channels that can send here (Web Push needs its VAPID key)."""
    return {name: c for name, c in all_channels().items() if c.is_available()}


def get_channel(name: str) -> BaseChannel:
    """The channel called ``name``; ``KeyError`` if it is not configured."""
    return all_channels()[name]


@reset_on_change("NOTIFICATIONS")
def reset_channels() -> None:
    """Forget the built channels (the settings changed)."""
    global _channels
    _channels = None
