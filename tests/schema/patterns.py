"""The two URL forms of API.md, each on its own (a project uses one of them)."""

from django.urls import include, path

from notifications.views import (
    NotificationDetailView,
    NotificationFilterView,
    NotificationsListView,
)

FORMS = {
    "seed": [
        path("notifications", NotificationsListView.as_view(), name="notifications"),
        path(
            "notifications<int:notification_id>",
            NotificationDetailView.as_view(),
            name="notification",
        ),
        path("notifications/filter", NotificationFilterView.as_view(), name="notification_filter"),
    ],
    "include": [path("api/notifications/", include("notifications.urls"))],
}
