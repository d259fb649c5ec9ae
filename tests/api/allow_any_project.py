"""A project whose DEFAULT_PERMISSION_CLASSES is AllowAny: anonymous requests, in a subprocess.

Prints one JSON line: ``{"METHOD path": [status, has "detail", changed anything]}``.
"""

import json

import django
from django.conf import settings

settings.configure(
    SECRET_KEY="x",
    USE_TZ=True,
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    INSTALLED_APPS=[
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.sessions",
        "rest_framework",
        "rest_framework.authtoken",
        "channels",
        "notifications",
    ],
    MIDDLEWARE=[
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
    ],
    REST_FRAMEWORK={
        "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
        "PAGE_SIZE": 20,
        "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
        "DEFAULT_AUTHENTICATION_CLASSES": [
            "rest_framework.authentication.SessionAuthentication",
            "rest_framework.authentication.TokenAuthentication",
        ],
    },
    EVENTS=[{"name": "post_like", "title": "Post liking", "description": None}],
)
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.urls import include, path  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from notifications.helpers import send_notification  # noqa: E402
from notifications.models import ExcludedEventType, Notification  # noqa: E402
from notifications.views import (  # noqa: E402
    NotificationDetailView,
    NotificationFilterView,
    NotificationsListView,
)

urlpatterns = [
    path("notifications", NotificationsListView.as_view(), name="notifications"),
    path("notifications<int:notification_id>", NotificationDetailView.as_view()),
    path("notifications/filter", NotificationFilterView.as_view()),
    path("api/notifications/", include("notifications.urls")),
]


def main() -> None:
    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("ann", password="pw")
    send_notification("post_like", "Hi", None, [user])
    pk = Notification.objects.get().pk
    calls = []
    for prefix, detail in (("/notifications", "/notifications"), ("/api/notifications/", None)):
        detail = detail or prefix
        filter_url = "/notifications/filter" if prefix == "/notifications" else prefix + "filter"
        calls += [
            ("get", prefix, None),
            ("patch", prefix, [pk]),
            ("get", f"{detail}{pk}", None),
            ("patch", f"{detail}{pk}", None),
            ("delete", f"{detail}{pk}", None),
            ("get", filter_url, None),
            ("patch", filter_url, {"event_types": []}),
        ]
    calls += [
        ("get", "/api/notifications/unread-count", None),
        ("post", "/api/notifications/read-all", None),
        ("get", "/api/notifications/types", None),
    ]
    client = APIClient()
    statuses = {}
    for method, url, body in calls:
        kwargs = {} if body is None else {"data": body, "format": "json"}
        response = getattr(client, method)(url, **kwargs)
        changed = (
            not Notification.objects.filter(pk=pk, readed__isnull=True).exists()
            or ExcludedEventType.objects.exists()
        )
        statuses[f"{method.upper()} {url}"] = [
            response.status_code,
            "detail" in response.json(),
            changed,
        ]
    print(json.dumps(statuses))


main()
