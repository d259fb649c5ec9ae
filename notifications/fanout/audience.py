"""Turn the ``users`` argument of ``send_notification`` into chunks of recipients.

A chunk is a QuerySet of users, so the filter exclusion and the insert run in
SQL and no user id has to travel through Python for QuerySet audiences.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Iterable, Iterator
from itertools import islice
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import F

from notifications.exceptions import InvalidAudience

Users = models.QuerySet[Any] | Iterable[Any] | models.Model | int | None


def _user_queryset() -> models.QuerySet[Any]:
    return get_user_model()._default_manager.all()


class Audience(ABC):
    """The recipients of one send; :func:`resolve_audience` picks the shape.

    Subclasses implement the abstract methods. ``chunks`` and ``id_chunks`` each
    cover every recipient once when consumed to the end (a recipient listed
    twice may appear twice: the one-per-user constraint skips the repeat).
    """

    #: True when no two of its ``chunks`` name the same user (disjoint pk ranges).
    disjoint_chunks: bool = False
    #: True for every user, whoever exists when the audience is read (``users=None``).
    everyone: bool = False

    @abstractmethod
    def size(self) -> int | None:
        """How many users the audience names, or None when that is unknown before consuming it."""

    def known_size(self) -> int | None:
        """The audience's size when it is known without a query; None otherwise."""
        return None

    @abstractmethod
    def chunks(self, size: int) -> Iterator[models.QuerySet[Any]]:
        """Chunks of at most about ``size`` users, each a QuerySet of the user model."""

    @abstractmethod
    def id_chunks(self, size: int) -> Iterator[list[int]]:
        """The audience's ids, at most ``size`` at a time (for background tasks)."""


class IdsAudience(Audience):
    """Users given by id (a list, or a stream consumed once)."""

    def __init__(self, ids: Iterable[int]) -> None:
        self.ids = ids

    def size(self) -> int | None:
        """The number of ids for a list (repeats included); None for a stream."""
        return len(self.ids) if isinstance(self.ids, list) else None

    def known_size(self) -> int | None:
        return self.size()

    def chunks(self, size: int) -> Iterator[models.QuerySet[Any]]:
        for ids in self.id_chunks(size):
            yield _user_queryset().filter(pk__in=ids)

    def id_chunks(self, size: int) -> Iterator[list[int]]:
        iterator = iter(self.ids)
        while batch := list(islice(iterator, size)):
            yield batch


class QuerySetAudience(Audience):
    """Users given by a QuerySet of the user model: chunked on the pk index, in SQL."""

    disjoint_chunks = True

    def __init__(self, queryset: models.QuerySet[Any]) -> None:
        self.queryset = queryset

    def size(self) -> int | None:
        """One COUNT query."""
        return self.queryset.count()

    def chunks(self, size: int) -> Iterator[models.QuerySet[Any]]:
        for low, high in self._ranges(size):
            yield self._between(low, high)

    def id_chunks(self, size: int) -> Iterator[list[int]]:
        for low, high in self._ranges(size):
            chunk = self._between(low, high).order_by("pk").values_list("pk", flat=True)
            if batch := list(chunk.distinct()):
                yield batch

    def _between(self, low: Any, high: Any) -> models.QuerySet[Any]:
        """The audience's users with ``low < pk <= high`` (None: unbounded)."""
        return self.queryset.filter(**{f"pk__{op}": value for op, value in _bounds(low, high)})

    def _ranges(self, size: int) -> Iterator[tuple[Any, Any]]:
        return _ranges(self.queryset, "pk", size)


class EveryoneAudience(QuerySetAudience):
    """Every user (``users=None``)."""

    everyone = True

    def __init__(self) -> None:
        super().__init__(_user_queryset())


