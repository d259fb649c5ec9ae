"""The demo's own pages: sending a test notification (the inbox page lives beside it)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_POST

from notifications.exceptions import NotificationsError
from notifications.helpers import send_notification


@login_required
@require_POST
def send_test_notification(request: HttpRequest) -> JsonResponse:
    """POST (form or JSON): type, title, message, audience = "me" | "everyone" | list of ids."""
    if request.content_type == "application/json":
        try:
            fields: Any = json.loads(request.body or b"{}")
        except ValueError:
            return JsonResponse({"detail": "Body is not JSON."}, status=400)
    else:
        fields = request.POST
    if not isinstance(fields, dict) and not hasattr(fields, "get"):
        return JsonResponse({"detail": "Expected an object."}, status=400)
    audience = fields.get("audience", "me")
    if audience == "me":
        users: Any = [request.user]
    elif audience == "everyone":
        users = get_user_model()._default_manager.all()
    elif isinstance(audience, list):
        users = audience
    else:
        return JsonResponse({"audience": ["Use 'me', 'everyone' or a list of ids."]}, status=400)
    try:
        event = send_notification(
            type=fields.get("type", "mention"),
            title=fields.get("title") or "Test notification",
            data={"sent_from": "demo"},
            users=users,
            message=fields.get("message") or None,
            author=request.user,
        )
    except (NotificationsError, TypeError) as error:
        return JsonResponse({"detail": str(error)}, status=400)
    return JsonResponse({"event": event.pk, "notifications_count": event.notifications_count})
