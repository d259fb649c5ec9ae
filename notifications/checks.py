"""System checks: a malformed ``settings.EVENTS`` or ``NOTIFICATIONS`` fails early, with a hint."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Info, Warning, register
from django.utils.module_loading import import_string

from notifications.conf import REMOVED, check_dotted_path, check_values, notifications_settings
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
    """E007: a bad value; W001: unknown NOTIFICATIONS keys; W005: keys of 0.1 that were removed."""
    found: list[CheckMessage] = check_values()
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
    from notifications.realtime.bus import bus_path

    return [
        Info(f"Notifications are pushed through the bus {bus_path()}.", id="notifications.I002")
    ]


@register()
def check_bus(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E006: the bus does not import; W006: a bus that cannot reach other processes."""
    from notifications.realtime.bus import bus_path

    path = bus_path()
    unimportable = check_dotted_path(
        "BUS",
        path,
        hint='Use "local", "database", "redis" or the dotted path of a BaseBus subclass; '
        "the redis bus needs pip install 'django-rest-notifications[redis]'.",
    )
    if unimportable:
        return unimportable
    found: list[CheckMessage] = []
    from notifications.realtime.bus.local import LocalBus
    from notifications.realtime.bus.locmem import LocmemBus

    bus = import_string(path)
    # The locmem bus is a test double: recording, not reaching other processes, is its job.
    if isinstance(bus, type) and issubclass(bus, LocalBus) and not issubclass(bus, LocmemBus):
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


CHANNELS_HINT = (
    '"channels": ["in_app", "email", "web_push"], or a dict such as {"email": {"default": True, '
    '"digest": {"after_minutes": 30, "every_hours": 6}}, "web_push": False} (docs/channels.md).'
)

POOL_HINT = (
    'Add "OPTIONS": {"pool": True} (or pool sizes) to that database, with '
    "psycopg[pool] installed (django-rest-notifications[postgres]); see the README, "
    "production deployment."
)


@register()
def check_channels(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E010-E013, W010: the delivery channels declared in ``settings.EVENTS`` cannot work."""
    from notifications.fanout.tasks import task_decorator
    from notifications.outbound.config import IN_APP, channel_problems, type_channels

    found: list[CheckMessage] = [
        Error(message, hint=CHANNELS_HINT, id="notifications.E010")
        for message in channel_problems()
    ]
    configured = notifications_settings.CHANNELS
    used = {name for offered in type_channels().values() for name in offered} - {IN_APP}
    for name in sorted(used - set(configured)):
        found.append(
            Error(
                f"settings.EVENTS uses the channel {name!r}, which NOTIFICATIONS['CHANNELS'] "
                "does not configure.",
                hint="Add it to NOTIFICATIONS['CHANNELS'] (name -> dotted path of a BaseChannel).",
                id="notifications.E011",
            )
        )
    if "email" in used and not notifications_settings.BASE_URL:
        found.append(
            Error(
                "Email is offered but NOTIFICATIONS['BASE_URL'] is not set: emails need "
                "absolute unsubscribe links.",
                hint="NOTIFICATIONS = {'BASE_URL': 'https://example.com', ...}",
                id="notifications.E012",
            )
        )
    if used and task_decorator() is None:
        found.append(
            Error(
                "Email and Web Push are sent from the task queue, but no Tasks API is installed.",
                hint="Use Django >= 6.0 or pip install 'django-rest-notifications[tasks]'.",
                id="notifications.E013",
            )
        )
    if "web_push" in used and "web_push" in configured:
        from notifications.outbound.registry import get_channel

        if not get_channel("web_push").is_available():
            found.append(
                Warning(
                    "Web Push is offered but unavailable: it needs the webpush extra and a valid "
                    "NOTIFICATIONS['WEB_PUSH_VAPID_PRIVATE_KEY'].",
                    hint="pip install 'django-rest-notifications[webpush]' and generate a key: "
                    "vapid --gen (docs/channels.md).",
                    id="notifications.W010",
                )
            )
    return found


@register(deploy=True)
def check_outbound_unsafe_allow(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """W020 (``check --deploy``): the outbound-request policy lets private addresses through."""
    allowed = notifications_settings.OUTBOUND_UNSAFE_ALLOW
    if not allowed:
        return []
    return [
        Warning(
            f"NOTIFICATIONS['OUTBOUND_UNSAFE_ALLOW'] is {list(allowed)!r}: requests to URLs that "
            "users supply (Web Push endpoints) may reach these internal addresses, over plain "
            "http too.",
            hint="Leave it unset in production; it is for tests and local development only.",
            id="notifications.W020",
        )
    ]


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
