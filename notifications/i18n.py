"""Translatable notification text: stored once per event, rendered in the reader's language.

A send may carry a :class:`Text` instead of a plain string (made with this
module's :func:`gettext_lazy`, :func:`pgettext_lazy`, :func:`ngettext_lazy` or
:func:`npgettext_lazy`: Django's signatures and names, so ``makemessages``
extracts them) and named ``params``; or its type declares one in ``EVENTS``
(``"text": {"title": ..., "message": ...}``). The Event stores the message ids
and the params once (``Event.text``, see :func:`spec`); every reader gets them
rendered in their own language when the notification is read
(:func:`render`), on REST, on the sockets and on every channel.

Rendering adds three parameters a message may use: ``count`` (how many events
a grouped notification holds, 1 otherwise), ``others`` (``count - 1``) and
``author`` (the newest author's name, "" without one). A plural message picks
its form from its ``number`` parameter (``count`` by default).

The reader's language (:func:`reader_language`) is, in order: the project's
``NOTIFICATIONS["USER_LANGUAGE"](user)``, then the request's language (what
``LocaleMiddleware`` activated; none for sockets and channels), then
``LANGUAGE_CODE``; a code the project does not offer (``LANGUAGES``) falls back
to its supported variant, then to ``LANGUAGE_CODE``.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Mapping
from typing import Any, NamedTuple, NotRequired, TypedDict

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise

from notifications.conf import notifications_settings, reset_on_change

#: The parameters rendering adds (a send's ``params`` may not use these names).
AUTOMATIC = ("count", "others", "author")


class MessageSpec(TypedDict):
    """A message id as stored (``Event.text``) and sent on the wire (``event.text``):
    the keys other than ``id`` only when set (every reader's row carries it)."""

    id: str
    context: NotRequired[str]
    plural: NotRequired[str]
    #: The param that picks a plural form (plural messages only).
    number: NotRequired[str]


class TextSpec(TypedDict):
    """What an Event stores of its translatable text: message ids and their params."""

    title: MessageSpec | None
    message: MessageSpec | None
    params: dict[str, Any]
    #: The title of a grouped notification holding more than one event (a type's
    #: ``EVENTS`` text may declare it, usually plural on ``others``).
    grouped: NotRequired[MessageSpec | None]


class Text(Promise):
    """A message id to translate when read: ``str()`` gives it in the active language.

    Made by :func:`gettext_lazy` and its siblings. ``number`` names the
    parameter that chooses a plural form (plural messages only).
    """

    def __init__(
        self,
        msgid: str,
        *,
        context: str | None = None,
        plural: str | None = None,
        number: str | None = None,
    ) -> None:
        self.msgid = msgid
        self.context = context
        self.plural = plural
        self.number = number if plural is not None else None

    def spec(self) -> MessageSpec:
        """The message id as stored and sent on the wire."""
        spec: MessageSpec = {"id": self.msgid}
        if self.context is not None:
            spec["context"] = self.context
        if self.plural is not None:
            spec["plural"] = self.plural
        if self.number is not None:
            spec["number"] = self.number
        return spec

    def __str__(self) -> str:
        return translate(self.spec(), 1, translation.get_language())

    def __repr__(self) -> str:
        return f"<Text {self.msgid!r}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Text) and self.spec() == other.spec()

    def __hash__(self) -> int:
        return hash((self.msgid, self.context, self.plural, self.number))


def gettext_lazy(message: str) -> Text:
    """A message id translated when read (``django.utils.translation.gettext_lazy``'s twin)."""
    return Text(message)


def pgettext_lazy(context: str, message: str) -> Text:
    """A message id with a context (``pgettext_lazy``'s twin)."""
    return Text(message, context=context)


def ngettext_lazy(singular: str, plural: str, number: str = "count") -> Text:
    """A plural message; ``number`` names the parameter that picks the form (``ngettext_lazy``)."""
    return Text(singular, plural=plural, number=number)


def npgettext_lazy(context: str, singular: str, plural: str, number: str = "count") -> Text:
    """A plural message with a context (``npgettext_lazy``'s twin)."""
    return Text(singular, context=context, plural=plural, number=number)


def author_name(user: Any) -> str:
    """An author's display name: ``NOTIFICATIONS["AUTHOR_NAME"](user)`` or ``get_username()``."""
    name = notifications_settings.imported("AUTHOR_NAME")
    return str(user.get_username() if name is None else name(user))


def message_spec(value: Any) -> MessageSpec | None:
    """The stored form of ``value`` if it is translatable text, else None."""
    return value.spec() if isinstance(value, Text) else None


def translate(message: MessageSpec, number: int, language: str | None) -> str:
    """The message's translation in ``language`` (its form for ``number``), unformatted;
    ``language`` None: the message id itself.

    Looked up once per process and language, then kept (:func:`_compiled`):
    reading a page renders its rows without touching the translation machinery.
    """
    return _compiled(language, message["id"], message.get("context"), message.get("plural"), number)


@functools.lru_cache(maxsize=4096)
def _compiled(
    language: str | None, msgid: str, context: str | None, plural: str | None, number: int
) -> str:
    with translation.override(language):
        if plural is None:
            if context is None:
                return translation.gettext(msgid)
            return translation.pgettext(context, msgid)
        if context is None:
            return translation.ngettext(msgid, plural, number)
        return translation.npgettext(context, msgid, plural, number)


#: The settings whose change makes kept translations stale (tests, ``override_settings``).
CATALOGUE_SETTINGS = ("LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS", "INSTALLED_APPS", "USE_I18N")


@reset_on_change(*CATALOGUE_SETTINGS)
def _catalogues_changed() -> None:
    _compiled.cache_clear()
    _supported.cache_clear()


def parameters(
    params: Mapping[str, Any], count: int = 1, authors: list[Any] | None = None
) -> dict[str, Any]:
    """A send's params and the automatic ones (``count``, ``others``, ``author``)."""
    author = authors[0]["name"] if authors else ""
    return {**params, "count": count, "others": max(count - 1, 0), "author": author}


def format_message(message: MessageSpec, values: Mapping[str, Any], language: str | None) -> str:
    """The message in ``language`` (None: the message id) with ``values`` filled in.

    Raises ``KeyError``, ``ValueError`` or ``TypeError`` when the message and
    the values do not fit (validation refuses such a send; :func:`render` falls
    back to the message id).
    """
    name = message.get("number", "count")
    number = values.get(name, 1) if message.get("plural") else 1
    if not isinstance(number, int) or isinstance(number, bool):
        raise TypeError(f"the plural number {name!r} must be an integer")
    template = translate(message, number, language)
    return template % values if "%" in template else template


def render(
    message: MessageSpec | None,
    values: Mapping[str, Any],
    language: str | None,
    fallback: str | None = None,
) -> str | None:
    """``message`` in ``language`` filled with ``values`` (:func:`parameters`), or
    ``fallback`` without a message.

    A translation that does not fit the params (a catalogue's mistake) falls back
    to the message id in the source language, then to ``fallback``: reading
    never fails on a bad catalogue.
    """
    if message is None:
        return fallback
    try:
        return format_message(message, values, language)
    except (KeyError, ValueError, TypeError):
        with contextlib.suppress(KeyError, ValueError, TypeError):
            return format_message(message, values, None)
    return fallback


class Rendered(NamedTuple):
    """A notification's ``title`` and ``message`` in one language."""

    title: str
    message: str | None


def render_text(
    text: TextSpec | None,
    title: str,
    message: str | None,
    *,
    count: int = 1,
    authors: list[Any] | None = None,
    language: str | None = None,
) -> Rendered:
    """The title and message in ``language`` (default: the active one); the stored strings
    for literal text.

    ``count`` and ``authors`` are a grouped row's (see :func:`parameters`).
    """
    if text is None:
        return Rendered(title, message)
    if language is None:
        language = translation.get_language()
    values = parameters(text["params"], count, authors)
    # A grouped row holding more than one event reads the type's grouped title.
    grouped = text.get("grouped") if count > 1 else None
    rendered_title = render(grouped or text["title"], values, language, title)
    return Rendered(rendered_title or title, render(text["message"], values, language, message))


def supported_language(code: Any) -> str:
    """``code`` if the project offers it (or a variant of it), else ``LANGUAGE_CODE``."""
    if isinstance(code, str) and code:
        with contextlib.suppress(LookupError):
            return _supported(code)
    return str(settings.LANGUAGE_CODE)


@functools.lru_cache(maxsize=512)
def _supported(code: str) -> str:
    return translation.get_supported_language_variant(code)


def hook_language(user: Any) -> str | None:
    """``NOTIFICATIONS["USER_LANGUAGE"](user)`` when set and it names a language, else None."""
    language_of = notifications_settings.imported("USER_LANGUAGE")
    if language_of is None or user is None:
        return None
    language = language_of(user)
    return str(language) if language else None


def uses_hook() -> bool:
    """Whether the project names its users' languages (``USER_LANGUAGE``)."""
    return notifications_settings.USER_LANGUAGE is not None


def user_language(user: Any) -> str:
    """The language to write to ``user`` in (sockets, email, every channel).

    ``USER_LANGUAGE(user)``, else ``LANGUAGE_CODE``; always a language the
    project offers (:func:`supported_language`).
    """
    return supported_language(hook_language(user))


def reader_language(user: Any, request_language: str | None) -> str:
    """The language of a REST answer: ``USER_LANGUAGE(user)``, the request's, ``LANGUAGE_CODE``."""
    return supported_language(hook_language(user) or request_language)
