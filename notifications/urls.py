"""``path("notifications/", include("notifications.urls"))`` mounts every endpoint."""

from django.urls import path

from notifications.api.channel_views import (
    DevicesView,
    PreferencesView,
    PushKeyView,
    PushSubscriptionsView,
    unsubscribe,
)
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
    NotificationSnoozeView,
    NotificationUnarchiveView,
    QuietHoursView,
    UnreadCountView,
)

urlpatterns = [
    path("", NotificationsListView.as_view(), name="notifications"),
    path("<int:notification_id>", NotificationDetailView.as_view(), name="notification"),
    path("filter", NotificationFilterView.as_view(), name="notification_filter"),
    path("unread-count", UnreadCountView.as_view(), name="notifications_unread_count"),
    path("read-all", MarkAllReadView.as_view(), name="notifications_read_all"),
    path("types", EventTypesView.as_view(), name="notification_types"),
    path("seen-all", MarkAllSeenView.as_view(), name="notifications_seen_all"),
    path("archive", BatchArchiveView.as_view(), name="notifications_archive"),
    path("unarchive", BatchUnarchiveView.as_view(), name="notifications_unarchive"),
    path(
        "<int:notification_id>/archive",
        NotificationArchiveView.as_view(),
        name="notification_archive",
    ),
    path(
        "<int:notification_id>/unarchive",
        NotificationUnarchiveView.as_view(),
        name="notification_unarchive",
    ),
    path(
        "<int:notification_id>/snooze",
        NotificationSnoozeView.as_view(),
        name="notification_snooze",
    ),
    path("quiet-hours", QuietHoursView.as_view(), name="notifications_quiet_hours"),
    path("preferences", PreferencesView.as_view(), name="notification_preferences"),
    path("push/key", PushKeyView.as_view(), name="notifications_push_key"),
    path("push/subscriptions", PushSubscriptionsView.as_view(), name="notifications_push"),
    path("devices", DevicesView.as_view(), name="notifications_devices"),
    path("unsubscribe/<str:token>", unsubscribe, name="notifications_unsubscribe"),
    path("subscriptions", SubscriptionsView.as_view(), name="notifications_subscriptions"),
    path("subscriptions/mute", MuteView.as_view(), name="notifications_mute"),
]
