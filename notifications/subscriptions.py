"""Watchers: who follows an object, who muted it. No HTTP here (docs/watchers.md).

An object (a post, an issue, a user) is named like a send's ``target``: any
saved model instance, or a :class:`Target` (content type id, primary key as
text) where only its name is known (the REST views). Every write is one
statement on the one-row-per-user-and-object constraint, in
:func:`~notifications.writes.write_transaction`, so concurrent calls of one
user about one object leave at most one row.

- :func:`subscribers` is what ``send_notification(users=...)`` takes: the
  fan-out stays one ``INSERT ... SELECT`` per chunk, read from the subscription
  table on its own index, with the users' filters and mutes in the same statement.
- A mute is honoured by **every** send about the object (``target=obj``),
  whoever the send names: the fan-out's statement leaves out the users whose
  mute holds when it runs (:func:`notifications.fanout.sql.recipients`).
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable
from typing import Any, NamedTuple

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import connections, models, router
from django.utils import timezone

from notifications.conf import notifications_settings
from notifications.exceptions import TargetRefused
from notifications.models import Notification, Subscription
from notifications.querysets import SubscriptionQuerySet
from notifications.writes import write_transaction


class Target(NamedTuple):
    """An object by name: its content type id and its primary key as text."""

    content_type_id: int
    object_id: str

    @classmethod
    def of(cls, obj: models.Model | Target) -> Target:
        """The name of a saved model instance (a Target is returned as it is)."""
        if isinstance(obj, Target):
            return obj
        if not isinstance(obj, models.Model) or obj.pk is None:
            raise ValueError(f"Expected a saved model instance, not {obj!r}.")
        content_type = ContentType.objects.get_for_model(obj)
        return cls(content_type.pk, str(obj.pk))

    def label(self) -> str:
        """``app_label.model:pk``, the way ``?target=`` names it."""
        content_type = ContentType.objects.get_for_id(self.content_type_id)
        return f"{content_type.app_label}.{content_type.model}:{self.object_id}"


Followable = models.Model | Target


def _rows(user: Any, target: Target) -> SubscriptionQuerySet:
    return Subscription.objects.about(*target).filter(user_id=user.pk)


def subscribe(user: Any, obj: Followable) -> bool:
    """Make ``user`` follow ``obj``; True when they did not before. Idempotent.

    A mute on the object stays as it is (a user may follow a thread and mute it
    for a while).
    """
    target = Target.of(obj)
    with write_transaction():
        rows = _rows(user, target)
        # A write first: on SQLite a transaction that reads first cannot always write.
        if rows.filter(subscribed=False).update(subscribed=True):
            return True
        if rows.exists():
            return False
        Subscription.objects.upsert(user.pk, *target, subscribed=True)
    return True


def unsubscribe(user: Any, obj: Followable) -> bool:
    """``user`` stops following ``obj``; True when they followed it. Idempotent.

    A mute that holds is kept (the row stays, not subscribed); otherwise the row goes.
    """
    target = Target.of(obj)
    with write_transaction():
        rows = _rows(user, target)
        changed = rows.following().update(subscribed=False)
        rows.filter(subscribed=False).unmuted().delete()
    return bool(changed)


def mute(
    user: Any, obj: Followable, until: datetime.datetime | datetime.timedelta | None = None
) -> Subscription:
    """Mute ``obj`` for ``user`` until ``until`` (a datetime or a timedelta from now; None:
    for ever); return the row. A later call replaces the mute's end.

    From the moment this commits, no send about ``obj`` reaches ``user``, from
    whichever audience. An ``until`` already past ends the mute at once (the
    row says so: not muted).
    """
    target = Target.of(obj)
    now = timezone.now()
    if isinstance(until, datetime.timedelta):
        until = now + until
    with write_transaction():
        Subscription.objects.upsert(user.pk, *target, muted_at=now, muted_until=until)
        row: Subscription = _rows(user, target).get()
    return row


def unmute(user: Any, obj: Followable) -> bool:
    """End ``user``'s mute of ``obj``; True when a mute held. Following it is unchanged."""
    target = Target.of(obj)
    with write_transaction():
        rows = _rows(user, target)
        held = rows.muted().update(muted_at=None, muted_until=None)  # a write first
        rows.update(muted_at=None, muted_until=None)  # an ended mute too
        rows.filter(subscribed=False).delete()
    return bool(held)


def forget(obj: Followable) -> int:
    """Delete every row about ``obj`` (its followers and mutes); return how many.

    Rows do not point at the object itself (any model, any key type), so they
    outlive it: call this when the object is deleted (e.g. from ``post_delete``).
    """
    with write_transaction():
        deleted, _ = Subscription.objects.about(*Target.of(obj)).delete()
    return deleted


