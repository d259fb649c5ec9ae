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


CHANNELS_HINT = (
    '"channels": ["in_app", "email", "web_push"], or a dict such as {"email": {"default": True, '
    '"digest": {"after_minutes": 30, "every_hours": 6}}, "web_push": False} (docs/channels.md).'
)


@register()
def check_channels(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E010-E013, W010: the delivery channels declared in ``settings.EVENTS`` cannot work."""
    from notifications.channels.config import IN_APP, channel_problems, type_channels
    from notifications.fanout.tasks import task_decorator

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
        from notifications.channels.registry import get_channel

        if not get_channel("web_push").is_available():
            found.append(
                Warning(
                    "Web Push is offered but unavailable: it needs pywebpush and a valid "
                    "NOTIFICATIONS['WEB_PUSH_VAPID_PRIVATE_KEY'].",
                    hint="pip install 'django-rest-notifications[webpush]' and generate a key: "
                    "vapid --gen (docs/channels.md).",
                    id="notifications.W010",
                )
            )
    return found
