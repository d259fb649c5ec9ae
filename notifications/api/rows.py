"""The list's page as plain rows: SQL compiled once per shape, no model instances.

A list request used to spend most of its CPU in Python around two cheap
statements: the ORM compiling the page's four-table join and its ``COUNT``
on every request, then building four model instances per row. Here each
*shape* of the list (which filters the request uses, how many type names, a
timestamp or a word for ``readed`` ...) is compiled by the ORM once per
process, from the same :class:`~notifications.api.filters.NotificationFilterSet`
filters and :meth:`~notifications.querysets.NotificationQuerySet.for_user`
as the ORM path, with stand-in values whose parameter positions are noted;
a request binds its own values there and runs the statements through the
connection's cursor. The rows come back as tuples and become the wire JSON
through :mod:`notifications.payloads`, the builders the serializers and the
socket frames use, so the JSON is the same field for field
(``tests/api/test_list_contract.py`` holds them equal).
"""

from __future__ import annotations

import datetime
import functools
import json
from collections.abc import Sequence
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime

from notifications import i18n, payloads
from notifications.api.filters import ListQuery
from notifications.conf import reset_on_change
from notifications.i18n import CATALOGUE_SETTINGS
from notifications.models import Notification

#: What a page row selects, in the order :func:`render` reads it.
COLUMNS = (
    "pk",
    "user_id",
    "readed",
    "seen",
    "archived",
    "group",
    "count",
    "authors",
    "event_id",
    "event__timestamp",
    "event__author_id",
    "event__title",
    "event__message",
    "event__data",
    "event__target_type_id",
    "event__target_id",
    "event__expires",
    "event__type_id",
    "event__type__name",
    "event__type__title",
    "event__type__description",
    "event__url",
    "event__text",
)


class NotCompiled(Exception):
    """Internal: a shape the plain-rows path cannot compile; the ORM path serves it."""


class Statements(NamedTuple):
    """One shape's statements: SQL, parameters with stand-ins, and where each value goes."""

    page_sql: str
    page_params: tuple[Any, ...]
    page_slots: tuple[tuple[int, int], ...]  # (parameter position, value index)
    count_sql: str
    count_params: tuple[Any, ...]
    count_slots: tuple[tuple[int, int], ...]
    datetimes: frozenset[int]  # value indexes that are datetimes (prepared per database)


def _leaves(name: str, value: Any) -> tuple[Any, list[Any]]:
    """A parsed parameter's part of the shape, and its values bound as parameters."""
    if value is None or isinstance(value, bool) or name in ("seen", "archived"):
        return value, []  # a word or a switch: it changes the SQL, not a parameter
    if isinstance(value, datetime.datetime):
        return "datetime", [value]
    if isinstance(value, int):
        return "int", [value]
    if isinstance(value, list):
        return ("list", len(value)), list(value) if value else []
    if isinstance(value, tuple):  # target: (content type id or None, object id)
        return ("target", value[0] is None), [] if value[0] is None else list(value)
    raise NotCompiled(name)


def _kind(value: Any) -> Any:
    """What of a value the compiled statement depends on: its type, a datetime's awareness."""
    if isinstance(value, datetime.datetime):
        return ("datetime", value.tzinfo is not None)
    return type(value)


def _stand_in(kind: Any, n: int) -> Any:
    """A value of that kind that no real request carries."""
    if isinstance(kind, tuple):
        zone = datetime.UTC if kind[1] else None
        return datetime.datetime(1901, 1, 1, tzinfo=zone) + datetime.timedelta(
            seconds=n, microseconds=n
        )
    if kind is int:
        return -(10**15) - n
    if kind is str:
        return f"\x01notifications-stand-in-{n}"
    raise NotCompiled(kind)  # e.g. a UUID primary key: the ORM path serves it


def _prepared(value: Any, using: str) -> Any:
    if isinstance(value, datetime.datetime):
        field = Notification._meta.get_field("expires")
        return field.get_db_prep_value(value, connections[using])
    return value


def _slots(params: Sequence[Any], stand_ins: list[Any], using: str) -> tuple[tuple[int, int], ...]:
    prepared = [_prepared(value, using) for value in stand_ins]
    slots = []
    for position, param in enumerate(params):
        for index, stand_in in enumerate(prepared):
            if type(param) is type(stand_in) and param == stand_in:
                slots.append((position, index))
    if sorted(index for _, index in slots) != list(range(len(stand_ins))):
        raise NotCompiled("a value is not among the parameters")
    return tuple(slots)


