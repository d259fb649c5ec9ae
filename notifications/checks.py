"""System checks: a malformed ``settings.EVENTS`` or ``NOTIFICATIONS`` fails early, with a hint."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Info, Warning, register

from notifications.conf import notifications_settings
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


REDIS_HOST_HINT = (
    'Give each host as a dict: {"address": "redis://…", "max_connections": 1000, '
    '"socket_timeout": 10} (see the README, production deployment).'
)


@register()
def check_redis_layer(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """notifications.W003: a channels_redis layer without the settings redis-py 8 needs.

    redis-py 8 caps its asyncio pool at 100 connections and raises instead of
    waiting, and times reads out after 5 s, which tears down every socket that
    stays idle that long: each host needs ``max_connections`` and ``socket_timeout``.
    """
    layers = getattr(settings, "CHANNEL_LAYERS", None) or {}
    config = layers.get(notifications_settings.CHANNEL_LAYER) or {}
    if not str(config.get("BACKEND", "")).startswith("channels_redis."):
        return []
    try:
        import redis
    except ImportError:
        return []
    if int(redis.__version__.split(".")[0]) < 8:
        return []
    hosts = (config.get("CONFIG") or {}).get("hosts") or ["redis://localhost:6379"]
    missing = sorted(
        {
            key
            for host in hosts
            for key in ("max_connections", "socket_timeout")
            if not isinstance(host, dict) or key not in host
        }
    )
    if not missing:
        return []
    return [
        Warning(
            f"The channels_redis layer's hosts lack {' and '.join(missing)}: with redis-py 8 "
            "bursts of sockets fail with MaxConnectionsError and idle sockets drop every 5 s.",
            hint=REDIS_HOST_HINT,
            id="notifications.W003",
        )
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
    """W001: unknown NOTIFICATIONS keys; W002: the layer alias is missing; I001: fallback layer."""
    found: list[CheckMessage] = []
    for key in notifications_settings.unknown_keys():
        found.append(
            Warning(
                f"NOTIFICATIONS[{key!r}] is not a setting of django-rest-notifications.",
                hint="See the settings reference in the README for the known keys.",
                id="notifications.W001",
            )
        )
    uses_channels = notifications_settings.TRANSPORT.endswith("ChannelLayerTransport")
    alias = notifications_settings.CHANNEL_LAYER
    if not uses_channels:
        return found
    if not hasattr(settings, "CHANNEL_LAYERS"):
        found.append(
            Info(
                "No CHANNEL_LAYERS setting: notifications are pushed through an in-memory "
                "layer, which reaches only the sockets of the process that sends.",
                hint="With several processes, configure channels_redis (see the README).",
                id="notifications.I001",
            )
        )
    elif alias not in settings.CHANNEL_LAYERS:
        found.append(
            Warning(
                f"CHANNEL_LAYERS has no {alias!r} layer: notifications are saved but never "
                "pushed to WebSockets.",
                hint=f"Add a {alias!r} entry to CHANNEL_LAYERS, or set "
                'NOTIFICATIONS["CHANNEL_LAYER"] to the alias of your layer.',
                id="notifications.W002",
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
    """notifications.W005: PostgreSQL under ASGI (``ASGI_APPLICATION`` set) without the pool.

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
                id="notifications.W005",
            )
        )
    return found
