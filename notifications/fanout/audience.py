"""Turn the ``users`` argument of ``send_notification`` into chunks of recipients.

A chunk is a QuerySet of users, so the filter exclusion and the insert run in
SQL and no user id has to travel through Python for QuerySet audiences.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import F
from django.db.models.query import ModelIterable

Users = models.QuerySet[Any] | Iterable[Any] | models.Model | int | None


def _user_queryset() -> models.QuerySet[Any]:
    return get_user_model()._default_manager.all()


@dataclass(frozen=True)
class Audience:
    """The recipients of one send: either a QuerySet of users or a stream of ids.

    ``column`` is set when the QuerySet is ``users.filter(pk__in=column)`` for a
    one-field values QuerySet (``values_list("id", flat=True)`` of users, or
    another model's ``user_id``); its field is named ``field``. Chunks then
    bound that column too, so no chunk rescans the whole subquery.
    """

    queryset: models.QuerySet[Any] | None = None
    ids: Iterable[int] = ()
    column: models.QuerySet[Any] | None = None
    field: str = "pk"

    def size(self) -> int | None:
        """How many users the audience names (one COUNT query for QuerySets).

        None for a stream of ids whose length is unknown until it is consumed.
        """
        if self.queryset is not None:
            return self.queryset.count()
        if isinstance(self.ids, list):
            return len(self.ids)
        return None

    def chunks(self, size: int) -> Iterator[models.QuerySet[Any]]:
        """Chunks of at most about ``size`` users, each a QuerySet of the user model."""
        if self.queryset is None:
            for ids in self.id_chunks(size):
                yield _user_queryset().filter(pk__in=ids)
            return
        for low, high in self._ranges(size):
            yield self._between(low, high)

    def id_chunks(self, size: int) -> Iterator[list[int]]:
        """The audience's ids, at most ``size`` at a time (for background tasks)."""
        if self.queryset is None:
            iterator = iter(self.ids)
            while batch := list(islice(iterator, size)):
                yield batch
            return
        for low, high in self._ranges(size):
            chunk = self._between(low, high).order_by("pk").values_list("pk", flat=True)
            if batch := list(chunk.distinct()):
                yield batch

    def _between(self, low: Any, high: Any) -> models.QuerySet[Any]:
        """The audience's users with ``low < pk <= high`` (None: unbounded)."""
        assert self.queryset is not None
        bounds = {op: value for op, value in (("gt", low), ("lte", high)) if value is not None}
        users = self.queryset
        if self.column is not None and bounds:
            column = self.column.filter(**{f"{self.field}__{op}": v for op, v in bounds.items()})
            users = _user_queryset().filter(pk__in=column.order_by())
        return users.filter(**{f"pk__{op}": value for op, value in bounds.items()})

    def _ranges(self, size: int) -> Iterator[tuple[Any, Any]]:
        """(low, high] ranges of at most ``size`` users, found on the pk (or column) index."""
        assert self.queryset is not None
        source = self.queryset if self.column is None else self.column
        field = "pk" if self.column is None else self.field
        # F(): a foreign key name orders by its column, not by the related Meta.ordering.
        ordered = source.order_by(F(field)).values_list(field, flat=True)
        low = None
        while True:
            window = ordered if low is None else ordered.filter(**{f"{field}__gt": low})
            # The boundary and the value after it: none after it means this is the last chunk.
            bounds = list(window[size - 1 : size + 1])
            if len(bounds) < 2:
                yield low, None
                return
            yield low, bounds[0]
            low = bounds[0]


def resolve_audience(users: Users) -> Audience:
    """Accept every form API.md allows for ``users``.

    None means every user; a QuerySet of users or a ``values_list("id", flat=True)``
    QuerySet stays in SQL; a user, an id, or an iterable of users or ids becomes a
    stream of ids (unknown ids are skipped by the insert, duplicates by the
    one-per-user constraint).
    """
    if users is None:
        return Audience(queryset=_user_queryset())
    if isinstance(users, models.QuerySet):
        return _as_audience(users)
    if isinstance(users, models.Model):
        return Audience(ids=[users.pk])
    if isinstance(users, int):
        return Audience(ids=[_user_id(users)])
    if isinstance(users, str | bytes):
        raise TypeError("users must be users, ids, a QuerySet or None, not a string")
    if isinstance(users, Collection):
        return Audience(ids=[_user_id(user) for user in users])
    return Audience(ids=(_user_id(user) for user in users))


def _as_audience(users: models.QuerySet[Any]) -> Audience:
    user_model = get_user_model()
    free = not users.query.is_sliced and not users.query.combinator
    unordered = users.order_by() if not users.query.is_sliced else users
    fields: tuple[str, ...] = tuple(getattr(users, "_fields", None) or ())
    if users._iterable_class is ModelIterable or len(fields) != 1:
        if users.model is not user_model:
            raise TypeError(
                f"users must be a QuerySet of {user_model.__name__} or one column of "
                f"user ids, not {users.model.__name__} rows"
            )
        if free and users._iterable_class is ModelIterable and not users.query.distinct_fields:
            return Audience(queryset=unordered)
        return Audience(queryset=_user_queryset().filter(pk__in=unordered.values("pk")))
    queryset = _user_queryset().filter(pk__in=unordered)
    if free and not users.query.distinct_fields:
        return Audience(queryset=queryset, column=unordered, field=fields[0])
    return Audience(queryset=queryset)


def _user_id(user: Any) -> int:
    if isinstance(user, models.Model):
        return int(user.pk)
    if isinstance(user, bool) or not isinstance(user, int):
        raise TypeError(f"users must hold users or integer ids, not {user!r}")
    return user
