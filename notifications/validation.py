"""What text the database can store: one rule for every entry point, on every database.

PostgreSQL refuses a NUL character in text and jsonb and a lone surrogate
(U+D800-U+DFFF) in jsonb and in any UTF-8 text; SQLite stores both. The
package refuses them everywhere, so code tested on SQLite does not break in
production. :func:`check_storable` is the rule; the service and the forms
(:mod:`notifications.forms`: the admin, the management command) call it and turn
its :class:`InvalidNotification` into their own error shape. REST bodies and
query parameters go through DRF fields, whose validators refuse both as 400s.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from notifications.exceptions import InvalidNotification

# Deeper than this is refused: the JSON encoder and renderer recurse once per level.
MAX_DATA_DEPTH = 64
MAX_TITLE_LENGTH = 255
MAX_KEY_LENGTH = 255
MAX_URL_LENGTH = 2048

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def check_storable(value: Any, name: str) -> None:
    """Raise :class:`InvalidNotification` if ``value`` holds text no database can store.

    ``value`` is a string or JSON-like data (dicts, lists, tuples, scalars):
    every string in it, dict keys included, must be free of NUL characters and
    lone surrogates, and containers may nest at most :data:`MAX_DATA_DEPTH`
    levels. Iterative, so hostile nesting cannot exhaust the stack. ``name``
    names the argument in the message.
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            _check_text(item, name)
        elif isinstance(item, dict | list | tuple):
            if depth > MAX_DATA_DEPTH:
                raise InvalidNotification(f"{name} nests deeper than {MAX_DATA_DEPTH} levels")
            if isinstance(item, dict):
                for key in item:
                    if isinstance(key, str):
                        _check_text(key, f"a key of {name}")
                stack.extend((child, depth + 1) for child in item.values())
            else:
                stack.extend((child, depth + 1) for child in item)


def validate_url(url: Any, name: str = "url") -> str:
    """``url`` if it is a link a notification may carry; :class:`InvalidNotification` otherwise.

    A link is a path on this site (``/posts/7``, not ``//host``) or an absolute
    ``http``/``https`` URL with a host, at most :data:`MAX_URL_LENGTH`
    characters, without whitespace or control characters (so never
    ``javascript:`` or ``data:``: the inbox element and emails use it as an href).
    """
    if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH:
        raise InvalidNotification(
            f"{name} must be a non-empty string of at most {MAX_URL_LENGTH} characters"
        )
    check_storable(url, name)
    if any(char.isspace() or ord(char) < 32 or ord(char) == 127 for char in url):
        raise InvalidNotification(f"{name} must not contain whitespace or control characters")
    if url.startswith("/") and not url.startswith("//"):
        return url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidNotification(
            f"{name} must be a path starting with '/' or an http(s) URL, not {url[:100]!r}"
        )
    return url


def _check_text(text: str, name: str) -> None:
    found = UNSTORABLE.search(text)
    if found is None:
        return
    what = "a NUL character" if found.group() == "\x00" else "a lone surrogate"
    raise InvalidNotification(f"{name} contains {what} (U+{ord(found.group()):04X})")


def validate_notification(*, type: Any, title: Any, message: Any, key: Any, data: Any) -> None:
    """Every rule ``send_notification`` applies to its arguments before writing anything.

    Raises :class:`InvalidNotification` naming the first bad argument.
    """
    if isinstance(type, str):
        check_storable(type, "type")
    if not isinstance(title, str) or not title or len(title) > MAX_TITLE_LENGTH:
        raise InvalidNotification(
            f"title must be a non-empty string of at most {MAX_TITLE_LENGTH} characters"
        )
    check_storable(title, "title")
    if message is not None and not isinstance(message, str):
        raise InvalidNotification("message must be a string or None")
    check_storable(message, "message")
    if key is not None and (not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH):
        raise InvalidNotification(
            f"key must be a non-empty string of at most {MAX_KEY_LENGTH} characters"
        )
    check_storable(key, "key")
    check_storable(data, "data")
    try:
        json.dumps(data, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise InvalidNotification(f"data is not JSON-serializable: {error}") from error
