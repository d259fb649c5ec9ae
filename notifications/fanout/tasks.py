"""Fan-out on the task queue: Django's Tasks API (``django.tasks`` or the backport).

The request writes the Event and returns; after commit one task per chunk of
``FANOUT_BATCH_SIZE`` user ids inserts that chunk's notifications and pushes
them. Task arguments are ids only. A chunk that runs twice inserts nothing
twice (one notification per user and event), so retries are safe.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F

from notifications.conf import notifications_settings
from notifications.delivery import push_new
from notifications.exceptions import NotificationsImproperlyConfigured
from notifications.fanout.audience import Audience
from notifications.fanout.sql import insert_notifications_returning
from notifications.models import Event


def _task_decorator() -> Callable[[Callable[..., Any]], Any] | None:
    try:
        from django.tasks import task as make_task  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        try:
            from django_tasks import task as make_task  # type: ignore[no-redef,unused-ignore]
        except ImportError:
            return None
    decorator: Callable[[Callable[..., Any]], Any] = make_task()
    return decorator


def fan_out_chunk(event_id: int, user_ids: list[int]) -> int:
    """Insert and push the notifications of ``event_id`` for ``user_ids``; return how many."""
    with transaction.atomic():
        event = Event.objects.filter(pk=event_id).first()
        if event is None:  # deleted (or pruned) before its fan-out ran: nothing to do
            return 0
        users = get_user_model()._default_manager.filter(pk__in=user_ids)
        # Only the rows this run created are pushed: a retried chunk, or ids
        # another chunk already covered, push nothing twice.
        created_ids = insert_notifications_returning(event, users)
        created = len(created_ids)
        if created:
            Event.objects.filter(pk=event_id).update(
                notifications_count=F("notifications_count") + created
            )
            push_new(event_id, created=created, user_ids=created_ids)
    return created


_as_task = _task_decorator()
# The worker imports the task by the function's dotted path, so the module
# attribute must be the Task itself (a plain function without a Tasks package).
if _as_task is not None:
    fan_out_chunk = _as_task(fan_out_chunk)


def require_tasks() -> None:
    """Raise NotificationsImproperlyConfigured when no Tasks implementation is installed."""
    if _as_task is None:
        raise NotificationsImproperlyConfigured(
            "Background fan-out needs Django's Tasks API: use Django >= 6.0 or "
            "pip install 'django-rest-notifications[tasks]'."
        )


def enqueue_fan_out(event_id: int, audience: Audience) -> None:
    """Queue one :func:`fan_out_chunk` task per chunk of the audience's ids."""
    require_tasks()
    for user_ids in audience.id_chunks(notifications_settings.FANOUT_BATCH_SIZE):
        fan_out_chunk.enqueue(event_id, user_ids)  # type: ignore[attr-defined]
