"""SQL-side building blocks for reading and updating notifications."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import models

if TYPE_CHECKING:
    from notifications.models import Notification  # noqa: F401 (the base's type argument)


class NotificationQuerySet(models.QuerySet["Notification"]):
    """Queries used by the services and the views (``Notification.objects``)."""

    def for_user(self, user: Any) -> NotificationQuerySet:
        """Only ``user``'s notifications."""
        return self.filter(user_id=user.pk)

    def unread(self) -> NotificationQuerySet:
        return self.filter(readed__isnull=True)

    def with_event(self) -> NotificationQuerySet:
        """Join what the wire JSON needs, so a page costs one query."""
        return self.select_related("event", "event__type")

    def of_types(self, names: Iterable[str]) -> NotificationQuerySet:
        return self.filter(event__type__name__in=list(names))

    def mark_read(self, when: datetime.datetime) -> int:
        """Set ``readed`` on the unread rows only (the first read time is kept)."""
        updated: int = self.unread().update(readed=when)
        return updated

    def unread_count(self, user: Any) -> int:
        """Exact unread count of ``user``, answered from the partial index."""
        count: int = self.for_user(user).unread().count()
        return count
