"""Every rule about what a send may carry: one home, used by every entry point.

:func:`validate_send` checks all the arguments of ``send_notification`` (type,
title, message, data, key, group, target, expires, send_at) and returns them as
a :class:`ValidSend`, or raises :class:`~notifications.exceptions.InvalidNotification`
naming the argument (``error.field``) and the problem (``error.code``). The
admin's send page, the ``send_notification`` command, the REST serializers and
the socket's token check show those fields in their own shape; none of them
reads the message text.

What the database can store is one rule too (:func:`check_storable`): PostgreSQL
refuses a NUL character in text and jsonb and a lone surrogate (U+D800-U+DFFF)
in jsonb and in any UTF-8 text; SQLite stores both. The package refuses them
everywhere, so code tested on SQLite does not break in production.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.utils import timezone

from notifications import i18n
from notifications.event_types import declared_events, sendable_type
from notifications.exceptions import InvalidNotification, UnknownEventType

# Deeper than this is refused: the JSON encoder and renderer recurse once per level.
MAX_DATA_DEPTH = 64
MAX_TITLE_LENGTH = 255
MAX_KEY_LENGTH = 255
MAX_GROUP_LENGTH = 255
MAX_TARGET_ID_LENGTH = 255
MAX_URL_LENGTH = 2048

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def check_storable(value: Any, name: str) -> None:
    """Raise :class:`InvalidNotification` if ``value`` holds text no database can store.

    ``value`` is a string or JSON-like data (dicts, lists, tuples, scalars):
    every string in it, dict keys included, must be free of NUL characters
    (``code="nul"``) and lone surrogates (``code="surrogate"``), and containers
    may nest at most :data:`MAX_DATA_DEPTH` levels (``code="too_deep"``).
    Iterative, so hostile nesting cannot exhaust the stack. ``name`` is the
    error's ``field``.
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            _check_text(item, name, name)
        elif isinstance(item, dict | list | tuple):
            if depth > MAX_DATA_DEPTH:
                raise InvalidNotification(
                    f"{name} nests deeper than {MAX_DATA_DEPTH} levels", field=name, code="too_deep"
                )
            if isinstance(item, dict):
                for key in item:
                    if isinstance(key, str):
                        _check_text(key, f"a key of {name}", name)
                stack.extend((child, depth + 1) for child in item.values())
            else:
                stack.extend((child, depth + 1) for child in item)


def is_storable(text: str) -> bool:
    """Whether ``text`` can be stored (and encoded) by every database: no NUL, no lone surrogate."""
    return UNSTORABLE.search(text) is None


def validate_url(url: Any, name: str = "url") -> str:
    """``url`` if it is a link a notification may carry; :class:`InvalidNotification` otherwise.

    A link is a path on this site (``/posts/7``, not ``//host``) or an absolute
    ``http``/``https`` URL with a host, at most :data:`MAX_URL_LENGTH`
    characters, without whitespace or control characters (so never
    ``javascript:`` or ``data:``: the inbox element and emails use it as an href).
    """
    field = "url" if name == "url" else "target"
    _check_string(url, name, MAX_URL_LENGTH, optional=False, field=field)
    if any(char.isspace() or ord(char) < 32 or ord(char) == 127 for char in url):
        raise InvalidNotification(
            f"{name} must not contain whitespace or control characters", field=field
        )
    if url.startswith("/") and not url.startswith("//"):
        return str(url)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidNotification(
            f"{name} must be a path starting with '/' or an http(s) URL, not {url[:100]!r}",
            field=field,
        )
    return str(url)


def _check_text(text: str, what: str, name: str) -> None:
    found = UNSTORABLE.search(text)
    if found is None:
        return
    nul = found.group() == "\x00"
    raise InvalidNotification(
        f"{what} contains {'a NUL character' if nul else 'a lone surrogate'} "
        f"(U+{ord(found.group()):04X})",
        field=name,
        code="nul" if nul else "surrogate",
    )


def _check_string(
    value: Any, name: str, max_length: int, *, optional: bool, field: str | None = None
) -> None:
    """A non-empty string of at most ``max_length`` characters (or None when ``optional``)."""
    if value is None and optional:
        return
    field = name if field is None else field
    rule = f"{name} must be a non-empty string of at most {max_length} characters"
    if not isinstance(value, str) or not value:
        raise InvalidNotification(rule, field=field)
    if len(value) > max_length:
        raise InvalidNotification(rule, field=field, code="too_long")
    check_storable(value, field)


