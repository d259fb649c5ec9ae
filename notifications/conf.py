"""The one place that reads the package's settings.

Projects configure the package with a ``NOTIFICATIONS`` dict in their settings;
every key is optional. Read values through :data:`notifications_settings`,
which is lazy and reloads when ``override_settings`` changes the dict.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

DEFAULTS: dict[str, Any] = {
    # Largest number of ids a batch mark-read body may carry.
    "MAX_BATCH_IDS": 1000,
    # Recipients written (and pushed) per INSERT statement.
    "FANOUT_BATCH_SIZE": 5000,
    # Audiences larger than this fan out on the task queue; None: never by default.
    "ASYNC_FANOUT_THRESHOLD": None,
    # Dotted path of the push transport class.
    "TRANSPORT": "notifications.transports.channels.ChannelLayerTransport",
    # Channel layer alias the default transport and the consumer use.
    "CHANNEL_LAYER": "default",
    # Pushes sent to the channel layer at once by the default transport.
    "PUSH_CONCURRENCY": 64,
    # Largest request body the package's endpoints read, in bytes (413 beyond).
    "MAX_BODY_BYTES": 64 * 1024,
    # Largest `limit` the list accepts when the package paginates with limit/offset.
    "MAX_PAGE_SIZE": 1000,
    # Prefix of the per-user channel-layer group names.
    "GROUP_PREFIX": "notifications",
    # Recent authors a grouped notification keeps (newest first).
    "GROUP_AUTHORS": 5,
    # Dotted path of ``fn(user) -> str`` naming an author in the JSON; None: get_username().
    "AUTHOR_NAME": None,
}


class NotificationsSettings:
    """Attribute access to ``settings.NOTIFICATIONS`` merged over :data:`DEFAULTS`."""

    def __init__(self) -> None:
        self._cache: dict[str, Any] | None = None

    def _load(self) -> dict[str, Any]:
        if self._cache is None:
            user = getattr(settings, "NOTIFICATIONS", None) or {}
            self._cache = {**DEFAULTS, **user}
        return self._cache

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"Unknown NOTIFICATIONS setting {name!r}")
        return self._load()[name]

    def unknown_keys(self) -> list[str]:
        """Keys of ``settings.NOTIFICATIONS`` the package does not know (for the checks)."""
        user = getattr(settings, "NOTIFICATIONS", None) or {}
        return sorted(set(user) - set(DEFAULTS))

    def reload(self) -> None:
        """Forget the cached values; the next access reads the settings again."""
        self._cache = None


notifications_settings = NotificationsSettings()


@receiver(setting_changed)
def _reload_on_change(*, setting: str, **kwargs: Any) -> None:
    if setting in {"NOTIFICATIONS", "EVENTS", "CHANNEL_LAYERS"}:
        notifications_settings.reload()
        if setting == "NOTIFICATIONS":
            from notifications.transports import reset_transport

            reset_transport()
