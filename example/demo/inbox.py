"""The demo's pages: the inbox and the notification settings, both driven by the JS client."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import ensure_csrf_cookie

from demo.posts import demo_post
from notifications.models import EventType

#: The demo shows authors by name; a real project would add them to its own payload.
MAX_NAMED_USERS = 200


def _page_config(request: HttpRequest) -> dict[str, object]:
    users = get_user_model()._default_manager.order_by("pk")[:MAX_NAMED_USERS]
    post = demo_post()
    return {
        "post": {"target": f"auth.group:{post.pk}", "title": post.name},
        "subscriptionsUrl": reverse("notifications_subscriptions"),
        "muteUrl": reverse("notifications_mute"),
        "apiUrl": reverse("notifications"),
        "sendUrl": reverse("demo_send"),
        "me": request.user.pk,
        "usernames": {str(user.pk): user.get_username() for user in users},
    }


@login_required
@ensure_csrf_cookie
def inbox(request: HttpRequest) -> HttpResponse:
    """The logged-in user's notifications, live, with a form to send test ones."""
    context = {"config": _page_config(request), "types": EventType.objects.sendable()}
    return render(request, "demo/inbox.html", context)


@login_required
@ensure_csrf_cookie
def notification_settings(request: HttpRequest) -> HttpResponse:
    """Which event types the user receives (checkboxes saved through ``PATCH filter``)."""
    return render(request, "demo/settings.html", {"config": _page_config(request)})