def check_data(data: Any, name: str = "data") -> None:
    """``data`` is storable and JSON-serializable (None included)."""
    check_storable(data, name)
    try:
        json.dumps(data, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise InvalidNotification(
            f"{name} is not JSON-serializable: {error}", field=name, code="not_json"
        ) from error


def validate_notification(*, type: Any, title: Any, message: Any, key: Any, data: Any) -> None:
    """The rules of the notification's own text, without database lookups.

    ``title`` and ``message`` are the strings to store (translatable text is
    checked by :func:`validate_text` first). Raises :class:`InvalidNotification`
    naming the first bad argument.
    """
    if isinstance(type, str):
        check_storable(type, "type")
    _check_string(title, "title", MAX_TITLE_LENGTH, optional=False)
    if message is not None and not isinstance(message, str):
        raise InvalidNotification("message must be a string or None", field="message")
    check_storable(message, "message")
    _check_string(key, "key", MAX_KEY_LENGTH, optional=True)
    check_data(data)


#: The types a parameter of translatable text may have (JSON scalars).
PARAM_TYPES = (str, int, float, bool, type(None))


@dataclass(frozen=True)
class ValidText:
    """The text of a send: the strings to store and, when translatable, what to render from."""

    title: Any
    message: Any
    text: i18n.TextSpec | None = None


def validate_text(
    *, type: str, title: Any, message: Any, params: Any, author: Any = None
) -> ValidText:
    """The title and message to store, and the translatable text (:mod:`notifications.i18n`).

    ``title``/``message`` may be :class:`~notifications.i18n.Text`; a ``title``
    of None takes the type's ``text`` in ``EVENTS`` (its ``message`` too, when
    ``message`` is None, and its ``grouped`` title). ``params`` (a dict of names
    to strings, numbers, booleans or None) fill the messages' ``%(name)s`` placeholders; they are
    stored once with the message ids, and the stored strings are the text in
    ``LANGUAGE_CODE``. Plain strings are returned as they are.

    Raises :class:`InvalidNotification`: ``field="params"`` with ``code``
    ``not_a_dict``, ``bad_name`` (not a string, or one of the automatic
    ``count``/``others``/``author``), ``bad_value``, ``missing`` (a placeholder
    without a param, or a plural number that is not an integer) or
    ``not_translatable`` (params for plain text). ``author`` fills ``%(author)s``
    in the stored strings.
    """
    grouped = None
    if title is None:
        template = next((e.text for e in declared_events() if e.name == type), None)
        if template is not None:
            title, grouped = template["title"], template.get("grouped")
            if message is None:
                message = template.get("message")
    title_spec, message_spec = i18n.message_spec(title), i18n.message_spec(message)
    if title_spec is None and message_spec is None:
        if params is not None:
            raise InvalidNotification(
                "params need translatable text (notifications.i18n.gettext_lazy ...) "
                "or a type with a text template",
                field="params",
                code="not_translatable",
            )
        return ValidText(title, message)
    values = _check_params({} if params is None else params)
    text: i18n.TextSpec = {"title": title_spec, "message": message_spec, "params": values}
    grouped_spec = i18n.message_spec(grouped)
    if grouped_spec is not None:
        text["grouped"] = grouped_spec
    for spec, name in ((title_spec, "title"), (message_spec, "message"), (grouped_spec, "title")):
        if spec is not None:
            check_storable(list(spec.values()), name)
            _check_placeholders(spec, values)
    authors = None if author is None else [{"name": i18n.author_name(author)}]
    stored = i18n.render_text(
        text, title, message, authors=authors, language=settings.LANGUAGE_CODE
    )
    return ValidText(stored.title, stored.message, text)


def _check_params(params: Any) -> dict[str, Any]:
    if not isinstance(params, dict):
        raise InvalidNotification(
            f"params must be a dict, not {params.__class__.__name__}",
            field="params",
            code="not_a_dict",
        )
    for name, value in params.items():
        if not isinstance(name, str) or name in i18n.AUTOMATIC:
            raise InvalidNotification(
                f"params: {name!r} is not a parameter name (a string other than "
                f"{', '.join(i18n.AUTOMATIC)}, which rendering fills in)",
                field="params",
                code="bad_name",
            )
        if not isinstance(value, PARAM_TYPES):
            raise InvalidNotification(
                f"params: {name!r} must be a string, a number, a boolean or None, "
                f"not {value.__class__.__name__}",
                field="params",
                code="bad_value",
            )
    check_data(params, "params")
    return dict(params)


def _check_placeholders(spec: i18n.MessageSpec, params: dict[str, Any]) -> None:
    """Every form of the message (source language, unpluralised and plural) takes ``params``."""
    values = i18n.parameters(params, 1, [{"name": ""}])
    for number in (1, 2):
        # The message id itself (None); a translation that does not fit falls back to it.
        for language in (None,):
            try:
                i18n.format_message(
                    spec, {**values, "count": number, "others": number - 1}, language
                )
            except KeyError as error:
                raise InvalidNotification(
                    f"params: the message {spec['id']!r} needs the parameter {error.args[0]!r}",
                    field="params",
                    code="missing",
                ) from error
            except (TypeError, ValueError) as error:
                raise InvalidNotification(
                    f"params do not fit the message {spec['id']!r}: {error}",
                    field="params",
                    code="missing",
                ) from error


@dataclass(frozen=True)
class ValidSend:
    """The checked arguments of one send.

    ``fields`` are the Event's columns (type, title, message, data, author,
    group, expires, target); ``send_at`` is set only for a send scheduled for
    later (a moment in the past or now means at once).
    """

    fields: dict[str, Any]
    key: str | None = None
    send_at: datetime.datetime | None = None

    @property
    def scheduled(self) -> bool:
        """Whether the fan-out waits for ``send_at``."""
        return self.send_at is not None


def validate_send(
    *,
    type: Any,
    title: Any,
    data: Any = None,
    message: Any = None,
    author: Any = None,
    key: Any = None,
    group: Any = None,
    target: Any = None,
    expires: Any = None,
    send_at: Any = None,
    url: Any = None,
    params: Any = None,
    now: datetime.datetime | None = None,
) -> ValidSend:
    """Check every argument of ``send_notification``; return them ready to write.

    Raises :class:`~notifications.exceptions.UnknownEventType` for a type not
    declared in ``settings.EVENTS`` (or removed from it) and
    :class:`InvalidNotification` for the rest, before anything is written.
    ``expires`` is a datetime or a timedelta from the moment the send goes out
    (``send_at``, or now); it must fall after ``send_at``. ``url`` (see
    :func:`validate_url`) defaults to the target's ``get_absolute_url()``.
    Translatable ``title``/``message`` and their ``params``: :func:`validate_text`.
    """
    if not isinstance(type, str):
        raise UnknownEventType(type)
    check_storable(type, "type")  # before it reaches a query
    event_type = sendable_type(type)
    if event_type is None:
        raise UnknownEventType(type)
    text = validate_text(type=type, title=title, message=message, params=params, author=author)
    title, message = text.title, text.message
    validate_notification(type=type, title=title, data=data, message=message, key=key)
    _check_string(group, "group", MAX_GROUP_LENGTH, optional=True)
    moment = timezone.now() if now is None else now
    run_at = _moment("send_at", send_at, moment)
    scheduled = run_at is not None and run_at > moment
    starts = run_at if scheduled else moment
    assert starts is not None
    expires_at = _moment("expires", expires, starts)
    if scheduled and expires_at is not None and expires_at <= starts:
        raise InvalidNotification(
            "expires must be after send_at (the notification would expire before it is sent)",
            field="expires",
            code="expires_too_early",
        )
    fields: dict[str, Any] = {
        "type": event_type,
        "title": title,
        "message": message,
        "data": data,
        "author": author,
        "group": group,
        "expires": expires_at,
        "url": validate_url(url) if url is not None else _target_url(target),
        "text": text.text,
        **_target_fields(target),
    }
    return ValidSend(fields=fields, key=key, send_at=run_at if scheduled else None)


def _moment(
    name: str, value: datetime.datetime | datetime.timedelta | None, start: datetime.datetime
) -> datetime.datetime | None:
    """A datetime (or, for ``expires``, a timedelta from ``start``) as the database stores it."""
    if value is None:
        return None
    if isinstance(value, datetime.timedelta) and name == "expires":
        return start + value
    if not isinstance(value, datetime.datetime):
        kinds = "a datetime or a timedelta" if name == "expires" else "a datetime"
        raise InvalidNotification(f"{name} must be {kinds}, not {value!r}", field=name)
    if settings.USE_TZ and timezone.is_naive(value):
        return timezone.make_aware(value)
    if not settings.USE_TZ and timezone.is_aware(value):
        return timezone.make_naive(value)
    return value


def _target_fields(target: Any) -> dict[str, Any]:
    if target is None:
        return {}
    if not isinstance(target, models.Model) or target.pk is None:
        raise InvalidNotification(
            f"target must be a saved model instance, not {target!r}", field="target"
        )
    object_id = str(target.pk)
    if len(object_id) > MAX_TARGET_ID_LENGTH:
        raise InvalidNotification(
            f"target's primary key is longer than {MAX_TARGET_ID_LENGTH} characters",
            field="target",
            code="too_long",
        )
    check_storable(object_id, "target")
    from django.contrib.contenttypes.models import ContentType

    return {"target_type": ContentType.objects.get_for_model(target), "target_id": object_id}


def _target_url(target: Any) -> str | None:
    """The target's ``get_absolute_url()``, when it has one (validated like ``url=``)."""
    get_absolute_url = getattr(target, "get_absolute_url", None)
    if target is None or not callable(get_absolute_url):
        return None
    return validate_url(str(get_absolute_url()), "target.get_absolute_url()")
