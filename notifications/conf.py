"""The one place that reads the package's settings.

Projects configure the package with a ``NOTIFICATIONS`` dict in their settings;
every key is optional. Read values through :data:`notifications_settings`,
which is lazy and reloads when ``override_settings`` changes the dict.
:func:`check_values` and :func:`check_dotted_path` validate them for the
system checks (:mod:`notifications.checks`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

DEFAULTS: dict[str, Any] = {
    # Largest number of ids a batch mark-read body may carry.
    "MAX_BATCH_IDS": 1000,
    # Recipients written (and pushed) per INSERT statement.
    "FANOUT_BATCH_SIZE": 5000,
    # Audiences larger than this fan out on the task queue; None: never by default.
    "ASYNC_FANOUT_THRESHOLD": None,
    # Dotted path of the push transport class.
    "TRANSPORT": "notifications.transports.channels.ChannelLayerTransport",
    # Channel layer alias the default transport and the consumer use.
    "CHANNEL_LAYER": "default",
    # Pushes sent to the channel layer at once by the default transport.
    "PUSH_CONCURRENCY": 64,
    # Largest request body the package's endpoints read, in bytes (413 beyond).
    "MAX_BODY_BYTES": 64 * 1024,
    # Largest `limit` the list accepts when the package paginates with limit/offset.
    "MAX_PAGE_SIZE": 1000,
    # Prefix of the per-user channel-layer group names.
    "GROUP_PREFIX": "notifications",
}


class NotificationsSettings:
    """Attribute access to ``settings.NOTIFICATIONS`` merged over :data:`DEFAULTS`."""

    def __init__(self) -> None:
        self._cache: dict[str, Any] | None = None

    def _load(self) -> dict[str, Any]:
        if self._cache is None:
            self._cache = {**DEFAULTS, **_user_settings()}
        return self._cache

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"Unknown NOTIFICATIONS setting {name!r}")
        return self._load()[name]

    def unknown_keys(self) -> list[str]:
        """Keys of ``settings.NOTIFICATIONS`` the package does not know (for the checks)."""
        return sorted(set(_user_settings()) - set(DEFAULTS))

    def reload(self) -> None:
        """Forget the cached values; the next access reads the settings again."""
        self._cache = None


notifications_settings = NotificationsSettings()


def _user_settings() -> dict[str, Any]:
    # Not a dict: check_values() reports it (E006); the defaults apply meanwhile.
    user = getattr(settings, "NOTIFICATIONS", None) or {}
    return user if isinstance(user, dict) else {}


def _is_int(value: Any, minimum: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


GROUP_PREFIX = re.compile(r"[A-Za-z0-9_.-]{1,80}")

#: What each value must be: a test and its description for the error message.
RULES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "MAX_BATCH_IDS": (lambda v: _is_int(v, 1), "an integer >= 1"),
    "FANOUT_BATCH_SIZE": (lambda v: _is_int(v, 1), "an integer >= 1"),
    "ASYNC_FANOUT_THRESHOLD": (lambda v: v is None or _is_int(v, 0), "None or an integer >= 0"),
    "TRANSPORT": (lambda v: isinstance(v, str) and bool(v), "a dotted path (a string)"),
    "CHANNEL_LAYER": (lambda v: isinstance(v, str) and bool(v), "a channel layer alias"),
    "PUSH_CONCURRENCY": (lambda v: _is_int(v, 1), "an integer >= 1"),
    "MAX_BODY_BYTES": (lambda v: _is_int(v, 1), "an integer >= 1"),
    "MAX_PAGE_SIZE": (lambda v: _is_int(v, 1), "an integer >= 1"),
    "GROUP_PREFIX": (
        lambda v: isinstance(v, str) and GROUP_PREFIX.fullmatch(v) is not None,
        "1 to 80 letters, digits, '_', '-' or '.' (channel group names allow no others)",
    ),
}


def check_values() -> list[CheckMessage]:
    """notifications.E006: ``NOTIFICATIONS`` is not a dict, or a value's type or range is wrong."""
    user = getattr(settings, "NOTIFICATIONS", None) or {}
    if not isinstance(user, dict):
        return [
            Error(
                f"NOTIFICATIONS must be a dict, not {type(user).__name__}.",
                hint="NOTIFICATIONS = {...}: see the settings reference in the README.",
                id="notifications.E006",
            )
        ]
    found: list[CheckMessage] = []
    for key, value in user.items():
        if key not in RULES:
            continue
        test, expected = RULES[key]
        if not test(value):
            found.append(
                Error(
                    f"NOTIFICATIONS[{key!r}] must be {expected}, not {value!r}.",
                    hint=f"Fix NOTIFICATIONS[{key!r}] or remove it (default: {DEFAULTS[key]!r}).",
                    id="notifications.E006",
                )
            )
    return found


def check_dotted_path(setting_name: str) -> list[CheckMessage]:
    """notifications.E007: ``NOTIFICATIONS[setting_name]`` does not import."""
    path = getattr(notifications_settings, setting_name)
    if not isinstance(path, str) or not path:
        return []  # E006 already says so
    try:
        import_string(path)
    except ImportError as error:
        return [
            Error(
                f"NOTIFICATIONS[{setting_name!r}] = {path!r} does not import: {error}",
                hint="Give the full dotted path of the class, and install the package it "
                "comes from.",
                id="notifications.E007",
            )
        ]
    return []


@receiver(setting_changed)
def _reload_on_change(*, setting: str, **kwargs: Any) -> None:
    if setting in {"NOTIFICATIONS", "EVENTS", "CHANNEL_LAYERS"}:
        notifications_settings.reload()
