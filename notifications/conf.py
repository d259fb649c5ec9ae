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
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import PurePath
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


def _optional(test: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda value: value is None or test(value)


def _at_least(minimum: int) -> Callable[[Any], bool]:
    return lambda value: _is_int(value, minimum)


KEY_PREFIX = re.compile(r"[A-Za-z0-9_.:-]{1,80}")
DOTTED_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+")


def _is_dotted_path(value: Any) -> bool:
    return isinstance(value, str) and DOTTED_PATH.fullmatch(value) is not None


def _is_channels(value: Any) -> bool:
    return isinstance(value, dict) and all(
        _is_text(name) and _is_dotted_path(path) for name, path in value.items()
    )


def _is_url(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("https://", "http://"))


def _is_contact(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("mailto:", "https://"))


def _is_text_list(value: Any) -> bool:
    return isinstance(value, list | tuple) and bool(value) and all(map(_is_text, value))


def _is_destinations(value: Any) -> bool:
    return isinstance(value, dict) and all(
        _is_text(name) and _is_url(url) for name, url in value.items()
    )


def _is_webhook_endpoints(value: Any) -> bool:
    return isinstance(value, dict) and all(
        _is_text(name)
        and isinstance(entry, dict)
        and set(entry) <= {"url", "secret", "types"}
        and _is_url(entry.get("url"))
        and _is_text(entry.get("secret"))
        and (entry.get("types") is None or _is_text_list(entry["types"]))
        for name, entry in value.items()
    )


@dataclass(frozen=True)
class Setting:
    """One key of ``NOTIFICATIONS``: its default, the rule a value must meet, one line of docs.

    ``imports`` is the contract of the function a dotted path names (the value
    is then imported once, on first use: :meth:`NotificationsSettings.imported`).
    ``section`` starts a group of the README table.
    """

    default: Any
    rule: Callable[[Any], bool]
    expected: str
    doc: str
    imports: str = ""
    section: str = ""


_INT1 = (_at_least(1), "an integer >= 1")
_INT0 = (_at_least(0), "an integer >= 0")
_SECONDS = (_is_seconds, "a number of seconds > 0")

#: Every setting of the package: the one table the defaults, the system check
#: (notifications.E007) and the README's configuration block come from.
SETTINGS: dict[str, Setting] = {
    "MAX_BATCH_IDS": Setting(1000, *_INT1, "ids a batch mark-read may carry (400 beyond)"),
    "FANOUT_BATCH_SIZE": Setting(5000, *_INT1, "recipients per INSERT statement and per task"),
    "ASYNC_FANOUT_THRESHOLD": Setting(
        None,
        _optional(_at_least(0)),
        "None or an integer >= 0",
        "audiences above this fan out on the task queue; None: never by default",
    ),
    "MAX_BODY_BYTES": Setting(64 * 1024, *_INT1, "request bodies larger than this get 413"),
    "SQLITE_WRITE_WAIT": Setting(
        30,
        *_SECONDS,
        "SQLite: s a write waits for its turn in the process before 503 (DatabaseBusy)",
    ),
    "MAX_PAGE_SIZE": Setting(1000, *_INT1, "largest `limit` of the list"),
    "GROUP_AUTHORS": Setting(5, *_INT0, "recent authors a grouped notification keeps"),
    "AUTHOR_NAME": Setting(
        None,
        _optional(_is_dotted_path),
        "None or the dotted path of a function",
        "dotted path of fn(user) -> str naming authors; None: get_username()",
        imports="fn(user) -> str",
    ),
    "BUS": Setting(
        None,
        _optional(_is_text),
        "None, a bus name or a dotted path",
        '"database", "redis", "local", "locmem" or a dotted path; None picks: '
        "redis if REDIS_URL, local on in-memory SQLite, else database",
        section="Live delivery (docs/realtime.md)",
    ),
    "REDIS_URL": Setting(
        None, _optional(_is_text), "None or a redis:// URL", 'e.g. "redis://127.0.0.1:6379/0"'
    ),
    "REDIS_PREFIX": Setting(
        "notifications",
        lambda v: isinstance(v, str) and KEY_PREFIX.fullmatch(v) is not None,
        "1 to 80 letters, digits, '_', '-', '.' or ':'",
        "prefix of the redis bus's keys and channels",
    ),
    "REDIS_CLUSTER_URLS": Setting(
        None,
        _optional(_is_text_list),
        "None or a non-empty list of redis:// URLs",
        "Redis Cluster instead of one Redis: URLs of some of its nodes (SPUBLISH/SSUBSCRIBE)",
    ),
    "REDIS_SENTINEL_URLS": Setting(
        None,
        _optional(_is_text_list),
        "None or a non-empty list of redis:// URLs of sentinels",
        "Redis Sentinel: URLs of the sentinels; the bus follows a failover",
    ),
    "REDIS_SENTINEL_SERVICE": Setting(
        "mymaster",
        _is_text,
        "the name of the service the sentinels watch",
        "name of the service the sentinels watch",
    ),
    "BUS_POLL_INTERVAL": Setting(
        None,
        _optional(_is_seconds),
        "None or seconds > 0",
        "database bus: s between reads; None: 0.05 on SQLite, 1.0 with NOTIFY",
    ),
    "BUS_RETENTION": Setting(300, *_SECONDS, "s the database bus keeps its log rows"),
    "BUS_GAP_TIMEOUT": Setting(60, *_SECONDS, "s an id that commits late is waited for"),
    "BUS_LISTEN_DATABASE": Setting(
        None,
        _optional(_is_text),
        "None, a DATABASES alias or a PostgreSQL DSN",
        "database bus: where LISTEN connects (direct, not via PgBouncer); None: the bus's DB",
    ),
    "POOLED_DATABASES": Setting(
        None,
        _optional(lambda v: isinstance(v, list | tuple) and all(map(_is_text, v))),
        "None or a list of DATABASES aliases",
        "aliases behind a transaction pooler (checks W030/W031); None: guessed from port 6432",
    ),
    "BUS_CONNECT_TIMEOUT": Setting(3.0, *_SECONDS, "s a socket waits for the bus before 1013"),
    "PUSH_INLINE_MAX": Setting(
        100, *_INT0, "audiences up to this carry rendered frames; larger: a pointer"
    ),
    "SOCKET_QUEUE_SIZE": Setting(1000, *_INT1, "frames a socket may fall behind before 4429"),
    "REVALIDATE_INTERVAL": Setting(60, *_SECONDS, "s between credential checks of open sockets"),
    "ALLOW_QUERY_TOKEN": Setting(
        False,
        lambda v: isinstance(v, bool),
        "True or False",
        "accept ?token= on the socket URL (it lands in access logs)",
    ),
    "CHANNELS": Setting(
        {
            "email": "notifications.outbound.email.EmailChannel",
            "web_push": "notifications.outbound.web_push.WebPushChannel",
            "fcm": "notifications.outbound.fcm.FCMChannel",
            "sms": "notifications.outbound.sms.SMSChannel",
            "webhook": "notifications.outbound.webhooks.WebhookChannel",
            "slack": "notifications.outbound.chat.SlackChannel",
            "teams": "notifications.outbound.chat.TeamsChannel",
            "discord": "notifications.outbound.chat.DiscordChannel",
        },
        _is_channels,
        "a dict of channel name -> dotted path of a BaseChannel subclass",
        "channel name -> dotted path of its BaseChannel subclass (the inbox is none)",
        section="Delivery channels (docs/channels.md)",
    ),
    "CHANNEL_BATCH_SIZE": Setting(500, *_INT1, "notifications per delivery task"),
    "DELIVERY_MAX_ATTEMPTS": Setting(5, *_INT1, "attempts per notification and channel"),
    "DELIVERY_RETRY_BACKOFF": Setting(
        60, *_SECONDS, "s before the first retry; doubled each time (at most 1 h)"
    ),
    "BASE_URL": Setting(
        None,
        _optional(_is_url),
        "None or an absolute http(s) URL",
        'absolute URL of the site, e.g. "https://example.com" (links in emails)',
    ),
    "USER_LANGUAGE": Setting(
        None,
        _optional(_is_dotted_path),
        "None or the dotted path of a function",
        "dotted path of fn(user) -> language code: notifications, frames and emails are "
        "rendered in it (docs/i18n.md); None: the request's language (REST), LANGUAGE_CODE",
        imports="fn(user) -> language code or None",
    ),
    "USER_TIME_ZONE": Setting(
        None,
        _optional(_is_dotted_path),
        "None or the dotted path of a function",
        "dotted path of fn(user) -> time zone name; None: TIME_ZONE (times in emails)",
        imports="fn(user) -> time zone name or None",
    ),
    "EMAIL_FROM": Setting(
        None,
        _optional(_is_text),
        "None or an email address",
        "sender of the emails; None: DEFAULT_FROM_EMAIL",
    ),
    "MAILER": Setting(
        "default",
        _is_text,
        "a MAILERS alias",
        "the MAILERS alias emails go through (Django >= 6.1; before: EMAIL_BACKEND)",
    ),
    "INBOX_URL": Setting(
        "/",
        _is_text,
        "a path or an absolute URL",
        'the inbox page emails link to ("all notifications"), absolute or site-relative',
    ),
    "DIGEST_BATCH_SIZE": Setting(1000, *_INT1, "users per digest task"),
    "WEB_PUSH_VAPID_PRIVATE_KEY": Setting(
        None,
        _optional(lambda v: _is_text(v) or isinstance(v, PurePath)),
        "None, a key (PEM text or base64url DER) or a pathlib.Path of a PEM file",
        "VAPID private key, or a Path of its PEM file (read when used); None: Web Push off",
    ),
    "WEB_PUSH_CONTACT": Setting(
        None,
        _optional(_is_contact),
        'None, "mailto:..." or an https URL',
        'the VAPID "sub" claim: "mailto:you@example.com" or an https URL',
    ),
    "WEB_PUSH_TTL": Setting(86400, *_INT0, "s a push service keeps an undelivered push"),
    "WEB_PUSH_URL": Setting(
        "/", _is_text, "a non-empty URL", "page a click on a push opens (absolute or site-relative)"
    ),
    "WEB_PUSH_SERVICES": Setting(
        [
            "fcm.googleapis.com",
            "android.googleapis.com",
            "updates.push.services.mozilla.com",
            ".push.apple.com",
            ".notify.windows.com",
        ],
        _optional(lambda v: isinstance(v, list | tuple) and all(map(_is_text, v))),
        'None or a list of hosts (".example.com" for subdomains too)',
        "hosts endpoints may be on (FCM, Mozilla, Apple, Windows); None: any public host",
    ),
    "WEB_PUSH_MAX_SUBSCRIPTIONS": Setting(
        10, *_INT1, "push subscriptions per user; one more drops the oldest"
    ),
    "UNSUBSCRIBE_MAX_AGE_DAYS": Setting(
        90,
        _is_seconds,
        "a number of days > 0",
        "days an unsubscribe link works (and only until that email is turned back on)",
    ),
    "OUTBOUND_TIMEOUT": Setting(
        10.0,
        *_SECONDS,
        "total s per outbound request (connect, TLS, request, whole response)",
        section="Outbound requests to user-supplied URLs (docs/channels.md#outbound-requests)",
    ),
    "OUTBOUND_MAX_RESPONSE_BYTES": Setting(
        64 * 1024, *_INT0, "bytes of a response body read at most"
    ),
    "OUTBOUND_RESOLVER": Setting(
        None,
        _optional(_is_dotted_path),
        "None or the dotted path of a function",
        "dotted path of fn(host, port) -> [IP address]; None: getaddrinfo",
        imports="fn(host, port) -> list of IP address strings",
    ),
    "OUTBOUND_UNSAFE_ALLOW": Setting(
        [],
        _networks,
        "a list of IP networks",
        'UNSAFE outside tests/dev: networks let through, http too (e.g. ["127.0.0.1/32"])',
    ),
    "FCM_CREDENTIALS": Setting(
        None,
        _optional(lambda v: _is_text(v) or isinstance(v, dict | PurePath)),
        "None, a service account's JSON (dict or text) or a pathlib.Path of its file",
        "Firebase service account (JSON, dict or Path of the file); None: FCM off",
        section="Mobile push, FCM (docs/channels.md#mobile-push-fcm)",
    ),
    "FCM_PROJECT_ID": Setting(
        None,
        _optional(_is_text),
        "None or a Firebase project id",
        "None: the service account's project_id",
    ),
    "FCM_API_URL": Setting(
        "https://fcm.googleapis.com",
        _is_url,
        "an absolute http(s) URL",
        "FCM's base URL (a local stand-in in development)",
    ),
    "FCM_MAX_DEVICES": Setting(10, *_INT1, "devices per user; one more drops the oldest"),
    "SMS_PHONE_NUMBER": Setting(
        None,
        _optional(_is_dotted_path),
        "None or the dotted path of a function",
        "dotted path of fn(user) -> E.164 phone number or None; None: SMS off",
        imports="fn(user) -> E.164 phone number or None",
        section="SMS (docs/channels.md#sms-twilio)",
    ),
    "SMS_PROVIDER": Setting(
        "notifications.outbound.sms_twilio.TwilioProvider",
        _is_dotted_path,
        "the dotted path of a BaseSMSProvider subclass",
        "dotted path of the SMS provider (a BaseSMSProvider)",
    ),
    "SMS_MAX_SEGMENTS": Setting(
        1, lambda v: _is_int(v, 1) and v <= 10, "an integer from 1 to 10", "segments a text may use"
    ),
    "TWILIO_ACCOUNT_SID": Setting(None, _optional(_is_text), "None or an AC... SID", "Twilio"),
    "TWILIO_AUTH_TOKEN": Setting(
        None, _optional(_is_text), "None or a token", "Twilio auth token (or an API key secret)"
    ),
    "TWILIO_FROM": Setting(
        None,
        _optional(_is_text),
        "None, an E.164 number or a Messaging Service SID (MG...)",
        "sender: an E.164 number or a Messaging Service SID",
    ),
    "TWILIO_API_URL": Setting(
        "https://api.twilio.com",
        _is_url,
        "an absolute http(s) URL",
        "Twilio's API base URL (a local stand-in in development)",
    ),
    "WEBHOOK_ENDPOINTS": Setting(
        {},
        _is_webhook_endpoints,
        'a dict of name -> {"url": URL, "secret": "whsec_...", "types": [names] (optional)}',
        "signed webhooks (Standard Webhooks): endpoint name -> url, secret, optional types",
        section="Webhooks and chat (docs/channels.md#signed-webhooks)",
    ),
    "SLACK_WEBHOOK_URLS": Setting(
        {},
        _is_destinations,
        'a dict of type name or "*" -> incoming-webhook URL',
        'Slack incoming webhooks per type ("*": any other type)',
    ),
    "SLACK_BOT_TOKEN": Setting(
        None,
        _optional(_is_text),
        "None or a bot token (xoxb-...)",
        "bot token for direct messages (chat.postMessage) to SLACK_USER_ID's member id",
    ),
    "SLACK_USER_ID": Setting(
        None,
        _optional(_is_dotted_path),
        "None or the dotted path of a function",
        "dotted path of fn(user) -> Slack member id or None (direct messages)",
        imports="fn(user) -> Slack member id or None",
    ),
    "SLACK_API_URL": Setting(
        "https://slack.com/api",
        _is_url,
        "an absolute http(s) URL",
        "Slack Web API base (a local stand-in in development)",
    ),
    "TEAMS_WEBHOOK_URLS": Setting(
        {},
        _is_destinations,
        'a dict of type name or "*" -> Workflows webhook URL',
        'Microsoft Teams (Workflows) webhooks per type ("*": any other type)',
    ),
    "TEAMS_USER_WEBHOOK_URL": Setting(
        None,
        _optional(_is_dotted_path),
        "None or the dotted path of a function",
        "dotted path of fn(user) -> the user's own Teams webhook URL or None",
        imports="fn(user) -> webhook URL or None",
    ),
    "DISCORD_WEBHOOK_URLS": Setting(
        {},
        _is_destinations,
        'a dict of type name or "*" -> Discord webhook URL',
        'Discord webhooks per type ("*": any other type)',
    ),
    "DISCORD_USER_WEBHOOK_URL": Setting(
        None,
        _optional(_is_dotted_path),
        "None or the dotted path of a function",
        "dotted path of fn(user) -> the user's own Discord webhook URL or None",
        imports="fn(user) -> webhook URL or None",
    ),
}

#: Each key's default (derived from :data:`SETTINGS`).
DEFAULTS: dict[str, Any] = {name: setting.default for name, setting in SETTINGS.items()}

#: Settings that name a function by dotted path, and what the function must be
#: (checked by notifications.E006; derived from :data:`SETTINGS`).
DOTTED_PATHS: dict[str, str] = {
    name: setting.imports for name, setting in SETTINGS.items() if setting.imports
}


class NotificationsSettings:
    """Attribute access to ``settings.NOTIFICATIONS`` merged over :data:`DEFAULTS`.

    Values are read once and kept until the settings change; dotted paths of
    functions (:attr:`Setting.imports`) are imported once, by :meth:`imported`.
    """

    def __init__(self) -> None:
        self._cache: dict[str, Any] | None = None
        self._imported: dict[str, Any] = {}

    def _load(self) -> dict[str, Any]:
        if self._cache is None:
            self._cache = {**DEFAULTS, **_user_settings()}
        return self._cache

    def __getattr__(self, name: str) -> Any:
        if name not in SETTINGS:
            raise AttributeError(f"Unknown NOTIFICATIONS setting {name!r}")
        return self._load()[name]

    def imported(self, name: str) -> Any:
        """The object the dotted path of setting ``name`` names, imported once; None if unset."""
        if name not in self._imported:
            path = getattr(self, name)
            self._imported[name] = None if path is None else import_string(path)
        return self._imported[name]

    def user_keys(self) -> set[str]:
        """The keys the project's ``settings.NOTIFICATIONS`` sets."""
        return set(_user_settings())

    def unknown_keys(self) -> list[str]:
        """Keys of ``settings.NOTIFICATIONS`` the package does not know (for the checks)."""
        return sorted(self.user_keys() - set(SETTINGS) - set(REMOVED))

    def reload(self) -> None:
        """Forget the cached values and imports; the next access reads the settings again."""
        self._cache = None
        self._imported = {}


notifications_settings = NotificationsSettings()


def _user_settings() -> dict[str, Any]:
    # Not a dict: check_values() reports it (E007); the defaults apply meanwhile.
    user = getattr(settings, "NOTIFICATIONS", None) or {}
    return user if isinstance(user, dict) else {}


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
        setting = SETTINGS.get(key)
        if setting is None:
            continue
        if not setting.rule(value):
            found.append(
                Error(
                    f"NOTIFICATIONS[{key!r}] must be {setting.expected}, not {value!r}.",
                    hint=f"Fix NOTIFICATIONS[{key!r}] or remove it (default: {setting.default!r}).",
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


# --- settings.EVENTS: read, validated and parsed here; synced by notifications.event_types ---

SLUG = re.compile(r"^[-a-zA-Z0-9_]+\Z")


@dataclass(frozen=True)
class DeclaredEvent:
    name: str
    title: str
    description: str | None
    #: The type's translatable text (``{"title": Text, "message": Text}``), or None.
    text: Mapping[str, Any] | None = None


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
        if not _is_text_template(entry.get("text")):
            found.append(
                (
                    "E005",
                    f"{where}: text must be None or a dict with a 'title' and optionally a "
                    "'message' and a 'grouped' title, each made with "
                    "notifications.i18n.gettext_lazy (or its siblings).",
                )
            )
    return found


def _is_text_template(text: Any) -> bool:
    """None, or ``{"title": Text, "message": Text, "grouped": Text}`` (the last two optional;
    Text from
    :mod:`notifications.i18n`, recognised by its ``spec()`` since this leaf cannot import it)."""
    if text is None:
        return True
    if (
        not isinstance(text, dict)
        or "title" not in text
        or set(text) - {"title", "message", "grouped"}
    ):
        return False
    return (
        all(
            callable(getattr(value, "spec", None))
            for key, value in text.items()
            if value is not None
        )
        and text["title"] is not None
    )


_declared: list[DeclaredEvent] | None = None  # parsed once, reset by _settings_changed


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
                    text=entry.get("text"),
                )
                for entry in events
            ]
        )
    return _declared


