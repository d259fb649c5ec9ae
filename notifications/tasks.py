"""The Tasks API shim: Django's ``django.tasks`` (Django >= 6.0) or the django-tasks backport.

A leaf module: it imports nothing of the package but its settings-free errors,
so every wing that queues work (the fan-out pipeline, the delivery channels)
can import it without an import cycle. Tasks are named by their function's
dotted path, so a module attribute that is a task must be the Task itself:
``fan_out_chunk = as_task(fan_out_chunk)``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from notifications.exceptions import NotificationsImproperlyConfigured


@functools.cache
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


def as_task(function: Callable[..., Any]) -> Any:
    """``function`` as a Task of the default backend; the plain function without a Tasks API."""
    decorator = task_decorator()
    return function if decorator is None else decorator(function)


def require_tasks() -> None:
    """Raise NotificationsImproperlyConfigured when no Tasks implementation is installed."""
    if task_decorator() is None:
        raise NotificationsImproperlyConfigured(
            "Background fan-out needs Django's Tasks API: use Django >= 6.0 or "
            "pip install 'django-rest-notifications[tasks]'."
        )


def require_scheduling(task: Any) -> None:
    """Raise NotificationsImproperlyConfigured unless ``task``'s backend can run it later."""
    require_tasks()
    backend = task.get_backend()
    if not backend.supports_defer:
        raise NotificationsImproperlyConfigured(
            f"send_at needs a task backend that runs tasks later (supports_defer); "
            f"{type(backend).__name__} does not. Use django_tasks_db.DatabaseBackend "
            f"and run manage.py db_worker."
        )
