"""The one place that reads the package's settings.

Projects configure the package with a ``NOTIFICATIONS`` dict in their settings;
every key is optional. Read values through :data:`notifications_settings`,
which is lazy and reloads when ``override_settings`` changes the dict.
:func:`check_values` and :func:`check_dotted_path` validate them for the
system checks (:mod:`notifications.checks`).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

#: Settings of 0.1 that the delivery engine replaced, with what to use instead.
REMOVED: dict[str, str] = {
    "TRANSPORT": 'NOTIFICATIONS["BUS"]',
    "CHANNEL_LAYER": 'NOTIFICATIONS["BUS"] (the notifications path no longer uses a channel layer)',
    "PUSH_CONCURRENCY": "nothing (the bus batches on its own)",
    "GROUP_PREFIX": 'NOTIFICATIONS["REDIS_PREFIX"]',
    "WEB_PUSH_ENDPOINT_SCHEMES": 'NOTIFICATIONS["OUTBOUND_UNSAFE_ALLOW"] (endpoints are https)',
}

DEFAULTS: dict[str, Any] = {
    # Largest number of ids a batch mark-read body may carry.
    "MAX_BATCH_IDS": 1000,
    # Recipients written (and pushed) per INSERT statement.
    "FANOUT_BATCH_SIZE": 5000,
    # Audiences larger than this fan out on the task queue; None: never by default.
    "ASYNC_FANOUT_THRESHOLD": None,
    # The bus between processes: "local", "database", "redis" or a dotted path of a
    # notifications.realtime.bus.base.BaseBus subclass. None: "redis" when REDIS_URL is set,
    # "local" on an in-memory SQLite database, "database" otherwise.
    "BUS": None,
    # Redis URL of the redis bus, e.g. "redis://127.0.0.1:6379/0".
    "REDIS_URL": None,
    # Prefix of the redis bus's keys and channels.
    "REDIS_PREFIX": "notifications",
    # Seconds after which a worker that stopped sending heartbeats is no longer addressed.
    "PRESENCE_TTL": 10,
    # Seconds a socket waits for the bus to be connected before it is refused with 1013.
    "BUS_CONNECT_TIMEOUT": 3.0,
    # Database bus: seconds between two reads of the log (None: 0.05 on SQLite, 1.0 as a
    # fallback on PostgreSQL, which wakes the workers with NOTIFY), how long its rows
    # are kept, and how long an id that may commit late is waited for.
    "BUS_POLL_INTERVAL": None,
    "BUS_RETENTION": 300,
    "BUS_GAP_TIMEOUT": 60,
    # Audiences up to this size carry their rendered frames; larger ones a pointer that
    # each worker renders for its own connected recipients.
    "PUSH_INLINE_MAX": 100,
    # Frames a socket may fall behind before it is closed with 4429.
    "SOCKET_QUEUE_SIZE": 1000,
    # Seconds between two checks that each socket's session, token and user are valid.
    "REVALIDATE_INTERVAL": 60,
    # Accept ?token=<key> on the socket URL (it lands in access logs); the subprotocol
    # form ["token", "<key>"] always works.
    "ALLOW_QUERY_TOKEN": False,
    # SQLite: seconds one of the package's writes waits for its turn in the process
    # (they go one at a time) before it gives up with DatabaseBusy (503 from the views).
    "SQLITE_WRITE_WAIT": 30,
    # Largest request body the package's endpoints read, in bytes (413 beyond).
    "MAX_BODY_BYTES": 64 * 1024,
    # Largest `limit` the list accepts when the package paginates with limit/offset.
    "MAX_PAGE_SIZE": 1000,
    # Recent authors a grouped notification keeps (newest first).
    "GROUP_AUTHORS": 5,
    # Dotted path of ``fn(user) -> str`` naming an author in the JSON; None: get_username().
    "AUTHOR_NAME": None,
    # --- Delivery channels (docs/channels.md) ---
    # Channel name -> dotted path of its BaseChannel subclass. The inbox ("in_app") is not a
    # channel: its rows and frames are the send itself (an "in_app" key here is ignored).
    "CHANNELS": {
        "email": "notifications.outbound.email.EmailChannel",
        "web_push": "notifications.outbound.web_push.WebPushChannel",
    },
    # Notifications handled per delivery task (email / Web Push).
    "CHANNEL_BATCH_SIZE": 500,
    # Attempts per (notification, channel) before a delivery stays failed.
    "DELIVERY_MAX_ATTEMPTS": 5,
    # Seconds before the first retry; doubled on each further attempt (capped at one hour).
    "DELIVERY_RETRY_BACKOFF": 60,
    # Absolute URL of the site (e.g. "https://example.com"), for links in emails.
    "BASE_URL": None,
    # Dotted path of fn(user) -> language code or None; None: settings.LANGUAGE_CODE.
    "USER_LANGUAGE": None,
    # Dotted path of fn(user) -> time zone name or None; None: settings.TIME_ZONE. Emails
    # show times in it.
    "USER_TIME_ZONE": None,
    # Sender of notification emails; None: settings.DEFAULT_FROM_EMAIL.
    "EMAIL_FROM": None,
    # The MAILERS alias emails go through (Django >= 6.1); older Django: EMAIL_BACKEND.
    "MAILER": "default",
    # The inbox page emails link to ("all notifications"): absolute, or relative to BASE_URL.
    "INBOX_URL": "/",
    # Users per digest task.
    "DIGEST_BATCH_SIZE": 1000,
    # VAPID private key (PEM text or base64url DER, or a pathlib.Path of a PEM file, read
    # when first used); Web Push is off without it.
    "WEB_PUSH_VAPID_PRIVATE_KEY": None,
    # The VAPID "sub" claim push services contact: "mailto:you@example.com" or an https URL.
    "WEB_PUSH_CONTACT": None,
    # Seconds a push service keeps an undelivered push.
    "WEB_PUSH_TTL": 86400,
    # Page a click on a Web Push notification opens (absolute, or relative to BASE_URL).
    "WEB_PUSH_URL": "/",
    # Hosts a Web Push endpoint may be on: an exact host, or ".example.com" for it and its
    # subdomains. The default: the browsers' push services (FCM, Mozilla, Apple, Windows).
    # None: any public host.
    "WEB_PUSH_SERVICES": [
        "fcm.googleapis.com",
        "android.googleapis.com",
        "updates.push.services.mozilla.com",
        ".push.apple.com",
        ".notify.windows.com",
    ],
    # Push subscriptions kept per user; subscribing one more drops the oldest.
    "WEB_PUSH_MAX_SUBSCRIPTIONS": 10,
    # Days an unsubscribe link in an email stays valid (it also stops working once the
    # user changes that preference again).
    "UNSUBSCRIBE_MAX_AGE_DAYS": 90,
    # --- Outbound requests (Web Push today; every URL a user or an admin supplied) ---
    # Total seconds per request: connect, TLS, request and the whole response.
    "OUTBOUND_TIMEOUT": 10.0,
    # Bytes of a response body read at most (the rest is dropped).
    "OUTBOUND_MAX_RESPONSE_BYTES": 64 * 1024,
    # Dotted path of fn(host, port) -> list of IP address strings; None: getaddrinfo.
    "OUTBOUND_RESOLVER": None,
    # UNSAFE outside tests and development: networks (e.g. ["127.0.0.1/32"]) the policy lets
    # through, plain http included. `check --deploy` warns while it is set.
    "OUTBOUND_UNSAFE_ALLOW": [],
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

    def user_keys(self) -> set[str]:
        """The keys the project's ``settings.NOTIFICATIONS`` sets."""
        return set(_user_settings())

    def unknown_keys(self) -> list[str]:
        """Keys of ``settings.NOTIFICATIONS`` the package does not know (for the checks)."""
        return sorted(self.user_keys() - set(DEFAULTS) - set(REMOVED))

    def reload(self) -> None:
        """Forget the cached values; the next access reads the settings again."""
        self._cache = None


