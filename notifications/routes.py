"""Alias of :mod:`notifications.routing` (the name older docs used)."""

from notifications.routing import websocket_urlpatterns

__all__ = ["websocket_urlpatterns"]
