"""System checks: a malformed ``settings.EVENTS`` or ``NOTIFICATIONS`` fails early, with a hint."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Info, Warning, register
from django.utils.module_loading import import_string

from notifications.conf import (
    DOTTED_PATHS,
    REMOVED,
    SETTINGS,
    check_dotted_path,
    check_values,
    notifications_settings,
)
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


@register()
def check_dotted_paths(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E006: a setting that names a function by dotted path does not import a callable.

    Checked here so that ``migrate`` and ``runserver`` stop with the setting's
    name, instead of every email failing later in the task worker.
    """
    found: list[CheckMessage] = []
    for key, contract in DOTTED_PATHS.items():
        path = getattr(notifications_settings, key)
        if not isinstance(path, str) or not path:
            continue  # None: the default; another type is E007's
        hint = f"NOTIFICATIONS[{key!r}] must be the dotted path of {contract}, or None."
        problems = check_dotted_path(key, path, hint)
        if not problems and not callable(import_string(path)):
            problems = [
                Error(
                    f"NOTIFICATIONS[{key!r}] names {path!r}, which is not callable.",
                    hint=hint,
                    id="notifications.E006",
                )
            ]
        found.extend(problems)
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
        "the redis bus needs the package's 'redis' extra (redis-py).",
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

ESCALATION_HINT = (
    '"escalation": [{"channel": "web_push"}, {"channel": "email", "after_minutes": 10, '
    '"if": "unread"}], "urgent": False (docs/escalation.md).'
)

POOL_HINT = (
    'Add "OPTIONS": {"pool": True} (or pool sizes) to that database, with '
    "psycopg[pool] installed (django-rest-notifications[postgres]); see the README, "
    "production deployment."
)