@functools.lru_cache(maxsize=256)
def _compile(using: str, shape: tuple[Any, ...], kinds: tuple[Any, ...]) -> Statements | None:
    """The statements of one shape (None: the shape selects nothing, e.g. an unknown target).

    ``kinds`` are the :func:`_kind` of the request's values, in binding order.
    Raises :class:`NotCompiled` when the ORM path must serve the shape.
    """
    stand_ins = [_stand_in(kind, n) for n, kind in enumerate(kinds, start=1)]
    values = iter(stand_ins)
    user, now = next(values), next(values)
    parsed: dict[str, Any] = {}
    for name, part in shape:
        if part == "datetime" or part == "int":
            parsed[name] = next(values)
        elif isinstance(part, tuple) and part[0] == "list":
            parsed[name] = [next(values) for _ in range(part[1])]
        elif isinstance(part, tuple) and part[0] == "target":
            parsed[name] = (None, "") if part[1] else (next(values), next(values))
        else:
            parsed[name] = part
    try:
        rows = ListQuery(parsed).apply(Notification.objects.for_user(_Pk(user), now=now))
        selected = rows.values_list(*COLUMNS, _author_name_column())
        page, page_params = selected.query.get_compiler(using=using).as_sql()
    except EmptyResultSet:
        return None
    except (TypeError, ValueError) as error:  # a stand-in the model's fields refuse
        raise NotCompiled(shape) from error
    # The count of the same rows; PostgreSQL and SQLite flatten the subquery, so the
    # plan is the ORM's own count's (an index-only scan where the filters allow).
    ids, count_params = rows.order_by().values("pk").query.get_compiler(using=using).as_sql()
    count = f"SELECT COUNT(*) FROM ({ids}) notifications_page"
    return Statements(
        page_sql=f"{page} LIMIT %s OFFSET %s",
        page_params=tuple(page_params),
        page_slots=_slots(page_params, stand_ins, using),
        count_sql=count,
        count_params=tuple(count_params),
        count_slots=_slots(count_params, stand_ins, using),
        datetimes=frozenset(n for n, kind in enumerate(kinds) if isinstance(kind, tuple)),
    )


class _Pk:
    """A stand-in user: :meth:`for_user` reads only ``pk``."""

    def __init__(self, pk: Any) -> None:
        self.pk = pk


def _author_name_column() -> str:
    return f"event__author__{get_user_model().USERNAME_FIELD}"


def _bind(
    template: Sequence[Any], slots: Sequence[tuple[int, int]], values: list[Any]
) -> list[Any]:
    params = list(template)
    for position, index in slots:
        params[position] = values[index]
    return params


class Page:
    """The requesting user's rows of one list query: what a limit/offset paginator reads.

    ``count()`` and one slice, ``page[offset:offset + limit]``, which answers
    the payloads (:class:`~notifications.payloads.NotificationPayload`) of the
    rows. Built by :func:`plain_page`; None there means the shape could not be
    compiled and the caller keeps the ORM path.
    """

    def __init__(self, statements: Statements | None, values: list[Any], using: str) -> None:
        self.statements = statements
        self.values = values
        self.using = using
        self.db = using  # as a QuerySet names it

    def count(self) -> int:
        if self.statements is None:
            return 0
        s = self.statements
        with connections[self.using].cursor() as cursor:
            cursor.execute(s.count_sql, _bind(s.count_params, s.count_slots, self.values))
            found = cursor.fetchone()
        return int(found[0]) if found else 0

    def __getitem__(self, window: slice) -> list[payloads.NotificationPayload]:
        if self.statements is None:
            return []
        s = self.statements
        start = window.start or 0
        params = _bind(s.page_params, s.page_slots, self.values)
        with connections[self.using].cursor() as cursor:
            cursor.execute(s.page_sql, [*params, window.stop - start, start])
            found = cursor.fetchall()
        return render(found, connections[self.using].timezone)


def plain_page(user: Any, query: ListQuery, using: str = "default") -> Page | None:
    """``user``'s rows for ``query`` as a :class:`Page`, or None to use the ORM instead."""
    shape: list[tuple[str, Any]] = []
    values: list[Any] = [user.pk, timezone.now()]
    try:
        for name, value in query.values.items():
            part, leaves = _leaves(name, value)
            shape.append((name, part))
            values.extend(leaves)
        statements = _compiled(using, tuple(shape), tuple(_kind(v) for v in values))
    except NotCompiled:
        return None
    if statements is not None:
        values = [
            _prepared(value, using) if n in statements.datetimes else value
            for n, value in enumerate(values)
        ]
    return Page(statements, values, using)


