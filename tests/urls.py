"""Both URL forms of API.md: the seed's explicit paths and include().

Each form is also a list of its own (a project uses one of them): the URL
and schema tests reverse and generate each form alone.
"""

from django.contrib import admin
from django.urls import include, path

from notifications.ops import health_view, metrics_view
from notifications.views import (
    NotificationDetailView,
    NotificationFilterView,
    NotificationsListView,
)

#: The seed's explicit form (these names and the `notification_id` kwarg).
seed_urlpatterns = [
    path("notifications", NotificationsListView.as_view(), name="notifications"),
    path(
        "notifications<int:notification_id>",
        NotificationDetailView.as_view(),
        name="notification",
    ),
    path("notifications/filter", NotificationFilterView.as_view(), name="notification_filter"),
]
#: The include() form, mounted under another prefix.
include_urlpatterns = [path("api/notifications/", include("notifications.urls"))]

#: The operators' endpoints (docs/production.md), on an internal path.
ops_urlpatterns = [path("ops/metrics", metrics_view), path("ops/health", health_view)]

urlpatterns = [
    *seed_urlpatterns,
    *include_urlpatterns,
    *ops_urlpatterns,
    path("admin/", admin.site.urls),
]
