"""How messages reach every worker process: the bus named by ``NOTIFICATIONS["BUS"]``.

``"local"`` (one process), ``"database"`` (the default without Redis: a log in the
project's database, tailed by every worker), ``"redis"`` (production: pub/sub with
per-worker presence), or the dotted path of a :class:`~notifications.realtime.bus.base.BaseBus`
subclass. Left unset, the package picks ``redis`` when ``NOTIFICATIONS["REDIS_URL"]``
is set, ``local`` on an in-memory SQLite database (nothing else can share it), and
``database`` otherwise.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from notifications.conf import notifications_settings, reset_on_change
from notifications.realtime.bus.base import BaseBus
from notifications.realtime.messages import Frames, Message, NewRows, Revoke

__all__ = [
    "ALIASES",
    "BaseBus",
    "Frames",
    "Message",
    "NewRows",
    "Revoke",
    "bus_path",
    "get_bus",
    "reset_bus",
]

ALIASES = {
    "local": "notifications.realtime.bus.local.LocalBus",
    "database": "notifications.realtime.bus.database.DatabaseBus",
    "redis": "notifications.realtime.bus.redis.RedisBus",
    "locmem": "notifications.realtime.bus.locmem.LocmemBus",
}

_bus: BaseBus | None = None


def bus_path() -> str:
    """The dotted path of the bus class the settings select."""
    name = notifications_settings.BUS
    if name is None:
        if notifications_settings.REDIS_URL:
            name = "redis"
        elif _in_memory_sqlite():
            name = "local"
        else:
            name = "database"
    return ALIASES.get(str(name), str(name))


def get_bus() -> BaseBus:
    """The process's bus, built on first use."""
    global _bus
    if _bus is None:
        _bus = import_string(bus_path())()
    return _bus


@reset_on_change("NOTIFICATIONS", "DATABASES")
def reset_bus() -> None:
    """Forget the bus (called when the settings change, and by tests)."""
    global _bus
    if _bus is not None:
        _bus.close()
    _bus = None


def _in_memory_sqlite() -> bool:
    db = settings.DATABASES.get("default", {})
    name = str(db.get("NAME", ""))
    return str(db.get("ENGINE", "")).endswith("sqlite3") and (
        name in ("", ":memory:") or "mode=memory" in name
    )
