"""A project whose DEFAULT_PERMISSION_CLASSES is AllowAny: anonymous requests, in a subprocess.

``python -m tests.api.allow_any_project [session-first|token-first]`` (the order
of DEFAULT_AUTHENTICATION_CLASSES). Prints one JSON line:
``{"METHOD path": [status, has "detail", changed anything]}``.
"""

import json
import sys

import django
from django.conf import settings

AUTHENTICATION = {
    "session-first": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "token-first": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
}

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
        "DEFAULT_AUTHENTICATION_CLASSES": AUTHENTICATION[sys.argv[1]],
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
from tests.support import FORMS, calls  # noqa: E402

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
    client = APIClient()
    statuses = {}
    for form in FORMS:
        for call in calls(form, pk):
            response = call.send(client)
            changed = (
                not Notification.objects.filter(pk=pk, readed__isnull=True).exists()
                or ExcludedEventType.objects.exists()
            )
            statuses[f"{call.method} {call.path} {call.body}"] = [
                response.status_code,
                "detail" in response.json(),
                changed,
            ]
    print(json.dumps(statuses))


main()
