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
from django.db.models.query import ModelIterable

Users = models.QuerySet[Any] | Iterable[Any] | models.Model | int | None


def _user_queryset() -> models.QuerySet[Any]:
    return get_user_model()._default_manager.all()


@dataclass(frozen=True)
class Audience:
    """The recipients of one send: either a QuerySet of users or a stream of ids."""

    queryset: models.QuerySet[Any] | None = None
    ids: Iterable[int] = ()

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
            chunk = self.queryset if low is None else self.queryset.filter(pk__gt=low)
            yield chunk if high is None else chunk.filter(pk__lte=high)

    def id_chunks(self, size: int) -> Iterator[list[int]]:
        """The audience's ids, ``size`` at a time (for background tasks)."""
        if self.queryset is None:
            iterator = iter(self.ids)
            while batch := list(islice(iterator, size)):
                yield batch
            return
        ordered = self.queryset.order_by("pk").values_list("pk", flat=True)
        last = None
        while True:
            window = ordered if last is None else ordered.filter(pk__gt=last)
            batch = list(window[:size])
            if not batch:
                return
            yield batch
            last = batch[-1]

    def _ranges(self, size: int) -> Iterator[tuple[Any, Any]]:
        """(low, high] primary-key ranges of ``size`` users, found on the pk index."""
        assert self.queryset is not None
        ordered = self.queryset.order_by("pk").values_list("pk", flat=True)
        low = None
        while True:
            window = ordered if low is None else ordered.filter(pk__gt=low)
            high = next(iter(window[size - 1 : size]), None)
            yield low, high
            if high is None:
                return
            low = high


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
        return Audience(queryset=_as_user_queryset(users))
    if isinstance(users, models.Model):
        return Audience(ids=[users.pk])
    if isinstance(users, int):
        return Audience(ids=[_user_id(users)])
    if isinstance(users, str | bytes):
        raise TypeError("users must be users, ids, a QuerySet or None, not a string")
    if isinstance(users, Collection):
        return Audience(ids=[_user_id(user) for user in users])
    return Audience(ids=(_user_id(user) for user in users))


def _as_user_queryset(users: models.QuerySet[Any]) -> models.QuerySet[Any]:
    user_model = get_user_model()
    plain = (
        users.model is user_model
        and users._iterable_class is ModelIterable
        and not users.query.is_sliced
        and not users.query.combinator
    )
    if plain:
        return users.order_by()
    column = users if users._iterable_class is not ModelIterable else users.values("pk")
    return _user_queryset().filter(pk__in=column)


def _user_id(user: Any) -> int:
    if isinstance(user, models.Model):
        return int(user.pk)
    if isinstance(user, bool) or not isinstance(user, int):
        raise TypeError(f"users must hold users or integer ids, not {user!r}")
    return user
