"""Fan-out on the task queue: Django's Tasks API (``django.tasks`` or the backport).

The request writes the Event and returns; after commit one task per chunk of
``FANOUT_BATCH_SIZE`` user ids inserts that chunk's notifications and pushes
them. Task arguments are ids only. A chunk that runs twice inserts nothing
twice (one notification per user and event), so retries are safe.

Scheduled sends (``send_at``) are one :func:`send_scheduled` task enqueued
with ``run_after``; it needs a backend that defers (django-tasks-db's
``DatabaseBackend`` and its ``db_worker``, or any other with ``supports_defer``).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F

from notifications.conf import notifications_settings
from notifications.exceptions import NotificationsImproperlyConfigured
from notifications.fanout.audience import Audience
from notifications.fanout.sql import insert_notifications_returning
from notifications.models import Event
from notifications.realtime.publish import push_new
from notifications.writes import write_transaction


def task_decorator() -> Callable[[Callable[..., Any]], Any] | None:
    """Django's ``@task()`` (``django.tasks`` or the backport); None without either."""
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
    with write_transaction():
        event = Event.objects.select_related("type", "author").filter(pk=event_id).first()
        if event is None:  # deleted (or pruned) before its fan-out ran: nothing to do
            return 0
        users = get_user_model()._default_manager.filter(pk__in=user_ids)
        # Only the rows this run created are pushed: a retried chunk, or ids
        # another chunk already covered, push nothing twice.
        rows = insert_notifications_returning(event, users)
        created_ids = [row.user_id for row in rows]
        created = len(rows)
        if created:
            Event.objects.filter(pk=event_id).update(
                notifications_count=F("notifications_count") + created
            )
            push_new(event, created=created, user_ids=created_ids, rows=rows)

            from notifications import outbound  # not at import: outbound uses task_decorator

            if outbound.wants_tasks(event.type.name):
                transaction.on_commit(lambda: outbound.enqueue_for_event(event_id, created_ids))
    return created


def send_scheduled(event_id: int, user_ids: list[int] | None) -> int:
    """Fan out a scheduled send now (None: every user); a cancelled one does nothing."""
    from notifications.services import run_scheduled

    return run_scheduled(event_id, user_ids)


_as_task = task_decorator()
# The worker imports the task by the function's dotted path, so the module
# attribute must be the Task itself (a plain function without a Tasks package).
if _as_task is not None:
    fan_out_chunk = _as_task(fan_out_chunk)
    send_scheduled = _as_task(send_scheduled)


def require_tasks() -> None:
    """Raise NotificationsImproperlyConfigured when no Tasks implementation is installed."""
    if _as_task is None:
        raise NotificationsImproperlyConfigured(
            "Background fan-out needs Django's Tasks API: use Django >= 6.0 or install "
            "the package's 'tasks' extra (django-tasks, django-tasks-db)."
        )


def require_scheduling() -> None:
    """Raise NotificationsImproperlyConfigured unless the task backend can run tasks later."""
    require_tasks()
    backend = send_scheduled.get_backend()  # type: ignore[attr-defined]
    if not backend.supports_defer:
        raise NotificationsImproperlyConfigured(
            f"send_at needs a task backend that runs tasks later (supports_defer); "
            f"{type(backend).__name__} does not. Use django_tasks_db.DatabaseBackend "
            f"and run manage.py db_worker."
        )


def enqueue_scheduled(event_id: int, user_ids: list[int] | None, run_at: datetime.datetime) -> None:
    """Queue :func:`send_scheduled` of ``event_id`` to run at ``run_at``."""
    send_scheduled.using(run_after=run_at).enqueue(event_id, user_ids)  # type: ignore[attr-defined]


def enqueue_fan_out(event_id: int, audience: Audience) -> None:
    """Queue one :func:`fan_out_chunk` task per chunk of the audience's ids."""
    require_tasks()
    for user_ids in audience.id_chunks(notifications_settings.FANOUT_BATCH_SIZE):
        fan_out_chunk.enqueue(event_id, user_ids)  # type: ignore[attr-defined]