def is_muted(user: Any, obj: Followable) -> bool:
    """Whether ``user``'s mute of ``obj`` holds now."""
    return _rows(user, Target.of(obj)).muted().exists()


def subscribers(obj: Followable, exclude: Any = None) -> models.QuerySet[Any]:
    """The ids of the users who follow ``obj`` and have not muted it: ``users=`` of a send.

    A ``values_list("user_id", flat=True)`` QuerySet of the subscription table:
    ``send_notification(users=subscribers(post, exclude=ann), target=post)``
    fans out with one ``INSERT ... SELECT`` per chunk, the chunks found on the
    table's own index. ``exclude`` leaves out a user (the actor), a user id, or
    an iterable or QuerySet of them. For the users themselves:
    ``User.objects.filter(pk__in=subscribers(post))``.
    """
    rows = Subscription.objects.about(*Target.of(obj)).following().unmuted()
    if exclude is not None:
        rows = rows.exclude(user_id__in=_user_ids(exclude))
    ids: models.QuerySet[Any] = rows.order_by().values_list("user_id", flat=True)
    return ids


def _user_ids(users: Any) -> Any:
    if isinstance(users, models.QuerySet):
        return users.values("pk") if users.query.values_select == () else users
    if isinstance(users, models.Model):
        return [users.pk]
    if isinstance(users, int):
        return [users]
    if isinstance(users, Iterable):
        return [user.pk if isinstance(user, models.Model) else user for user in users]
    raise TypeError(f"exclude must be users or ids, not {users!r}")


def muted_targets(user: Any, targets: Iterable[Target]) -> set[Target]:
    """Those of ``targets`` whose mute by ``user`` holds now (one indexed query; none if empty).

    The list's ``?with=target_muted`` runs it once per page: the statement is
    built once per database and shape (how many types and ids), not by the ORM
    on every request.
    """
    wanted = set(targets)
    if not wanted:
        return set()
    types = sorted({t.content_type_id for t in wanted})
    ids = sorted({t.object_id for t in wanted})
    using = router.db_for_read(Subscription)
    connection = connections[using]
    now = Subscription._meta.get_field("muted_until").get_db_prep_value(timezone.now(), connection)
    with connection.cursor() as cursor:
        cursor.execute(_muted_sql(using, len(types), len(ids)), [user.pk, now, *types, *ids])
        found = {Target(type_id, object_id) for type_id, object_id in cursor.fetchall()}
    return found & wanted


@functools.lru_cache(maxsize=64)
def _muted_sql(using: str, types: int, ids: int) -> str:
    """The statement of :func:`muted_targets` for ``types`` content types and ``ids`` pks."""
    quote = connections[using].ops.quote_name
    opts: Any = Subscription._meta

    def column(name: str) -> str:
        return quote(str(opts.get_field(name).column))

    until = column("muted_until")
    return (
        f"SELECT {column('target_type')}, {column('target_id')} FROM {quote(opts.db_table)} "
        f"WHERE {column('user')} = %s AND {column('muted_at')} IS NOT NULL "
        f"AND ({until} IS NULL OR {until} > %s) "
        f"AND {column('target_type')} IN ({', '.join(['%s'] * types)}) "
        f"AND {column('target_id')} IN ({', '.join(['%s'] * ids)})"
    )


def subscriber_count(obj: Followable) -> int:
    """How many users follow ``obj`` (one indexed COUNT; those who muted it count too)."""
    return Subscription.objects.about(*Target.of(obj)).following().count()


def subscriptions(user: Any) -> SubscriptionQuerySet:
    """``user``'s rows, newest first: the objects they follow or muted (both flags on each)."""
    return Subscription.objects.filter(user_id=user.pk)


def may_follow(user: Any, target: Target) -> bool:
    """Whether ``user`` may follow or mute ``target`` over REST (``SUBSCRIBE_PERMISSION``).

    The setting names ``fn(user, obj) -> bool``; the object is loaded first and a
    missing one is refused. Without it (the default), only objects that
    ``user`` already has a notification about: following never reveals an
    object the user could not see in their inbox.
    """
    check = notifications_settings.imported("SUBSCRIBE_PERMISSION")
    if check is None:
        return Notification.objects.filter(user_id=user.pk).for_target_key(*target).exists()
    content_type = ContentType.objects.get_for_id(target.content_type_id)
    if content_type.model_class() is None:  # a stale content type: no such model now
        return False
    try:
        obj = content_type.get_object_for_this_type(pk=target.object_id)
    except (ObjectDoesNotExist, ValidationError, ValueError, TypeError):
        return False
    return bool(check(user, obj))


def require_follow(user: Any, target: Target) -> None:
    """Raise :class:`TargetRefused` unless :func:`may_follow`."""
    if not may_follow(user, target):
        raise TargetRefused(target.label())
