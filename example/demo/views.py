"""The demo's own endpoints: sending a test notification, the /api/ index, the favicon."""

from __future__ import annotations

import json
import math
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST
from rest_framework.throttling import UserRateThrottle

from notifications.exceptions import DatabaseBusy, NotificationsError
from notifications.helpers import send_notification
from notifications.writes import is_busy_error

#: The demo's icon: the bell of the inbox, as an SVG (browsers accept it as /favicon.ico).
FAVICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24">'
    '<path fill="#3358d4" d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11'
    'a7 7 0 0 0-5.5-6.84V3a1.5 1.5 0 0 0-3 0v1.16A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z"/></svg>'
)


#: The params of the demo's types with a text template (settings.EVENTS).
TEMPLATE_PARAMS: dict[str, dict[str, Any]] = {"mention": {"place": "#general"}, "post_like": {}}


class DemoSendThrottle(UserRateThrottle):
    """Sends per user: REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["demo_send"] (each one emails)."""

    scope = "demo_send"


def _error(field: str, message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({field: [message]}, status=status)


@login_required
@require_POST
def send_test_notification(request: HttpRequest) -> JsonResponse:
    """POST (form or JSON): type, title, message, audience = "me" | "everyone" | list of ids.

    Everyone may send to "me"; "everyone", a list of ids and ``author`` (an id
    to send on behalf of) are for staff only. Bad input answers 400 with a JSON
    body naming the field, never 500. Throttled per user (:class:`DemoSendThrottle`):
    429 with ``Retry-After``.
    """
    throttle = DemoSendThrottle()
    if not throttle.allow_request(request, None):  # type: ignore[arg-type]
        wait = math.ceil(throttle.wait() or 1)
        answer = JsonResponse({"detail": f"Too many sends; try again in {wait} s."}, status=429)
        answer["Retry-After"] = str(wait)
        return answer
    if request.content_type == "application/json":
        try:
            fields: Any = json.loads(request.body or b"{}")
        except (ValueError, RecursionError):
            return JsonResponse({"detail": "Body is not JSON."}, status=400)
    else:
        fields = request.POST
    if not isinstance(fields, dict) and not hasattr(fields, "getlist"):
        return JsonResponse({"detail": "Expected an object."}, status=400)
    staff = bool(getattr(request.user, "is_staff", False))
    audience = fields.get("audience", "me")
    users: Any
    if audience == "me":
        users = [request.user]
    elif not staff and (audience == "everyone" or isinstance(audience, list)):
        return _error("audience", "Only staff may send to others; use 'me'.", status=403)
    elif audience == "everyone":
        users = get_user_model()._default_manager.all()
    elif isinstance(audience, list) and all(
        isinstance(pk, int) and not isinstance(pk, bool) for pk in audience
    ):
        users = audience
    else:
        return _error("audience", "Use 'me', 'everyone' or a list of user ids.")
    author: Any = request.user
    if "author" in fields:
        if not staff:
            return _error("author", "Only staff may send on behalf of another user.", status=403)
        pk = fields["author"]
        valid = isinstance(pk, int) and not isinstance(pk, bool)
        author = get_user_model()._default_manager.filter(pk=pk).first() if valid else None
        if author is None:
            return _error("author", "No user with this id.")
    texts = {name: fields.get(name) for name in ("type", "title", "message")}
    for name, value in texts.items():
        if value is not None and not isinstance(value, str):
            return _error(name, "Must be a string.")
    kind = texts["type"] or "mention"
    # Without a title, a type with a text template is sent translatable: each reader
    # sees it in their own language (the header's switch).
    params = TEMPLATE_PARAMS.get(kind) if not texts["title"] else None
    try:
        event = send_notification(
            type=kind,
            title=texts["title"] or (None if params is not None else "Test notification"),
            data={"sent_from": "demo"},
            users=users,
            message=texts["message"] or None,
            author=author,
            params=params,
        )
    except (DatabaseBusy, OperationalError) as error:
        if not isinstance(error, DatabaseBusy) and not is_busy_error(error):
            raise
        busy = JsonResponse({"detail": "The database is busy; nothing was sent. Retry shortly."})
        busy.status_code = 503
        busy["Retry-After"] = "1"
        return busy
    except NotificationsError as error:
        return JsonResponse({"detail": str(error)}, status=400)
    return JsonResponse({"event": event.pk, "notifications_count": event.notifications_count})


@require_GET
def api_index(request: HttpRequest) -> HttpResponse:
    """``/api/``: what lives under it, with links to the docs and the browsable API."""
    return render(request, "demo/api_index.html")


@require_GET
@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponse:
    """``/favicon.ico`` (browsers ask for it whatever the page says)."""
    return HttpResponse(FAVICON, content_type="image/svg+xml")
