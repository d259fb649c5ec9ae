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

#: Settings of 0.1 that the delivery engine replaced, with what to use instead.
REMOVED: dict[str, str] = {
    "TRANSPORT": 'NOTIFICATIONS["BUS"]',
    "CHANNEL_LAYER": 'NOTIFICATIONS["BUS"] (the notifications path no longer uses a channel layer)',
    "PUSH_CONCURRENCY": "nothing (the bus batches on its own)",
    "GROUP_PREFIX": 'NOTIFICATIONS["REDIS_PREFIX"]',
}

DEFAULTS: dict[str, Any] = {
    # Largest number of ids a batch mark-read body may carry.
    "MAX_BATCH_IDS": 1000,
    # Recipients written (and pushed) per INSERT statement.
    "FANOUT_BATCH_SIZE": 5000,
    # Audiences larger than this fan out on the task queue; None: never by default.
    "ASYNC_FANOUT_THRESHOLD": None,
    # The bus between processes: "local", "database", "redis" or a dotted path of a
    # notifications.bus.base.BaseBus subclass. None: "redis" when REDIS_URL is set,
    # "local" on an in-memory SQLite database, "database" otherwise.
    "BUS": None,
    # Redis URL of the redis bus, e.g. "redis://127.0.0.1:6379/0".
    "REDIS_URL": None,
    # Prefix of the redis bus's keys and channels.
    "REDIS_PREFIX": "notifications",
    # Seconds after which a worker that stopped sending heartbeats is no longer addressed.
    "PRESENCE_TTL": 10,
    # Seconds a socket waits for the bus to be connected before it is refused with 1013.
    "BUS_CONNECT_TIMEOUT": 3.0,
    # Database bus: seconds between two reads of the log (None: 0.05 on SQLite, 1.0 as a
    # fallback on PostgreSQL, which wakes the workers with NOTIFY), how long its rows
    # are kept, and how long an id that may commit late is waited for.
    "BUS_POLL_INTERVAL": None,
    "BUS_RETENTION": 300,
    "BUS_GAP_TIMEOUT": 60,
    # Audiences up to this size carry their rendered frames; larger ones a pointer that
    # each worker renders for its own connected recipients.
    "PUSH_INLINE_MAX": 100,
    # Frames a socket may fall behind before it is closed with 4429.
    "SOCKET_QUEUE_SIZE": 1000,
    # Seconds between two checks that each socket's session, token and user are valid.
    "REVALIDATE_INTERVAL": 60,
    # Accept ?token=<key> on the socket URL (it lands in access logs); the subprotocol
    # form ["token", "<key>"] always works.
    "ALLOW_QUERY_TOKEN": False,
    # Largest request body the package's endpoints read, in bytes (413 beyond).
    "MAX_BODY_BYTES": 64 * 1024,
    # Largest `limit` the list accepts when the package paginates with limit/offset.
    "MAX_PAGE_SIZE": 1000,
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

    def user_keys(self) -> set[str]:
        """The keys the project's ``settings.NOTIFICATIONS`` sets."""
        return set(getattr(settings, "NOTIFICATIONS", None) or {})

    def unknown_keys(self) -> list[str]:
        """Keys of ``settings.NOTIFICATIONS`` the package does not know (for the checks)."""
        return sorted(self.user_keys() - set(DEFAULTS) - set(REMOVED))

    def reload(self) -> None:
        """Forget the cached values; the next access reads the settings again."""
        self._cache = None


notifications_settings = NotificationsSettings()


@receiver(setting_changed)
def _reload_on_change(*, setting: str, **kwargs: Any) -> None:
    if setting in {"NOTIFICATIONS", "EVENTS"}:
        notifications_settings.reload()
