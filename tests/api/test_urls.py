"""Both URL forms: the seed's view names and the ``notification_id`` keyword work."""

from __future__ import annotations

import pytest
from django.urls import resolve, reverse

from notifications.views import (
    EventTypesView,
    MarkAllReadView,
    NotificationDetailView,
    NotificationFilterView,
    NotificationsListView,
    UnreadCountView,
)


@pytest.mark.parametrize(
    ("path", "view", "kwargs"),
    [
        ("/notifications", NotificationsListView, {}),
        ("/notifications12", NotificationDetailView, {"notification_id": 12}),
        ("/notifications/filter", NotificationFilterView, {}),
        ("/api/notifications/", NotificationsListView, {}),
        ("/api/notifications/12", NotificationDetailView, {"notification_id": 12}),
        ("/api/notifications/filter", NotificationFilterView, {}),
        ("/api/notifications/unread-count", UnreadCountView, {}),
        ("/api/notifications/read-all", MarkAllReadView, {}),
        ("/api/notifications/types", EventTypesView, {}),
    ],
)
def test_paths_resolve_to_the_views(path, view, kwargs):
    match = resolve(path)

    assert match.func.view_class is view
    assert match.kwargs == kwargs


def test_seed_names_reverse():
    assert reverse("notifications") in {"/notifications", "/api/notifications/"}
    assert reverse("notification", kwargs={"notification_id": 12}) in {
        "/notifications12",
        "/api/notifications/12",
    }
    assert reverse("notification_filter") in {
        "/notifications/filter",
        "/api/notifications/filter",
    }
    assert reverse("notifications_unread_count") == "/api/notifications/unread-count"
    assert reverse("notifications_read_all") == "/api/notifications/read-all"
    assert reverse("notification_types") == "/api/notifications/types"