def declared_names() -> list[str]:
    """The names ``settings.EVENTS`` declares, in order."""
    return [event.name for event in declared_events()]


#: What to forget when a setting changes: (setting names, reset function).
_RESETS: list[tuple[frozenset[str], Callable[[], None]]] = []


def reset_on_change(*names: str) -> Callable[[Callable[[], None]], Callable[[], None]]:
    """Register a function that drops a cache built from the settings ``names``.

    The package's one ``setting_changed`` receiver calls it when one of them
    changes (``override_settings`` in tests). ``NOTIFICATIONS`` itself is always reloaded.
    """

    def register(reset: Callable[[], None]) -> Callable[[], None]:
        _RESETS.append((frozenset(names), reset))
        return reset

    return register


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs: Any) -> None:
    global _declared
    if setting == "NOTIFICATIONS":
        notifications_settings.reload()
    if setting in {"EVENTS", "EVENT_TYPES"}:
        _declared = None
    for names, reset in _RESETS:
        if setting in names:
            reset()


def readme_block() -> str:
    """The README's configuration block, generated from :data:`SETTINGS` (a test compares)."""
    lines = ["NOTIFICATIONS = {"]
    for name, setting in SETTINGS.items():
        if setting.section:
            lines.append(f"    # --- {setting.section} ---")
        lines.append(f"    # {setting.doc}")
        lines.append(f'    "{name}": {_literal(setting.default, "    ")},')
    lines.append("}")
    return "\n".join(lines)


def _literal(value: Any, indent: str) -> str:
    """``value`` as Python source with double quotes, a dict one item per line."""
    if isinstance(value, dict):
        items = [f'{indent}    "{k}": {_literal(v, indent + "    ")},' for k, v in value.items()]
        return "{\n" + "\n".join(items) + f"\n{indent}}}"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(item, indent) for item in value) + "]"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)
