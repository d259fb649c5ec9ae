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
from tests.urls import include_urlpatterns, seed_urlpatterns


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


class SEED_ONLY:
    """A project that mounts only the seed's explicit paths."""

    urlpatterns = seed_urlpatterns


class INCLUDE_ONLY:
    """A project that mounts only ``include("notifications.urls")``."""

    urlpatterns = include_urlpatterns


def test_seed_names_reverse_to_the_seed_paths():
    assert reverse("notifications", urlconf=SEED_ONLY) == "/notifications"
    assert reverse("notification", urlconf=SEED_ONLY, kwargs={"notification_id": 12}) == (
        "/notifications12"
    )
    assert reverse("notification_filter", urlconf=SEED_ONLY) == "/notifications/filter"


def test_include_gives_the_same_names_and_the_additions():
    assert reverse("notifications", urlconf=INCLUDE_ONLY) == "/api/notifications/"
    assert reverse("notification", urlconf=INCLUDE_ONLY, kwargs={"notification_id": 12}) == (
        "/api/notifications/12"
    )
    assert reverse("notification_filter", urlconf=INCLUDE_ONLY) == "/api/notifications/filter"
    assert reverse("notifications_unread_count") == "/api/notifications/unread-count"
    assert reverse("notifications_read_all") == "/api/notifications/read-all"
    assert reverse("notification_types") == "/api/notifications/types"
