"""Token authentication for WebSocket clients that cannot send cookies (mobile, scripts).

Wrap the router like ``AuthMiddlewareStack``::

    "websocket": TokenAuthMiddlewareStack(URLRouter(websocket_urlpatterns))

A client passes a Django REST framework token as the subprotocols
``["token", "<key>"]`` (it stays out of URLs and access logs). The ``?token=<key>``
query form is off unless ``NOTIFICATIONS["ALLOW_QUERY_TOKEN"]`` is True, since URLs
land in access logs. Needs ``rest_framework.authtoken`` in INSTALLED_APPS. Without a
valid token the session user (if any) is kept. The socket is closed when its token
is deleted.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware

from notifications.conf import notifications_settings
from notifications.validation import is_storable


@database_sync_to_async  # type: ignore[untyped-decorator]
def _user_for_token(key: str) -> Any:
    from rest_framework.authtoken.models import Token

    if not is_storable(key):  # no database stores it: no such token (not a crash)
        return None
    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None or not token.user.is_active:
        return None
    return token.user


def token_from_scope(scope: dict[str, Any]) -> str | None:
    """The token key the client offered, if any."""
    protocols = list(scope.get("subprotocols") or [])
    if len(protocols) >= 2 and protocols[0] == "token":
        return str(protocols[1])
    if not notifications_settings.ALLOW_QUERY_TOKEN:
        return None
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token")
    return values[0] if values else None


class TokenAuthMiddleware(BaseMiddleware):
    """Sets ``scope["user"]`` from a DRF token when one is offered."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        key = token_from_scope(scope)
        if key:
            user = await _user_for_token(key)
            if user is not None:
                scope = {**scope, "user": user, "notifications_token": key}
        return await super().__call__(scope, receive, send)


def TokenAuthMiddlewareStack(inner: Any) -> Any:
    """Session authentication, then a token when one is offered."""
    return AuthMiddlewareStack(TokenAuthMiddleware(inner))
