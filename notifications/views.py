"""The view classes under the documented path ``notifications.views`` (docs/api.md).

They live in :mod:`notifications.api.views`; projects that wire URLs by hand import
them from here, as the seed's README does.
"""

from notifications.api.subscription_views import MuteView, SubscriptionsView
from notifications.api.views import (
    BatchArchiveView,
    BatchUnarchiveView,
    EventTypesView,
    MarkAllReadView,
    MarkAllSeenView,
    NotificationArchiveView,
    NotificationDetailView,
    NotificationFilterView,
    NotificationsListView,
    NotificationUnarchiveView,
    UnreadCountView,
)

__all__ = [
    "BatchArchiveView",
    "BatchUnarchiveView",
    "EventTypesView",
    "MarkAllReadView",
    "MarkAllSeenView",
    "MuteView",
    "NotificationArchiveView",
    "NotificationDetailView",
    "NotificationFilterView",
    "NotificationUnarchiveView",
    "NotificationsListView",
    "SubscriptionsView",
    "UnreadCountView",
]
