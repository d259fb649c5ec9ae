from __future__ import annotations

import contextlib
from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from notifications import (
            checks,  # noqa: F401  (registers the system checks)
            event_types,
        )
        from notifications.realtime import revocation

        post_migrate.connect(_sync_event_types, sender=self)
        revocation.connect_signals()
        event_types.connect_signals()
        _import_bus()


def _import_bus() -> None:
    """Import the bus's module now, not in the first send's open transaction (importing
    redis-py took longer than the send itself). A bus that does not import is E006."""
    from django.utils.module_loading import import_string

    from notifications.realtime.bus import bus_path

    with contextlib.suppress(ImportError):  # reported by the system check E006
        import_string(bus_path())


def _sync_event_types(*, using: str = "default", **kwargs: Any) -> None:
    from django.db import connections

    from notifications.event_types import sync_event_types
    from notifications.models import EventType

    # Not after `migrate notifications zero`, when the table is gone.
    if EventType._meta.db_table in connections[using].introspection.table_names():
        sync_event_types(using=using)
