"""``settings.EVENTS`` in the database: synced into :class:`EventType` rows; what is sendable.

Reading and validating the setting itself is :mod:`notifications.conf`'s job
(``raw_events``, ``problems``, ``declared_events``), re-exported here.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from notifications.conf import (
    SLUG,
    DeclaredEvent,
    declared_events,
    declared_names,
    problems,
    raw_events,
    required_names,
    reset_on_change,
)

__all__ = [
    "SLUG",
    "DeclaredEvent",
    "declared_events",
    "declared_names",
    "problems",
    "raw_events",
    "required_names",
    "sendable_type",
    "sync_event_types",
]

_sendable: dict[str, Any] = {}


def sendable_type(name: str) -> Any:
    """The sendable :class:`EventType` called ``name``, or None: the one "can it be sent" rule.

    Sendable means declared in ``settings.EVENTS`` now and active in the
    database (``EventType.objects.sendable()``, the same rule as a queryset).
    Looked up once per process, then kept: ``is_active`` only changes in
    :func:`sync_event_types` (``migrate``, after a change of ``EVENTS``, which a
    running process sees as an undeclared name) and the admin cannot edit it.
    Saving or deleting an EventType here, or changing ``EVENTS``, forgets them.
    """
    if not isinstance(name, str) or name not in declared_names():
        return None
    found = _sendable.get(name)
    if found is None:
        from notifications.models import EventType

        found = EventType.objects.sendable().filter(name=name).first()
        if found is not None:
            _sendable[name] = found
    return found


def forget_sendable_types(**kwargs: Any) -> None:
    """Drop the kept event types (signal receiver)."""
    _sendable.clear()


@reset_on_change("EVENTS", "EVENT_TYPES", "DATABASES")
def _events_changed() -> None:
    _sendable.clear()


def connect_signals() -> None:
    """Forget the kept types when an EventType row is saved or deleted (from ``ready()``)."""
    from notifications.models import EventType

    for signal in (post_save, post_delete):
        signal.connect(forget_sendable_types, sender=EventType, dispatch_uid="notifications-types")


def sync_event_types(using: str = "default") -> None:
    """Make the EventType rows match ``settings.EVENTS``; idempotent.

    New names are created, titles, descriptions and order updated, and types no
    longer declared are kept (their notifications stay readable) but marked
    inactive, so they can no longer be sent.
    """
    from notifications.models import EventType

    if problems(raw_events()):
        return  # the system checks report it; deactivating every type would not help
    declared = declared_events()
    with transaction.atomic(using=using):
        existing = {t.name: t for t in EventType.objects.using(using).all()}
        for position, event in enumerate(declared):
            fields = {
                "title": event.title,
                "description": event.description,
                "is_active": True,
                "position": position,
            }
            current = existing.get(event.name)
            if current is None:
                EventType.objects.using(using).create(name=event.name, **fields)
            elif any(getattr(current, key) != value for key, value in fields.items()):
                EventType.objects.using(using).filter(pk=current.pk).update(**fields)
        names = [event.name for event in declared]
        EventType.objects.using(using).exclude(name__in=names).filter(is_active=True).update(
            is_active=False
        )
    _sendable.clear()
