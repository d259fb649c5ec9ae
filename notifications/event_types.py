"""``settings.EVENTS``: read it, validate it, and sync it into :class:`EventType` rows."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from notifications.conf import reset_on_change

SLUG = re.compile(r"^[-a-zA-Z0-9_]+\Z")


@dataclass(frozen=True)
class DeclaredEvent:
    name: str
    title: str
    description: str | None


def raw_events() -> Any:
    """``settings.EVENTS``, or types derived from ``EVENT_TYPES`` when only that is set."""
    events = getattr(settings, "EVENTS", None)
    if events is None:
        choices = getattr(settings, "EVENT_TYPES", None) or []
        return [{"name": name, "title": str(label)} for name, label in choices]
    return events


def problems(events: Any) -> list[tuple[str, str]]:
    """What is wrong with ``events``, as (check id, message) pairs; empty when valid."""
    if not isinstance(events, list | tuple):
        return [("E001", f"EVENTS must be a list of dicts, not {type(events).__name__}.")]
    found: list[tuple[str, str]] = []
    seen: set[str] = set()
    for index, entry in enumerate(events):
        where = f"EVENTS[{index}]"
        if not isinstance(entry, dict) or "name" not in entry:
            found.append(("E002", f"{where} must be a dict with a 'name' key."))
            continue
        name = entry["name"]
        if not isinstance(name, str) or not SLUG.match(name) or len(name) > 100:
            found.append(
                ("E003", f"{where}: name {name!r} is not a slug of at most 100 characters.")
            )
            continue
        if name in seen:
            found.append(("E004", f"{where}: name {name!r} is declared twice."))
        seen.add(name)
        title = entry.get("title", name)
        description = entry.get("description")
        if not isinstance(title, str) or not title or len(title) > 255:
            found.append(
                ("E005", f"{where}: title must be a non-empty string of at most 255 characters.")
            )
        if description is not None and not isinstance(description, str):
            found.append(("E005", f"{where}: description must be a string or None."))
    return found


_declared: list[DeclaredEvent] | None = None


def declared_events() -> list[DeclaredEvent]:
    """The valid entries of ``settings.EVENTS``, in order (the system checks report the rest).

    Parsed once, then kept until ``EVENTS`` changes.
    """
    global _declared
    if _declared is None:
        events = raw_events()
        _declared = (
            []
            if problems(events)
            else [
                DeclaredEvent(
                    name=entry["name"],
                    title=entry.get("title", entry["name"]),
                    description=entry.get("description"),
                )
                for entry in events
            ]
        )
    return _declared


def declared_names() -> list[str]:
    """The names ``settings.EVENTS`` declares, in order."""
    return [event.name for event in declared_events()]


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
    global _declared
    _declared = None
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