@functools.lru_cache(maxsize=256)
def _refused(using: str, shape: tuple[Any, ...], kinds: tuple[Any, ...]) -> bool:
    """Whether :func:`_compile` refused the shape (remembered, so it is tried once)."""
    try:
        _compile(using, shape, kinds)
    except NotCompiled:
        return True
    return False


def _compiled(using: str, shape: tuple[Any, ...], kinds: tuple[Any, ...]) -> Statements | None:
    if _refused(using, shape, kinds):
        raise NotCompiled(shape)
    return _compile(using, shape, kinds)


def _moment(value: Any, zone: Any) -> datetime.datetime | None:
    """A datetime column from a raw cursor as the ORM would give it."""
    if value is None:
        return None
    if isinstance(value, str):
        value = parse_datetime(value)
    if settings.USE_TZ and timezone.is_naive(value):
        value = timezone.make_aware(value, zone)
    moment: datetime.datetime = value
    return moment


def _json(value: Any) -> Any:
    """A JSON column from a raw cursor as ``JSONField.from_db_value`` would give it."""
    if value is None or not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value


def render(rows: Sequence[Sequence[Any]], zone: Any) -> list[payloads.NotificationPayload]:
    """The payloads of page rows (``COLUMNS`` and the author's username), in order."""
    authors = _author_names(rows)
    language = translation.get_language()  # the reader's (the view activated it), once a page
    rendered = []
    for row in rows:
        (pk, user_id, readed, seen, archived, group, count, stored) = row[:8]
        (event_id, timestamp, author_id, title, message, data) = row[8:14]
        (target_type_id, target_id, expires, type_id, type_name, type_title) = row[14:20]
        (type_description, url, text, username) = row[20:24]
        stored = _json(stored)
        if stored is None:
            name = authors.get(author_id, username)
            stored = [] if author_id is None else [{"id": author_id, "name": str(name)}]
        event = payloads.event_fields(
            event_id=event_id,
            timestamp=_moment(timestamp, zone),  # type: ignore[arg-type]
            author_id=author_id,
            event_type=payloads.event_type_fields(type_id, type_name, type_title, type_description),
            title=title,
            message=message,
            data=_json(data),
            target_type_id=target_type_id,
            target_id=target_id,
            expires=_moment(expires, zone),
            url=url,
            authors=stored,
            language=language,
            **_text(text, language, title, message, stored),
        )
        rendered.append(
            payloads.notification_payload(
                notification_id=pk,
                user_id=user_id,
                readed=_moment(readed, zone),
                event=event,
                authors=stored,
                seen=_moment(seen, zone),
                archived=_moment(archived, zone),
                group=group,
                count=count,
            )
        )
    return rendered


def _text(
    raw: Any, language: str | None, title: str, message: str | None, authors: list[Any]
) -> dict[str, Any]:
    """``text`` and ``rendered`` for :func:`payloads.event_fields` from the raw column.

    Many readers read the same event: its text is parsed and rendered once per
    process, language and author (:func:`_rendered`), not once per row.
    """
    if raw is None:
        return {}
    if not isinstance(raw, str):  # a driver that parsed the JSON itself
        return {"text": raw}
    author = authors[0]["name"] if authors else None
    text, rendered = _rendered(raw, language, title, message, author)
    return {"text": text, "rendered": rendered}


@functools.lru_cache(maxsize=4096)
def _rendered(
    raw: str, language: str | None, title: str, message: str | None, author: str | None
) -> tuple[Any, Any]:
    text = json.loads(raw)
    authors = None if author is None else [{"name": author}]
    return text, i18n.render_text(text, title, message, authors=authors, language=language)


@reset_on_change(*CATALOGUE_SETTINGS)
def _catalogues_changed() -> None:
    _rendered.cache_clear()


def _author_names(rows: Sequence[Sequence[Any]]) -> dict[Any, str]:
    """With ``AUTHOR_NAME`` set, the names of the authors the page shows (one query)."""
    from notifications.conf import notifications_settings

    if notifications_settings.AUTHOR_NAME is None:
        return {}
    wanted = {row[10] for row in rows if row[7] is None and row[10] is not None}
    if not wanted:
        return {}
    users = get_user_model()._default_manager.in_bulk(wanted)
    return {pk: payloads.author_name(user) for pk, user in users.items()}
