"""SQL-side building blocks for reading and updating notifications."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

if TYPE_CHECKING:
    from notifications.models import Notification, Subscription  # noqa: F401 (type arguments)


class NotificationQuerySet(models.QuerySet["Notification"]):
    """Queries used by the services and the views (``Notification.objects``)."""

    def for_user(self, user: Any, now: datetime.datetime | None = None) -> NotificationQuerySet:
        """``user``'s notifications that have not expired (at ``now``, default: this moment).

        Expired ones are gone everywhere; snoozed ones until they come back
        (:meth:`awake`).
        """
        return self.filter(user_id=user.pk).current(now).awake()

    def awake(self) -> NotificationQuerySet:
        """Rows not snoozed: hidden from lists, counts and reads until they come back."""
        return self.filter(snoozed_until__isnull=True)

    def current(self, now: datetime.datetime | None = None) -> NotificationQuerySet:
        """Rows whose expiry has not passed (at ``now``, default: this moment)."""
        moment = timezone.now() if now is None else now
        return self.filter(Q(expires__isnull=True) | Q(expires__gt=moment))

    def live(self, now: datetime.datetime | None = None) -> NotificationQuerySet:
        """Rows that are "live": not archived, not snoozed, not expired (at ``now``).

        The one spelling of what lists by default, counts and is delivered; the
        badge statement (:mod:`notifications.badges`) is this filter in raw SQL.
        """
        return self.unarchived().awake().current(now)

    def unread(self) -> NotificationQuerySet:
        return self.filter(readed__isnull=True)

    def unseen(self) -> NotificationQuerySet:
        return self.filter(seen__isnull=True)

    def unarchived(self) -> NotificationQuerySet:
        return self.filter(archived__isnull=True)

    def archived(self) -> NotificationQuerySet:
        return self.filter(archived__isnull=False)

    def with_event(self) -> NotificationQuerySet:
        """Join what the wire JSON needs, so a page costs one query."""
        return self.select_related("event", "event__type", "event__author")

    def of_types(self, names: Iterable[str]) -> NotificationQuerySet:
        return self.filter(event__type__name__in=list(names))

    def for_target(self, target: models.Model) -> NotificationQuerySet:
        """Rows whose event is about ``target`` (``send_notification(target=...)``)."""
        from django.contrib.contenttypes.models import ContentType

        content_type = ContentType.objects.get_for_model(target)
        return self.for_target_key(content_type.pk, str(target.pk))

    def for_target_key(self, content_type_id: int, object_id: str) -> NotificationQuerySet:
        """Rows whose event's target is (content type id, primary key as text)."""
        return self.filter(event__target_type_id=content_type_id, event__target_id=object_id)

    def mark_read(self, when: datetime.datetime) -> int:
        """Set ``readed`` on the unread rows only (the first read time is kept).

        Reading a notification also sees it: ``seen`` is set where it was empty.
        """
        updated: int = self.unread().update(readed=when, seen=Coalesce("seen", when))
        return updated

    def mark_seen(self, when: datetime.datetime) -> int:
        """Set ``seen`` on the unseen rows only (the first seen time is kept)."""
        updated: int = self.unseen().update(seen=when)
        return updated


class SubscriptionQuerySet(models.QuerySet["Subscription"]):
    """Who follows or muted which object (``Subscription.objects``): the SQL building blocks.

    An object is named by its content type id and its primary key as text, the
    way an Event names its target.
    """

    def about(self, target_type_id: Any, target_id: Any) -> SubscriptionQuerySet:
        """Rows about one object."""
        return self.filter(target_type_id=target_type_id, target_id=target_id)

    def muted(self, now: datetime.datetime | None = None) -> SubscriptionQuerySet:
        """Rows whose mute holds at ``now`` (default: this moment): for ever, or until later."""
        moment = timezone.now() if now is None else now
        return self.filter(muted_at__isnull=False).filter(
            Q(muted_until__isnull=True) | Q(muted_until__gt=moment)
        )

    def unmuted(self, now: datetime.datetime | None = None) -> SubscriptionQuerySet:
        """Rows whose mute does not hold at ``now`` (never muted, or the mute has ended)."""
        moment = timezone.now() if now is None else now
        return self.filter(Q(muted_at__isnull=True) | Q(muted_until__lte=moment))

    def following(self) -> SubscriptionQuerySet:
        return self.filter(subscribed=True)

    def upsert(self, user_id: Any, target_type_id: int, target_id: str, **changes: Any) -> None:
        """Write ``changes`` on the user's row about the object, creating it if needed.

        One ``INSERT ... ON CONFLICT DO UPDATE`` on the one-row-per-user-and-object
        constraint: concurrent calls leave one row, never an IntegrityError. A new
        row takes ``changes`` over the defaults (``subscribed=False`` unless given).
        """
        fields = {"subscribed": False, **changes}
        row = self.model(
            user_id=user_id, target_type_id=target_type_id, target_id=target_id, **fields
        )
        self.bulk_create(
            [row],
            update_conflicts=True,
            unique_fields=["target_type", "target_id", "user"],
            update_fields=list(changes),
        )
