"""Deprecated: the delivery channels are :mod:`notifications.outbound` (``channels`` is Django
Channels' name). This alias is removed in 0.4."""

from notifications.deprecated import alias_package
from notifications.outbound import *  # noqa: F403
from notifications.outbound import __all__  # noqa: F401

alias_package(
    "notifications.channels",
    "notifications.outbound",
    (
        "base",
        "config",
        "deliveries",
        "digests",
        "email",
        "preferences",
        "registry",
        "tasks",
        "web_push",
    ),
)
