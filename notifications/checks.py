"""System checks: a malformed ``settings.EVENTS`` or ``NOTIFICATIONS`` fails early, with a hint."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Info, Warning, register
from django.utils.module_loading import import_string

from notifications.conf import REMOVED, notifications_settings
from notifications.event_types import problems, raw_events

EVENTS_HINT = (
    'EVENTS = [{"name": "post_like", "title": "Post liking", "description": None}, ...]: '
    "a list of dicts, each with a unique slug 'name' (letters, digits, '-' and '_'), "
    "a 'title' and an optional 'description'."
)


@register()
def check_events(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """notifications.E001-E005: ``settings.EVENTS`` is malformed."""
    return [
        Error(message, hint=EVENTS_HINT, id=f"notifications.{check_id}")
        for check_id, message in problems(raw_events())
    ]


@register()
def check_time_zone(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """notifications.W004: USE_TZ = False makes the API's timestamps naive."""
    if settings.USE_TZ:
        return []
    return [
        Warning(
            "USE_TZ is False: notification timestamps are rendered without a UTC offset, "
            "which clients of the API cannot place in time.",
            hint="Set USE_TZ = True (Django's default since 5.0).",
            id="notifications.W004",
        )
    ]


@register()
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """W001: unknown NOTIFICATIONS keys; W005: keys of 0.1 that were removed."""
    found: list[CheckMessage] = []
    for key in notifications_settings.unknown_keys():
        found.append(
            Warning(
                f"NOTIFICATIONS[{key!r}] is not a setting of django-rest-notifications.",
                hint="See the settings reference in the README for the known keys.",
                id="notifications.W001",
            )
        )
    for key, instead in REMOVED.items():
        if key in notifications_settings.user_keys():
            found.append(
                Warning(
                    f"NOTIFICATIONS[{key!r}] was removed in 0.2 and has no effect.",
                    hint=f"Use {instead}; see the README's realtime section.",
                    id="notifications.W005",
                )
            )
    return found


@register(deploy=True)
def check_active_bus(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """I002 (``check --deploy``): which bus carries the pushes."""
    from notifications.bus import bus_path

    return [
        Info(f"Notifications are pushed through the bus {bus_path()}.", id="notifications.I002")
    ]


@register()
def check_bus(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E006: the bus does not import; W006: a bus that cannot reach other processes."""
    from notifications.bus import bus_path

    path = bus_path()
    try:
        import_string(path)
    except ImportError as error:
        return [
            Error(
                f"NOTIFICATIONS['BUS'] names {path!r}, which does not import: {error}",
                hint='Use "local", "database", "redis" or the dotted path of a BaseBus subclass; '
                "the redis bus needs pip install 'django-rest-notifications[redis]'.",
                id="notifications.E006",
            )
        ]
    found: list[CheckMessage] = []
    if path.endswith(".LocalBus"):
        found.append(
            Warning(
                "The local bus reaches only the sockets of the process that sends: a "
                "notification sent from manage.py, a task worker or another ASGI worker is "
                "saved but not pushed.",
                hint='Use a file or server database (the default "database" bus) or set '
                'NOTIFICATIONS["REDIS_URL"] for the redis bus.',
                id="notifications.W006",
            )
        )
    return found


POOL_HINT = (
    'Add "OPTIONS": {"pool": True} (or pool sizes) to that database, with '
    "psycopg[pool] installed (django-rest-notifications[postgres]); see the README, "
    "production deployment."
)


@register()
def check_connection_pool(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """notifications.W007: PostgreSQL under ASGI (``ASGI_APPLICATION`` set) without the pool.

    With ``CONN_MAX_AGE = 0`` every request opens a new connection (a few ms
    each, more than the whole list query); with ``CONN_MAX_AGE > 0`` ASGI's
    thread pool keeps one persistent connection per thread and exhausts the
    server's ``max_connections``. Django's pool (>= 5.1) avoids both.
    """
    if not getattr(settings, "ASGI_APPLICATION", None):
        return []
    found: list[CheckMessage] = []
    for alias, database in settings.DATABASES.items():
        if "postgres" not in str(database.get("ENGINE", "")):
            continue
        options: dict[str, Any] = database.get("OPTIONS") or {}  # type: ignore[assignment]
        if options.get("pool"):
            continue
        max_age = database.get("CONN_MAX_AGE", 0)
        effect = (
            "every request opens a new PostgreSQL connection"
            if max_age == 0
            else "ASGI's threads each keep a persistent connection until the server runs out"
        )
        found.append(
            Warning(
                f"DATABASES[{alias!r}] is PostgreSQL under ASGI without Django's connection "
                f"pool (CONN_MAX_AGE = {max_age!r}): {effect}.",
                hint=POOL_HINT,
                id="notifications.W007",
            )
        )
    return found
