"""Both URL forms of API.md."""

from django.urls import include, path

from notifications.views import (
    NotificationDetailView,
    NotificationFilterView,
    NotificationsListView,
)

urlpatterns = [
    path("notifications", NotificationsListView.as_view(), name="notifications"),
    path(
        "notifications<int:notification_id>",
        NotificationDetailView.as_view(),
        name="notification",
    ),
    path("notifications/filter", NotificationFilterView.as_view(), name="notification_filter"),
    path("api/notifications/", include("notifications.urls")),
]