notifications_settings = NotificationsSettings()


def _user_settings() -> dict[str, Any]:
    # Not a dict: check_values() reports it (E007); the defaults apply meanwhile.
    user = getattr(settings, "NOTIFICATIONS", None) or {}
    return user if isinstance(user, dict) else {}


def _is_int(value: Any, minimum: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def _is_seconds(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def _networks(value: Any) -> bool:
    if not isinstance(value, list | tuple):
        return False
    try:
        for network in value:
            ipaddress.ip_network(network, strict=False)
    except (TypeError, ValueError):
        return False
    return True


KEY_PREFIX = re.compile(r"[A-Za-z0-9_.:-]{1,80}")

#: What each value must be: a test and its description for the error message.
RULES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "MAX_BATCH_IDS": (lambda v: _is_int(v, 1), "an integer >= 1"),
    "FANOUT_BATCH_SIZE": (lambda v: _is_int(v, 1), "an integer >= 1"),
    "ASYNC_FANOUT_THRESHOLD": (lambda v: v is None or _is_int(v, 0), "None or an integer >= 0"),
    "BUS": (lambda v: v is None or _is_text(v), "None, a bus name or a dotted path"),
    "REDIS_URL": (lambda v: v is None or _is_text(v), "None or a redis:// URL"),
    "REDIS_PREFIX": (
        lambda v: isinstance(v, str) and KEY_PREFIX.fullmatch(v) is not None,
        "1 to 80 letters, digits, '_', '-', '.' or ':'",
    ),
    "PRESENCE_TTL": (_is_seconds, "a number of seconds > 0"),
    "BUS_CONNECT_TIMEOUT": (_is_seconds, "a number of seconds > 0"),
    "BUS_POLL_INTERVAL": (lambda v: v is None or _is_seconds(v), "None or seconds > 0"),
    "BUS_RETENTION": (_is_seconds, "a number of seconds > 0"),
    "BUS_GAP_TIMEOUT": (_is_seconds, "a number of seconds > 0"),
    "PUSH_INLINE_MAX": (lambda v: _is_int(v, 0), "an integer >= 0"),
    "SOCKET_QUEUE_SIZE": (lambda v: _is_int(v, 1), "an integer >= 1"),
    "REVALIDATE_INTERVAL": (_is_seconds, "a number of seconds > 0"),
    "ALLOW_QUERY_TOKEN": (lambda v: isinstance(v, bool), "True or False"),
    "MAX_BODY_BYTES": (lambda v: _is_int(v, 1), "an integer >= 1"),
    "SQLITE_WRITE_WAIT": (_is_seconds, "a number of seconds > 0"),
    "MAX_PAGE_SIZE": (lambda v: _is_int(v, 1), "an integer >= 1"),
    "MAILER": (_is_text, "a MAILERS alias"),
    "INBOX_URL": (_is_text, "a path or an absolute URL"),
    "EMAIL_FROM": (lambda v: v is None or _is_text(v), "None or an email address"),
    "BASE_URL": (
        lambda v: v is None or (isinstance(v, str) and v.startswith(("http://", "https://"))),
        "None or an absolute http(s) URL",
    ),
    "WEB_PUSH_SERVICES": (
        lambda v: v is None or (isinstance(v, list | tuple) and all(_is_text(h) for h in v)),
        'None or a list of hosts (".example.com" for subdomains too)',
    ),
    "WEB_PUSH_MAX_SUBSCRIPTIONS": (lambda v: _is_int(v, 1), "an integer >= 1"),
    "UNSUBSCRIBE_MAX_AGE_DAYS": (_is_seconds, "a number of days > 0"),
    "OUTBOUND_TIMEOUT": (_is_seconds, "a number of seconds > 0"),
    "OUTBOUND_MAX_RESPONSE_BYTES": (lambda v: _is_int(v, 0), "an integer >= 0"),
    "OUTBOUND_UNSAFE_ALLOW": (lambda v: _networks(v), "a list of IP networks"),
}

#: Settings that name a function by dotted path, and what the function must be.
DOTTED_PATHS: dict[str, str] = {
    "USER_LANGUAGE": "fn(user) -> language code or None",
    "USER_TIME_ZONE": "fn(user) -> time zone name or None",
    "AUTHOR_NAME": "fn(user) -> str",
    "OUTBOUND_RESOLVER": "fn(host, port) -> list of IP address strings",
}


def check_values() -> list[CheckMessage]:
    """notifications.E007: ``NOTIFICATIONS`` is not a dict, or a value's type or range is wrong."""
    user = getattr(settings, "NOTIFICATIONS", None) or {}
    if not isinstance(user, dict):
        return [
            Error(
                f"NOTIFICATIONS must be a dict, not {type(user).__name__}.",
                hint="NOTIFICATIONS = {...}: see the settings reference in the README.",
                id="notifications.E007",
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
                    id="notifications.E007",
                )
            )
    return found


def check_dotted_path(setting_name: str, path: str, hint: str) -> list[CheckMessage]:
    """notifications.E006: ``path`` (what ``NOTIFICATIONS[setting_name]`` names) won't import."""
    try:
        import_string(path)
    except ImportError as error:
        return [
            Error(
                f"NOTIFICATIONS[{setting_name!r}] names {path!r}, which does not import: {error}",
                hint=hint,
                id="notifications.E006",
            )
        ]
    return []


@receiver(setting_changed)
def _reload_on_change(*, setting: str, **kwargs: Any) -> None:
    if setting in {"NOTIFICATIONS", "EVENTS"}:
        notifications_settings.reload()
