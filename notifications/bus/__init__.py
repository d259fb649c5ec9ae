"""Deprecated: the bus is :mod:`notifications.realtime.bus`. This alias is removed in 0.4."""

from notifications.deprecated import alias_package
from notifications.realtime.bus import *  # noqa: F403
from notifications.realtime.bus import __all__  # noqa: F401

alias_package(
    "notifications.bus",
    "notifications.realtime.bus",
    ("base", "database", "local", "locmem", "redis"),
)