@register()
def check_channels(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E010-E014, W010: the delivery channels declared in ``settings.EVENTS`` cannot work."""
    from notifications.outbound.config import channel_problems, escalation_problems, used_channels
    from notifications.tasks import task_decorator

    found: list[CheckMessage] = [
        Error(message, hint=CHANNELS_HINT, id="notifications.E010")
        for message in channel_problems()
    ]
    found.extend(
        Error(message, hint=ESCALATION_HINT, id="notifications.E014")
        for message in escalation_problems()
    )
    configured = notifications_settings.CHANNELS
    if not SETTINGS["CHANNELS"].rule(configured):
        return found  # E007 says what is wrong with it
    used = used_channels()
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
                hint="Use Django >= 6.0, or install the package's 'tasks' extra "
                "(django-tasks and django-tasks-db): pip install '<package>[tasks]', with the "
                "path or name you installed the package from.",
                id="notifications.E013",
            )
        )
    if "email" in used:
        found.extend(mailer_problems())
    if "web_push" in used and "web_push" in configured:
        from notifications.outbound.registry import get_channel

        if not get_channel("web_push").is_available():
            found.append(
                Warning(
                    "Web Push is offered but unavailable: it needs the webpush extra and a valid "
                    "NOTIFICATIONS['WEB_PUSH_VAPID_PRIVATE_KEY'].",
                    hint="Install the package's 'webpush' extra (py-vapid, http-ece, httpcore) and "
                    "generate a key: vapid --gen (docs/channels.md).",
                    id="notifications.W010",
                )
            )
    return found


@register()
def check_destinations(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E040-E042, W040: webhook, chat, FCM and SMS settings that cannot work.

    E040: a URL of ``WEBHOOK_ENDPOINTS``, ``*_WEBHOOK_URLS`` or ``SLACK_API_URL``
    that the outbound-request policy refuses (checked again at send time).
    E041: a webhook secret that cannot sign. E042: an SMS provider that cannot be
    built. W040: a channel offered in
    ``settings.EVENTS`` but unavailable (its extra or its settings are missing).
    """
    from notifications.outbound import requests

    if not all(SETTINGS[key].rule(getattr(notifications_settings, key)) for key in DESTINATIONS):
        return []  # E007 says what is wrong
    found: list[CheckMessage] = []
    urls: list[tuple[str, str]] = [
        (f"WEBHOOK_ENDPOINTS[{name!r}]['url']", entry["url"])
        for name, entry in notifications_settings.WEBHOOK_ENDPOINTS.items()
    ]
    for key in ("SLACK_WEBHOOK_URLS", "TEAMS_WEBHOOK_URLS", "DISCORD_WEBHOOK_URLS"):
        urls += [
            (f"{key}[{name!r}]", url) for name, url in getattr(notifications_settings, key).items()
        ]
    if notifications_settings.SLACK_BOT_TOKEN:
        urls.append(("SLACK_API_URL", notifications_settings.SLACK_API_URL))
    if notifications_settings.TWILIO_ACCOUNT_SID:
        urls.append(("TWILIO_API_URL", notifications_settings.TWILIO_API_URL))
    if notifications_settings.FCM_CREDENTIALS is not None:
        from notifications.outbound.fcm import service_account

        urls.append(("FCM_API_URL", notifications_settings.FCM_API_URL))
        token_uri = (service_account() or {}).get("token_uri")
        if isinstance(token_uri, str):
            urls.append(("FCM_CREDENTIALS['token_uri']", token_uri))
    for where, url in urls:
        try:
            requests.check_url(url)
        except requests.RefusedURL as error:
            found.append(
                Error(
                    f"NOTIFICATIONS[{where}] is refused by the outbound-request policy: "
                    f"{error.reason}.",
                    hint="Use a public https URL; for a local stand-in in development list its "
                    "network in NOTIFICATIONS['OUTBOUND_UNSAFE_ALLOW'] (docs/channels.md).",
                    id="notifications.E040",
                )
            )
    found.extend(_webhook_secret_problems())
    found.extend(_sms_provider_problems())
    found.extend(_unavailable_channels())
    return found


DESTINATIONS = (
    "WEBHOOK_ENDPOINTS",
    "SLACK_WEBHOOK_URLS",
    "TEAMS_WEBHOOK_URLS",
    "DISCORD_WEBHOOK_URLS",
    "SLACK_API_URL",
    "FCM_API_URL",
    "FCM_CREDENTIALS",
    "TWILIO_API_URL",
    "CHANNELS",
)


def _webhook_secret_problems() -> list[CheckMessage]:
    from notifications.outbound.webhooks import secret_problem, webhooks_installed

    endpoints = notifications_settings.WEBHOOK_ENDPOINTS
    if not endpoints or not webhooks_installed():
        return []
    return [
        Error(
            f"NOTIFICATIONS['WEBHOOK_ENDPOINTS'][{name!r}]['secret'] is {problem}.",
            hint="A secret is 'whsec_' followed by base64 of 24 to 64 random bytes: "
            "'whsec_' + base64.b64encode(secrets.token_bytes(32)).decode().",
            id="notifications.E041",
        )
        for name, entry in endpoints.items()
        if (problem := secret_problem(entry["secret"]))
    ]


def _sms_provider_problems() -> list[CheckMessage]:
    from notifications.outbound.sms import provider

    if notifications_settings.SMS_PHONE_NUMBER is None:
        return []
    try:
        provider()
    except (ImportError, TypeError) as error:
        return [
            Error(
                f"NOTIFICATIONS['SMS_PROVIDER'] cannot be used: {error}",
                hint="The dotted path of a notifications.outbound.sms.BaseSMSProvider subclass "
                "(default: the Twilio provider).",
                id="notifications.E042",
            )
        ]
    return []


#: The extra each of the package's channels needs, by name.
CHANNEL_EXTRAS = {
    "fcm": "fcm",
    "sms": "twilio",
    "webhook": "webhooks",
    "slack": "chat",
    "teams": "chat",
    "discord": "chat",
}


def _unavailable_channels() -> list[CheckMessage]:
    from notifications.outbound.config import used_channels
    from notifications.outbound.registry import all_channels

    configured = all_channels()
    return [
        Warning(
            f"The {name} channel is offered in settings.EVENTS but unavailable: it needs the "
            f"package's {CHANNEL_EXTRAS[name]!r} extra and its settings.",
            hint=f"docs/channels.md, section {name}: install the extra and configure a "
            "destination; until then the channel is hidden from preferences.",
            id="notifications.W040",
        )
        for name in sorted(used_channels() & set(CHANNEL_EXTRAS) & set(configured))
        if not configured[name].is_available()
    ]


def mailer_problems() -> list[CheckMessage]:
    """E016: ``NOTIFICATIONS["MAILER"]`` names no mailer (Django >= 6.1: a ``MAILERS`` alias)."""
    from notifications.outbound.email import uses_mailers

    alias = notifications_settings.MAILER
    if not isinstance(alias, str):
        return []  # E007
    if not uses_mailers():
        if alias == "default":
            return []
        return [
            Error(
                f"NOTIFICATIONS['MAILER'] is {alias!r}, but this Django has no MAILERS "
                "(Django < 6.1 sends through EMAIL_BACKEND).",
                hint="Remove NOTIFICATIONS['MAILER'] (default 'default'), or use Django >= 6.1.",
                id="notifications.E016",
            )
        ]
    mailers: dict[str, Any] = getattr(settings, "MAILERS", None) or {}
    if alias in mailers or (alias == "default" and not hasattr(settings, "MAILERS")):
        return []
    return [
        Error(
            f"NOTIFICATIONS['MAILER'] is {alias!r}, which settings.MAILERS does not define "
            f"(aliases: {', '.join(sorted(mailers)) or 'none'}).",
            hint="Add it to MAILERS or set NOTIFICATIONS['MAILER'] to one of its aliases.",
            id="notifications.E016",
        )
    ]


@register(deploy=True)
def check_deploy(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """W020-W023 (``check --deploy``): settings that are unsafe or misleading in production.

    The other production problems have checks that run everywhere: the local
    bus (W006) and PostgreSQL under ASGI without the pool (W007).
    """
    from notifications.outbound.config import used_channels

    found: list[CheckMessage] = []
    if notifications_settings.ALLOW_QUERY_TOKEN is True:
        found.append(
            Warning(
                "NOTIFICATIONS['ALLOW_QUERY_TOKEN'] is on: socket URLs carry API tokens, "
                "which land in proxies' and servers' access logs.",
                hint="Turn it off; clients send the token as the subprotocols "
                '["token", "<key>"] (TokenAuthMiddlewareStack).',
                id="notifications.W020",
            )
        )
    base = notifications_settings.BASE_URL
    if isinstance(base, str) and base.startswith("http://"):
        found.append(
            Warning(
                f"NOTIFICATIONS['BASE_URL'] is {base!r}: the links in emails (unsubscribe, "
                "the notification, the inbox) and Web Push clicks use plain http.",
                hint="Use the site's https:// URL.",
                id="notifications.W021",
            )
        )
    used = used_channels()
    default_sender = settings.DEFAULT_FROM_EMAIL == "webmaster@localhost"
    if "email" in used and not notifications_settings.EMAIL_FROM and default_sender:
        found.append(
            Warning(
                "Email is offered but neither NOTIFICATIONS['EMAIL_FROM'] nor "
                "DEFAULT_FROM_EMAIL is set: emails come from webmaster@localhost, which "
                "mail providers reject or mark as spam.",
                hint="NOTIFICATIONS = {'EMAIL_FROM': 'notifications@example.com', ...}",
                id="notifications.W022",
            )
        )
    allowed = notifications_settings.OUTBOUND_UNSAFE_ALLOW
    if allowed:
        found.append(
            Warning(
                f"NOTIFICATIONS['OUTBOUND_UNSAFE_ALLOW'] is {list(allowed)!r}: requests to URLs "
                "that users supply (Web Push endpoints) may reach these internal addresses, "
                "over plain http too.",
                hint="Leave it unset in production; it is for tests and local development only.",
                id="notifications.W023",
            )
        )
    return found


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


#: PgBouncer's default port: a database on it is taken for a transaction pooler.
PGBOUNCER_PORT = "6432"


def pooled_aliases() -> set[str]:
    """The DATABASES aliases behind a transaction pooler (``POOLED_DATABASES`` or the port)."""
    declared = notifications_settings.POOLED_DATABASES
    if declared is not None:
        if not SETTINGS["POOLED_DATABASES"].rule(declared):
            return set()  # E007 names the bad value
        return {str(alias) for alias in declared}
    return {
        alias
        for alias, db in settings.DATABASES.items()
        if str(db.get("ENGINE", "")).endswith("postgresql")
        and str(db.get("PORT") or "") == PGBOUNCER_PORT
    }


@register()
def check_pooler(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """W030: the database bus LISTENs through a transaction pooler; W031: prepared statements."""
    from notifications.realtime.bus import bus_path

    pooled = pooled_aliases()
    found: list[CheckMessage] = []
    if pooled and bus_path().endswith(".DatabaseBus"):
        from notifications.realtime.bus.database import listen_alias

        alias = listen_alias()
        if alias in pooled:
            found.append(
                Warning(
                    f"The database bus listens for wake-ups (LISTEN) through DATABASES[{alias!r}], "
                    "which goes through a transaction pooler: LISTEN does not survive "
                    "transaction pooling, so pushes would only arrive by polling (1 s).",
                    hint='Set NOTIFICATIONS["BUS_LISTEN_DATABASE"] to a DATABASES alias or DSN '
                    "that reaches PostgreSQL directly (docs/production.md, PgBouncer).",
                    id="notifications.W030",
                )
            )
    for alias in sorted(pooled & set(settings.DATABASES)):
        database: dict[str, Any] = settings.DATABASES[alias]
        options: dict[str, Any] = database.get("OPTIONS") or {}
        if options.get("server_side_binding") and options.get("prepare_threshold", 5) is not None:
            found.append(
                Warning(
                    f"DATABASES[{alias!r}] uses server-side binding through a transaction "
                    "pooler: psycopg prepares repeated statements by name, which another "
                    "client of the pool then finds (DuplicatePreparedStatement).",
                    hint='Add "prepare_threshold": None to its OPTIONS, or drop '
                    "server_side_binding.",
                    id="notifications.W031",
                )
            )
    return found
