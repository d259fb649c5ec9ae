"""``path("notifications/", include("notifications.urls"))`` mounts every endpoint."""

from django.urls import path

from notifications.channel_views import (
    PreferencesView,
    PushKeyView,
    PushSubscriptionsView,
    unsubscribe,
)
from notifications.views import (
    EventTypesView,
    MarkAllReadView,
    NotificationDetailView,
    NotificationFilterView,
    NotificationsListView,
    UnreadCountView,
)

urlpatterns = [
    path("", NotificationsListView.as_view(), name="notifications"),
    path("<int:notification_id>", NotificationDetailView.as_view(), name="notification"),
    path("filter", NotificationFilterView.as_view(), name="notification_filter"),
    path("unread-count", UnreadCountView.as_view(), name="notifications_unread_count"),
    path("read-all", MarkAllReadView.as_view(), name="notifications_read_all"),
    path("types", EventTypesView.as_view(), name="notification_types"),
    path("preferences", PreferencesView.as_view(), name="notification_preferences"),
    path("push/key", PushKeyView.as_view(), name="notifications_push_key"),
    path("push/subscriptions", PushSubscriptionsView.as_view(), name="notifications_push"),
    path("unsubscribe/<str:token>", unsubscribe, name="notifications_unsubscribe"),
]