class ColumnAudience(QuerySetAudience):
    """``users.filter(pk__in=column)`` for a one-field values QuerySet ``column``.

    ``column`` is a ``values_list("id", flat=True)`` of users, or another
    model's ``user_id``; its field is named ``field``. Chunks bound that column
    too, so no chunk rescans the whole subquery.
    """

    def __init__(self, column: models.QuerySet[Any], field: str) -> None:
        super().__init__(_user_queryset().filter(pk__in=column))
        self.column = column
        self.field = field

    def _between(self, low: Any, high: Any) -> models.QuerySet[Any]:
        bounds = _bounds(low, high)
        if not bounds:
            return self.queryset
        column = self.column.filter(**{f"{self.field}__{op}": value for op, value in bounds})
        users = _user_queryset().filter(pk__in=column.order_by())
        return users.filter(**{f"pk__{op}": value for op, value in bounds})

    def _ranges(self, size: int) -> Iterator[tuple[Any, Any]]:
        return _ranges(self.column, self.field, size)


def _bounds(low: Any, high: Any) -> list[tuple[str, Any]]:
    return [(op, value) for op, value in (("gt", low), ("lte", high)) if value is not None]


def _ranges(source: models.QuerySet[Any], field: str, size: int) -> Iterator[tuple[Any, Any]]:
    """(low, high] ranges of at most ``size`` rows of ``source``, found on ``field``'s index."""
    # F(): a foreign key name orders by its column, not by the related Meta.ordering.
    ordered = source.order_by(F(field)).values_list(field, flat=True)
    low = None
    while True:
        window = ordered if low is None else ordered.filter(**{f"{field}__gt": low})
        # The boundary and the value after it: none after it means this is the last chunk
        # (an audience of an exact multiple of ``size`` pays for no empty trailing chunk).
        bounds = list(window[size - 1 : size + 1])
        if len(bounds) < 2:
            yield low, None
            return
        yield low, bounds[0]
        low = bounds[0]


def resolve_audience(users: Users) -> Audience:
    """Accept every form of ``users`` that ``send_notification`` documents.

    None means every user; a QuerySet of users or a ``values_list("id", flat=True)``
    QuerySet stays in SQL; a user, an id, or an iterable of users or ids becomes a
    stream of ids (unknown ids are skipped by the insert, duplicates by the
    one-per-user constraint).
    """
    if users is None:
        return EveryoneAudience()
    if isinstance(users, models.QuerySet):
        return _as_audience(users)
    if isinstance(users, models.Model):
        return IdsAudience([users.pk])
    if isinstance(users, int):
        return IdsAudience([_user_id(users)])
    if isinstance(users, str | bytes):
        raise InvalidAudience("users must be users, ids, a QuerySet or None, not a string")
    if isinstance(users, Collection):
        # In id order: the chunks of every send then lock rows in one order.
        return IdsAudience(sorted(_user_id(user) for user in users))
    return IdsAudience(_user_id(user) for user in users)


def _as_audience(users: models.QuerySet[Any]) -> Audience:
    user_model = get_user_model()
    query = users.query
    free = not query.is_sliced and not query.combinator and not query.distinct_fields
    unordered = users.order_by() if not query.is_sliced else users
    # The fields a values() / values_list() QuerySet selects: one is a column of ids.
    fields = tuple(query.values_select)
    if len(fields) != 1:
        if users.model is not user_model:
            raise InvalidAudience(
                f"users must be a QuerySet of {user_model.__name__} or one column of "
                f"user ids, not {users.model.__name__} rows"
            )
        if free and not fields:
            return QuerySetAudience(unordered)
        return QuerySetAudience(_user_queryset().filter(pk__in=unordered.values("pk")))
    if free:
        return ColumnAudience(unordered, fields[0])
    return QuerySetAudience(_user_queryset().filter(pk__in=unordered))


def _user_id(user: Any) -> int:
    if isinstance(user, models.Model):
        return int(user.pk)
    if isinstance(user, bool) or not isinstance(user, int):
        raise InvalidAudience(f"users must hold users or integer ids, not {user!r}")
    return user
